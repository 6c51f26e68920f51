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
    # Family View's own mark on the event (a keyed digest of its hash, with a key kept
    # outside the database; checkpoints.py): an event appended by anyone else has none
    # that fits, and the next checkpoint says so. Not hashed: the chain is as it was. None
    # for events from before seals (and an added column SQLite need not rebuild for).
    seal = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

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
    # Events since the checkpoint before that carry no seal of Family View's (appended by
    # someone else), found when this one was signed; the signature covers the list.
    unsealed = models.JSONField(null=True, blank=True)

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


class DatabaseIdentity(models.Model):
    """Which database this is (one row, made by the migration): the files Family View
    keeps outside the database (the checkpoint journal and keys, the linkage feature
    store) say whose they are with it, so that one database's files are never taken for
    another's (database_files.py). Kept by the audit log, the ground floor, which every
    part that keeps files may read."""

    database_id = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "audit_database_identity"

    def __str__(self) -> str:
        return f"database {self.database_id}"
