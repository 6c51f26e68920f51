"""The audit log's tables. Rows are only ever added: see events.record_event.

Audit rows refer to people, staff and authorities by plain identifiers, not foreign keys:
an audit event must outlive the account, person or authority it mentions.
"""

from django.db import models


class Level(models.TextChoices):
    """How much family data a read showed (the four levels councils asked to audit)."""

    SEARCH = "search", "Search made"
    RESULTS = "results", "Results shown"
    SUMMARY = "summary", "Person summary viewed"
    SERVICE_DETAIL = "service_detail", "Service details viewed"


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    REFUSED = "refused", "Refused"


class AuditEvent(models.Model):
    """One thing a user did or tried to do, hash-chained to the event before it."""

    sequence = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField()
    user_id = models.IntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=32, blank=True)
    authority_id = models.IntegerField(null=True, blank=True)
    team = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=100)
    level = models.CharField(max_length=20, blank=True, choices=Level.choices)
    # Opaque person identifiers (e.g. P3F2A...), in the order they were shown.
    subjects = models.JSONField(default=list)
    purpose = models.CharField(max_length=500, blank=True)
    case_reference = models.CharField(max_length=100, blank=True)
    details = models.JSONField(default=dict)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "audit_event"
        ordering = ["sequence"]
        indexes = [
            models.Index(fields=["occurred_at"], name="audit_event_when"),
            models.Index(fields=["user_id", "occurred_at"], name="audit_event_user"),
            models.Index(fields=["username", "occurred_at"], name="audit_event_username"),
            models.Index(fields=["authority_id", "occurred_at"], name="audit_event_authority"),
            models.Index(fields=["authority_id", "team", "occurred_at"], name="audit_event_team"),
            models.Index(fields=["action", "occurred_at"], name="audit_event_action"),
        ]

    def __str__(self) -> str:
        return f"audit event {self.sequence}: {self.action}"


class AuditEventSubject(models.Model):
    """A lookup from a person identifier to the events that showed them.

    A derived index only: the event's own `subjects` list is what its hash covers.
    """

    event = models.ForeignKey(
        AuditEvent, on_delete=models.PROTECT, related_name="subject_rows", db_column="sequence"
    )
    person_id = models.CharField(max_length=40)

    class Meta:
        db_table = "audit_event_subject"
        indexes = [models.Index(fields=["person_id", "event"], name="audit_subject_person")]

    def __str__(self) -> str:
        return f"{self.person_id} in audit event {self.event_id}"


class AuditCheckpoint(models.Model):
    """A signed statement that the chain's event `sequence` had hash `event_hash`.

    Signed with an Ed25519 key held outside the database; see checkpoints.py.
    """

    sequence = models.BigIntegerField(unique=True)
    event_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=32)
    signature = models.CharField(max_length=128)

    class Meta:
        db_table = "audit_checkpoint"
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"audit checkpoint at event {self.sequence}"


class AuditRetentionFloor(models.Model):
    """A signed statement that events 1 to `through_sequence` were removed by retention.

    The log then starts at through_sequence + 1, whose previous_hash is `event_hash`.
    Signed with the checkpoint key, so that no one without it can pass off deleted events
    as retention (see pruning.py).
    """

    through_sequence = models.BigIntegerField(unique=True)
    event_hash = models.CharField(max_length=64)
    removed_at = models.DateTimeField()
    events_removed = models.BigIntegerField()
    key_id = models.CharField(max_length=32)
    signature = models.CharField(max_length=128)

    class Meta:
        db_table = "audit_retention_floor"
        ordering = ["through_sequence"]

    def __str__(self) -> str:
        return f"audit events up to {self.through_sequence} removed by retention"
