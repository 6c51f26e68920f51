"""Relationships between people, as sources record them."""

from django.db import models


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
        constraints = [
            models.UniqueConstraint(
                fields=["person_record", "related_record", "relationship_type"],
                name="one_relationship_per_pair_and_type",
            )
        ]

    def __str__(self) -> str:
        return f"{self.relationship_type} relationship {self.pk}"
