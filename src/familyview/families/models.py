"""Family links between persons, the builds that made them, and crowded addresses.

What the sources say of relationships between their records is theirs
(sources.models.SourceRelationship); families are built from it.
"""

from django.db import models


class FamilyRelationship(models.TextChoices):
    """What the related person is to the person in a family link: the sources' controlled
    vocabulary plus the inverses it lacks (a step-parent's step-child...)."""

    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    PARENT = "parent", "Parent"
    STEP_PARENT = "step_parent", "Step-parent"
    CARER = "carer", "Carer"
    GUARDIAN = "guardian", "Guardian"
    CHILD = "child", "Child"
    STEP_CHILD = "step_child", "Step-child"
    CARED_FOR = "cared_for", "Child in their care"
    SIBLING = "sibling", "Sibling"
    HALF_SIBLING = "half_sibling", "Half-sibling"
    STEP_SIBLING = "step_sibling", "Step-sibling"
    PARTNER = "partner", "Partner"
    EX_PARTNER = "ex_partner", "Ex-partner"
    GRANDPARENT = "grandparent", "Grandparent"
    GRANDCHILD = "grandchild", "Grandchild"
    OTHER_RELATIVE = "other_relative", "Other relative"
    HOUSEHOLD_MEMBER = "household_member", "Lives at the same address"


class FamilyLink(models.Model):
    """One reason to think two persons are family: `related_person` is
    `relationship_type` to `person`, on this basis and with this confidence.

    Rebuilt in full by `familyview families build` (and after each link run) from the
    sources' relationships and from shared addresses. Every statement is its own row, in
    both directions: two sources saying the same thing make two rows (two provenances),
    two sources saying different things make rows marked `disputed`, all kept and shown.
    References carry no database constraint: the table is written in bulk and rebuilt
    whole, and the ORM applies on_delete.
    """

    class Basis(models.TextChoices):
        SOURCE = "source", "A source recorded it"
        HOUSEHOLD = "household", "Lives at the same address"
        DERIVED = "derived", "Worked out from their parents"

    authority = models.ForeignKey(
        "access.Authority", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    person = models.ForeignKey(
        "identity.Person",
        on_delete=models.CASCADE,
        related_name="family_links",
        db_constraint=False,
    )
    related_person = models.ForeignKey(
        "identity.Person",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    relationship_type = models.CharField(max_length=20, choices=FamilyRelationship.choices)
    basis = models.CharField(max_length=10, choices=Basis.choices)
    # For a source's statement: which source, and the extract that last said so.
    source = models.ForeignKey(
        "sources.Source",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    said_at = models.DateTimeField(null=True)
    # Whether the source said it this way round (False: the inverse of what it said).
    as_stated = models.BooleanField(default=True)
    # "uprn" or "address" for a household; the shared parents' kind for a derived link.
    evidence = models.CharField(max_length=40, blank=True)
    start_date = models.DateField(null=True)
    end_date = models.DateField(null=True)
    confidence = models.FloatField()
    # Another statement about the same two persons says something incompatible.
    disputed = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["person"])]

    def __str__(self) -> str:
        # Opaque: person ids and the type only.
        return f"{self.person_id} -> {self.related_person_id}: {self.relationship_type}"


class FamilyBuild(models.Model):
    """One build of family links: what it found and how long it took.

    A full build rebuilds every link and its figures are the authority's whole. An update
    (after an incremental link run or a steward's merge or split) rebuilds only the links
    of the persons that changed and of those whose links depend on them; its figures are
    those persons and the links it wrote.
    """

    class Mode(models.TextChoices):
        FULL = "full", "Every link rebuilt"
        UPDATE = "update", "Links of changed persons rebuilt"

    started_at = models.DateTimeField()
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.FULL)
    # The building rules (building.toml) the links were built by: an update under
    # different rules would leave links built by two sets of rules, so it builds in full.
    rules_digest = models.CharField(max_length=64, blank=True)
    # What the build saw: the newest link run, the newest import and the imports then
    # under way. The next update looks at every import it did not see whole, and is a
    # full build if a link run since had no build of its own.
    link_run_to = models.IntegerField(null=True)
    imports_to = models.IntegerField(null=True)
    imports_running = models.JSONField(default=list)
    seconds = models.FloatField()
    persons = models.PositiveIntegerField()
    source_links = models.PositiveIntegerField()
    household_links = models.PositiveIntegerField()
    derived_links = models.PositiveIntegerField()
    disputed_links = models.PositiveIntegerField()
    # Addresses where more people live at once than a household can hold (hostels,
    # blocks recorded without flat numbers): no household is inferred there.
    crowded_addresses = models.PositiveIntegerField()

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"family build {self.pk}"


class CrowdedAddress(models.Model):
    """Someone recorded at an address too crowded to be a household (a hostel, a block
    recorded without flat numbers), as the last build found it.

    When that person changes (moves away, or turns out to be someone else), updating the
    families looks at the address again: without them the others may be a household.
    """

    authority = models.ForeignKey(
        "access.Authority", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    # "u:<uprn>" or "a:<normalised first line>|<postcode>", as the build compares them.
    key = models.CharField(max_length=300)
    person = models.ForeignKey(
        "identity.Person", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )

    def __str__(self) -> str:
        return f"crowded address of {self.person_id}"
