"""Source systems, their extracts' import history, quarantined rows, and the person records
and relationships between them that the sources send."""

from datetime import timedelta

from django.db import models
from django.utils import timezone


class Source(models.Model):
    """A system that sends Family View extracts (a case system, a police extract...)."""

    authority = models.ForeignKey("access.Authority", on_delete=models.PROTECT)
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    service_category = models.CharField(max_length=40)
    organisation = models.CharField(max_length=200, blank=True)
    duty_phone = models.CharField(max_length=40, blank=True)
    owner_email = models.CharField(max_length=254, blank=True)
    mapping = models.CharField(max_length=500, default="canonical")
    expected_every_days = models.PositiveIntegerField(default=7)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ExtractImport(models.Model):
    """One attempt to import one extract of a source: the import history."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        LOADED = "loaded", "Loaded"
        UNCHANGED = "unchanged", "Unchanged (already imported)"
        REJECTED = "rejected", "Rejected"
        INTERRUPTED = "interrupted", "Interrupted"

    class Kind(models.TextChoices):
        FULL = "full", "Full snapshot"
        DELTA = "delta", "Changes only"

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="imports")
    status = models.CharField(max_length=12, choices=Status.choices)
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.FULL)
    extracted_at = models.DateTimeField(null=True)
    coverage_start = models.DateField(null=True)
    coverage_end = models.DateField(null=True)
    coverage_area = models.CharField(max_length=200, blank=True)
    checksum = models.CharField(max_length=64, blank=True)
    files = models.JSONField(default=list)
    imported_by = models.CharField(max_length=150)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True)
    duration_ms = models.PositiveIntegerField(null=True)
    pid = models.PositiveIntegerField(null=True)
    people_accepted = models.PositiveIntegerField(default=0)
    involvements_accepted = models.PositiveIntegerField(default=0)
    relationships_accepted = models.PositiveIntegerField(default=0)
    rows_quarantined = models.PositiveIntegerField(default=0)
    # Values held back from rows that loaded without them (not counted as rows).
    fields_held_back = models.PositiveIntegerField(default=0)
    records_added = models.PositiveIntegerField(default=0)
    records_changed = models.PositiveIntegerField(default=0)
    records_ended = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["source", "status", "extracted_at"])]

    def __str__(self) -> str:
        return f"import {self.pk} of {self.source_id} ({self.status})"

    @property
    def rows_accepted(self) -> int:
        return self.people_accepted + self.involvements_accepted + self.relationships_accepted


class QuarantinedRow(models.Model):
    """A row that broke a rule, kept verbatim with the reason for the data steward; or,
    with `row_kept`, one value held back from a row that loaded without it."""

    extract_import = models.ForeignKey(
        ExtractImport, on_delete=models.CASCADE, related_name="quarantined_rows"
    )
    file_name = models.CharField(max_length=255)
    record_kind = models.CharField(max_length=20)
    row_number = models.PositiveIntegerField()
    field = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=500)
    raw = models.TextField()
    row_kept = models.BooleanField(default=False)
    value = models.TextField(blank=True)  # the value held back, as sent

    class Meta:
        ordering = ["extract_import", "file_name", "row_number"]

    def __str__(self) -> str:
        return f"{self.file_name} row {self.row_number}"


class PersonRecord(models.Model):
    """A person as one source system records them.

    Written in bulk by sources.loading, whose set-based merge joins only to rows that
    exist; so its references carry no database constraint (a trigger per loaded row) and
    Django applies on_delete.
    """

    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="person_records",
        db_constraint=False,
        db_index=False,  # the unique (source, source_record_id) index serves
    )
    source_record_id = models.CharField(max_length=64)
    given_name = models.CharField(max_length=100, blank=True)
    middle_names = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    previous_names = models.CharField(max_length=500, blank=True)
    # Dates of birth are often partial (year only), so each part is kept apart.
    birth_year = models.PositiveSmallIntegerField(null=True)
    birth_month = models.PositiveSmallIntegerField(null=True)
    birth_day = models.PositiveSmallIntegerField(null=True)
    sex = models.CharField(max_length=10, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True)
    upn = models.CharField(max_length=13, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=200, blank=True)
    # A UK postcode as 'SK1 3XE'; another country's as written ('1012 AB', '1100-148').
    postcode = models.CharField(max_length=16, blank=True)
    uprn = models.CharField(max_length=12, blank=True)
    address_from = models.DateField(null=True)
    date_of_death = models.DateField(null=True)
    restricted = models.BooleanField(default=False)
    # Which import created, last changed or ended the record. Imports are never deleted,
    # so these carry no database constraint or index: bulk loads skip a check per row.
    row_hash = models.CharField(max_length=32)
    created_by_import = models.ForeignKey(
        ExtractImport,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    changed_by_import = models.ForeignKey(
        ExtractImport,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    ended_at = models.DateTimeField(null=True)
    ended_by_import = models.ForeignKey(
        ExtractImport,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_record_id"], name="one_person_record_per_source_id"
            )
        ]
        # Who else is recorded at an address: a family update finds a changed person's
        # household by them.
        indexes = [models.Index(fields=["uprn"]), models.Index(fields=["postcode"])]

    def __str__(self) -> str:
        # Opaque on purpose: this string can reach logs.
        return f"person record {self.pk}"


def is_stale(source: Source, last_extracted_at, now=None) -> bool:
    """Whether a source's newest extract is older than its expected cadence allows."""
    if last_extracted_at is None:
        return True
    now = now or timezone.now()
    return now - last_extracted_at > timedelta(days=source.expected_every_days)


