"""The privacy officer's tables: privacy alerts, how each was handled, where the alert rules
have read the audit log up to, and the optional home address a member of staff gives so
that the rules can spot them looking up their own household.

They were the audit app's until the privacy office had a room of its own, so their tables
keep the names they had (`audit_privacy_alert`...): privacy/migrations/0001 took them
over without moving a row.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AlertRule(models.TextChoices):
    """Why an alert was raised, in the privacy officer's words."""

    SAME_SURNAME = "same_surname", "Looked up someone with their own surname"
    SAME_ADDRESS = "same_address", "Looked up someone at their own home address"
    VOLUME_HOUR = "volume_hour", "Viewed unusually many people in an hour"
    VOLUME_DAY = "volume_day", "Viewed unusually many people in a day"
    OUT_OF_HOURS = "out_of_hours", "Used Family View out of hours"
    BREAK_GLASS = "break_glass", "Broke the glass to see a shielded person"
    SHIELDED_PERSON = "shielded_person", "Saw a shielded person"
    PEER_VOLUME = "peer_volume", "A neighbouring council asked about unusually many people"
    PEER_WORKER_VOLUME = (
        "peer_worker_volume",
        ("A neighbouring council's worker asked about unusually many people"),
    )


class AlertStatus(models.TextChoices):
    """Where an alert is in the privacy officer's hands."""

    OPEN = "open", "Open"
    UNDER_REVIEW = "under_review", "Under review"
    NO_CONCERN = "no_concern", "No concern"
    CONCERN_REFERRED = "concern_referred", "Concern referred"


# Alerts still waiting for an outcome, and those with one.
ACTIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.UNDER_REVIEW)
CLOSED_STATUSES = (AlertStatus.NO_CONCERN, AlertStatus.CONCERN_REFERRED)


class PrivacyAlert(models.Model):
    """Something in the audit log a privacy officer should look at, and what they found."""

    authority = models.ForeignKey(
        "access.Authority", on_delete=models.PROTECT, null=True, related_name="+"
    )
    rule = models.CharField(max_length=20, choices=AlertRule.choices)
    # What the alert is about, so that later events about the same thing join it (one
    # alert per member of staff, person and day; per hour or day for volumes; per event
    # for break-glass).
    key = models.CharField(max_length=200)
    explanation = models.TextField()
    # The member of staff whose use raised the alert, as the audit log names them.
    user_id = models.IntegerField(null=True)
    username = models.CharField(max_length=150, blank=True)
    # Opaque person identifiers the alert concerns (none for volumes and out-of-hours).
    subjects = models.JSONField(default=list)
    first_event_at = models.DateTimeField()
    last_event_at = models.DateTimeField()
    raised_at = models.DateTimeField(default=timezone.now)
    rules_version = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    outcome_note = models.TextField(blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True)
    events = models.ManyToManyField(
        "audit.AuditEvent", through="PrivacyAlertEvent", related_name="privacy_alerts"
    )

    class Meta:
        db_table = "audit_privacy_alert"
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["authority", "status", "raised_at"], name="privacy_alert_queue"),
            models.Index(fields=["key"], name="privacy_alert_key"),
            models.Index(fields=["user_id", "raised_at"], name="privacy_alert_user"),
        ]

    def __str__(self) -> str:
        return f"privacy alert {self.pk} ({self.rule})"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class PrivacyAlertEvent(models.Model):
    """An audit event that is part of an alert's evidence."""

    alert = models.ForeignKey(PrivacyAlert, on_delete=models.CASCADE, related_name="event_links")
    event = models.ForeignKey("audit.AuditEvent", on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "audit_privacy_alert_event"
        constraints = [
            models.UniqueConstraint(fields=["alert", "event"], name="one_link_per_alert_event")
        ]

    def __str__(self) -> str:
        return f"event {self.event_id} of alert {self.alert_id}"


class AlertHandling(models.Model):
    """One step a privacy officer took on an alert: the status they set and why."""

    alert = models.ForeignKey(PrivacyAlert, on_delete=models.CASCADE, related_name="handling")
    status = models.CharField(max_length=20, choices=AlertStatus.choices)
    note = models.TextField(blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "audit_privacy_alert_handling"
        ordering = ["handled_at", "id"]

    def __str__(self) -> str:
        return f"alert {self.alert_id} set to {self.status}"


class AlertCursor(models.Model):
    """How far the alert rules have read the audit log (one row): the high-water mark.

    Runs lock this row, so two runs of `familyview alerts run` (a scheduled one and one
    started by hand) never judge the same events twice.
    """

    last_sequence = models.BigIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "audit_privacy_alert_cursor"

    def __str__(self) -> str:
        return f"alert rules read up to event {self.last_sequence}"


class StaffHomeAddress(models.Model):
    """A member of staff's own home address, if they or an administrator gave it.

    Optional: without it the "same address" rule cannot fire for them (the surname rule
    still can). Kept only for the alert rules, never shown to anyone but privacy officers.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="home_address"
    )
    address_line1 = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    uprn = models.CharField(max_length=12, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "audit_staff_home_address"

    def __str__(self) -> str:
        # Opaque on purpose: this string can reach logs.
        return f"home address of user {self.user_id}"
