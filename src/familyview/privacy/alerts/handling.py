"""Handling an alert: a privacy officer's step on it (looking into it, or its outcome with
a note), kept and audited. Nobody handles an alert about their own use.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from familyview.access.policy import Staff
from familyview.audit.events import record_event
from familyview.privacy.alerts.queue import (
    AlertNotFound,
    officer_authority_ids,
    officer_role,
    visible_alerts,
)
from familyview.privacy.models import CLOSED_STATUSES, AlertHandling, AlertStatus, PrivacyAlert

NOTE_MAX_LENGTH = 2000


class AlertRefused(ValueError):
    """The alert cannot be handled as asked; the message says why, in the officer's words."""


HANDLING_CHOICES = (
    AlertStatus.UNDER_REVIEW,
    AlertStatus.NO_CONCERN,
    AlertStatus.CONCERN_REFERRED,
)


def handle_alert(alert_id: int, staff: Staff, status: str, note: str) -> PrivacyAlert:
    """Record a privacy officer's step on an alert: looking into it, or its outcome.

    An outcome (no concern, concern referred) needs a note saying what was found and
    done. Nobody handles an alert about their own use. The step is audited, in the same
    transaction.
    """
    note = (note or "").strip()
    if status not in HANDLING_CHOICES:
        raise AlertRefused("Select what you have done about this alert")
    if status in CLOSED_STATUSES and not note:
        raise AlertRefused("Enter what you found and what was done")
    if len(note) > NOTE_MAX_LENGTH:
        raise AlertRefused(f"The note must be {NOTE_MAX_LENGTH} characters or fewer")
    authority_ids = officer_authority_ids(staff)
    with transaction.atomic():
        alert = visible_alerts(authority_ids).select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise AlertNotFound(alert_id)
        if alert.user_id is not None and alert.user_id == staff.user_id:
            raise AlertRefused(
                "This alert is about your own use of Family View: another privacy officer "
                "must handle it"
            )
        previous = alert.status
        now = timezone.now()
        AlertHandling.objects.create(
            alert=alert, status=status, note=note, handled_by_id=staff.user_id, handled_at=now
        )
        alert.status = status
        alert.outcome_note = note
        alert.handled_by_id = staff.user_id
        alert.handled_at = now
        alert.save(update_fields=["status", "outcome_note", "handled_by", "handled_at"])
        record_event(
            staff,
            "privacy_alert.handled",
            details={
                "alert": alert.pk,
                "rule": alert.rule,
                "status": status,
                "previous_status": previous,
            },
            authority_id=alert.authority_id,
            role=officer_role(staff, alert.authority_id),
        )
    return alert
