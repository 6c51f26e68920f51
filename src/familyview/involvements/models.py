"""Service involvements as each source reports them, with their lead professionals."""

from django.db import models


class ServiceCategory(models.Model):
    """A kind of service (police, housing, adult mental health...). Configuration."""

    code = models.SlugField(max_length=40, primary_key=True)
    name = models.CharField(max_length=100)
    sensitive = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "service categories"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InvolvementStatus(models.TextChoices):
    CURRENT = "current", "Current"
    HISTORIC = "historic", "Historic"
    # The source did not say ("Not Specified"): shown as such, never guessed either way.
    NOT_RECORDED = "not_recorded", "Not recorded"


class Involvement(models.Model):
    """One person's involvement with a service, as one source recorded it.

    Written in bulk by sources.loading, whose set-based merge joins only to rows that
    exist; so its references carry no database constraint (a trigger per loaded row) and
    Django applies on_delete.
    """

    source = models.ForeignKey(
        "sources.Source",
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,  # the unique (source, source_involvement_id) index serves
    )
    source_involvement_id = models.CharField(max_length=64)
    person_record = models.ForeignKey(
        "sources.PersonRecord",
        on_delete=models.CASCADE,
        related_name="involvements",
        db_constraint=False,
    )
    service_category = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=InvolvementStatus.choices)
    team = models.CharField(max_length=200, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    start_date = models.DateField(null=True)
    end_date = models.DateField(null=True)
    last_contact_date = models.DateField(null=True)
    lead_name = models.CharField(max_length=200, blank=True)
    lead_role = models.CharField(max_length=200, blank=True)
    lead_phone = models.CharField(max_length=40, blank=True)
    lead_email = models.CharField(max_length=254, blank=True)
    duty_phone = models.CharField(max_length=40, blank=True)
    details = models.JSONField(null=True)
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
                fields=["source", "source_involvement_id"], name="one_involvement_per_source_id"
            )
        ]
        indexes = [models.Index(fields=["person_record"])]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.source_involvement_id}"
