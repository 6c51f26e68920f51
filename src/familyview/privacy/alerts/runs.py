"""The scheduled run of the rules: `familyview alerts run`, every few minutes.

A run reads the audit events recorded since the last one (a high-water mark on the audit
chain's sequence, `AlertCursor`, which grows in commit order because appending is one
writer at a time), raises or extends alerts, and moves the mark, in one transaction per
batch: a run that fails part-way leaves the mark where its last finished batch left it.
Nothing else raises alerts: the privacy officer's queue only reads what runs raised.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from familyview.access.models import Authority
from familyview.audit.models import AuditEvent
from familyview.privacy.alerts.evaluation import Evaluation, evaluate
from familyview.privacy.alerts.explanations import explain
from familyview.privacy.alerts.facts import staff_facts
from familyview.privacy.alerts.rules import AlertRuleBook, load_alert_rules
from familyview.privacy.models import ACTIVE_STATUSES, AlertCursor, PrivacyAlert, PrivacyAlertEvent

BATCH_SIZE = 2000


@dataclass(frozen=True)
class AlertRun:
    """What a run of the rules did."""

    events_read: int = 0
    alerts_raised: int = 0
    alerts_extended: int = 0
    read_up_to: int = 0

    def __add__(self, other: AlertRun) -> AlertRun:
        return AlertRun(
            self.events_read + other.events_read,
            self.alerts_raised + other.alerts_raised,
            self.alerts_extended + other.alerts_extended,
            max(self.read_up_to, other.read_up_to),
        )


def _lock_cursor() -> AlertCursor:
    """The high-water mark, locked until the transaction ends: a second run waits here
    for the first one's batch, then reads on from where it left the mark."""
    cursor = AlertCursor.objects.select_for_update().filter(pk=1).first()
    if cursor is None:
        # The migration makes the row; this covers a database emptied by hand.
        AlertCursor.objects.get_or_create(pk=1)
        cursor = AlertCursor.objects.select_for_update().get(pk=1)
    return cursor


def last_run() -> AlertCursor | None:
    """Where the rules have read the audit log up to, and when they last ran
    (`last_run_at` is None until the first run)."""
    return AlertCursor.objects.filter(pk=1).first()


def run_alert_rules(
    *,
    book: AlertRuleBook | None = None,
    batch_size: int = BATCH_SIZE,
    max_events: int | None = None,
) -> AlertRun:
    """Read the audit events recorded since the last run against the alert rules.

    Each batch is one transaction: alerts raised or extended and the mark moved together.
    `max_events` stops early (the rest wait for the next run).
    """
    book = book or load_alert_rules()
    total = AlertRun()
    while max_events is None or total.events_read < max_events:
        wanted = (
            batch_size if max_events is None else min(batch_size, max_events - total.events_read)
        )
        with transaction.atomic():
            cursor = _lock_cursor()
            events = list(
                AuditEvent.objects.filter(sequence__gt=cursor.last_sequence).order_by("sequence")[
                    :wanted
                ]
            )
            cursor.last_run_at = timezone.now()
            if events:
                raised, extended = _raise(evaluate(events, book), book)
                cursor.last_sequence = events[-1].sequence
                total = total + AlertRun(len(events), raised, extended, cursor.last_sequence)
            else:
                total = total + AlertRun(read_up_to=cursor.last_sequence)
            cursor.save()
        if len(events) < wanted:
            break
    return total


def _raise(evaluation: Evaluation, book: AlertRuleBook) -> tuple[int, int]:
    """Write what the evaluation found: new alerts, or more evidence on active ones."""
    if not evaluation.findings:
        return 0, 0
    codes = dict(Authority.objects.values_list("id", "code"))
    staff = staff_facts(f.user_id for f in evaluation.findings.values() if f.user_id is not None)
    raised = extended = 0
    for finding in evaluation.findings.values():
        rules = book.for_authority(codes.get(finding.authority_id))
        alert = (
            PrivacyAlert.objects.filter(key=finding.key, status__in=ACTIVE_STATUSES)
            .order_by("-pk")
            .first()
        )
        known = set()
        subjects = list(finding.subjects)
        if alert is not None:
            known = set(alert.event_links.values_list("event_id", flat=True))
            subjects = list(dict.fromkeys([*alert.subjects, *subjects]))
            if set(finding.events) <= known and subjects == alert.subjects:
                continue
        events = list(finding.events.values())
        if known:
            events += list(AuditEvent.objects.filter(sequence__in=known - set(finding.events)))
        events.sort(key=lambda e: e.sequence)
        facts = staff.get(finding.user_id) if finding.user_id is not None else None
        name = facts.name if facts else (finding.username or "Someone not signed in")
        explanation = explain(
            finding.rule, name, events, subjects, rules, staff=facts, window=finding.window
        )
        if alert is None:
            alert = PrivacyAlert.objects.create(
                authority_id=finding.authority_id,
                rule=finding.rule,
                key=finding.key,
                explanation=explanation,
                user_id=finding.user_id,
                username=finding.username,
                subjects=subjects,
                first_event_at=events[0].occurred_at,
                last_event_at=events[-1].occurred_at,
                rules_version=rules.version,
            )
            raised += 1
        else:
            alert.explanation = explanation
            alert.subjects = subjects
            alert.first_event_at = events[0].occurred_at
            alert.last_event_at = events[-1].occurred_at
            alert.save(update_fields=["explanation", "subjects", "first_event_at", "last_event_at"])
            extended += 1
        PrivacyAlertEvent.objects.bulk_create(
            [PrivacyAlertEvent(alert=alert, event_id=s) for s in finding.events if s not in known]
        )
    return raised, extended