class RelationshipType(models.TextChoices):
    """What the related person is to the person (the controlled vocabulary)."""

    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    PARENT = "parent", "Parent"
    STEP_PARENT = "step_parent", "Step-parent"
    CARER = "carer", "Carer"
    GUARDIAN = "guardian", "Guardian"
    CHILD = "child", "Child"
    SIBLING = "sibling", "Sibling"
    HALF_SIBLING = "half_sibling", "Half-sibling"
    STEP_SIBLING = "step_sibling", "Step-sibling"
    PARTNER = "partner", "Partner"
    EX_PARTNER = "ex_partner", "Ex-partner"
    GRANDPARENT = "grandparent", "Grandparent"
    OTHER_RELATIVE = "other_relative", "Other relative"
    HOUSEHOLD_MEMBER = "household_member", "Household member"


class SourceRelationship(models.Model):
    """A relationship between two person records of one source, as that source states it.

    Written in bulk by sources.loading, whose set-based merge joins only to rows that
    exist; so its references carry no database constraint (a trigger per loaded row) and
    Django applies on_delete.
    """

    source = models.ForeignKey("sources.Source", on_delete=models.PROTECT, db_constraint=False)
    person_record = models.ForeignKey(
        "sources.PersonRecord",
        on_delete=models.CASCADE,
        related_name="relationships",
        db_constraint=False,
    )
    related_record = models.ForeignKey(
        "sources.PersonRecord", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    relationship_type = models.CharField(max_length=20, choices=RelationshipType.choices)
    start_date = models.DateField(null=True)
    end_date = models.DateField(null=True)
    row_hash = models.CharField(max_length=32)
    created_by_import = models.ForeignKey(
        "sources.ExtractImport",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    changed_by_import = models.ForeignKey(
        "sources.ExtractImport",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    ended_at = models.DateTimeField(null=True)
    ended_by_import = models.ForeignKey(
        "sources.ExtractImport",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        # Made by the families app before relationships were the sources' own: the
        # table kept its name when the model moved (sources 0005, families 0004).
        db_table = "families_sourcerelationship"
        constraints = [
            models.UniqueConstraint(
                fields=["person_record", "related_record", "relationship_type"],
                name="one_relationship_per_pair_and_type",
            )
        ]

    def __str__(self) -> str:
        return f"{self.relationship_type} relationship {self.pk}"
