"""The privacy officer's queue: the alerts of their authorities, waiting for an outcome or
closed, and one alert with its evidence and the people concerned (their names and dates
of birth as every page gives them). Raises nothing: the rules are run by `familyview
alerts run` (runs.py) on a schedule, not by opening the queue. Opening one alert is a
read, audited like any other (`privacy_alert.viewed`, naming the people concerned).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from familyview.access.policy import Permission, Staff, authorities_with, membership_for
from familyview.audit.events import record_event
from familyview.audit.models import AuditEvent, Level
from familyview.identity.persons import PersonDetails
from familyview.privacy.alerts.facts import people_looked_at, staff_facts
from familyview.privacy.alerts.rules import load_alert_rules
from familyview.privacy.alerts.runs import last_run
from familyview.privacy.models import (
    ACTIVE_STATUSES,
    CLOSED_STATUSES,
    AlertHandling,
    AlertStatus,
    PrivacyAlert,
)
from familyview.settings_files import SettingsFileError

ALERTS_PER_PAGE = 50
# The rules run every few minutes (docs/deploying.md): a last run longer ago than this
# means the schedule has stopped, and alerts for what happened since are missing.
RUNS_OVERDUE_AFTER = timedelta(hours=1)


class AlertNotFound(LookupError):
    """No such alert among the reader's authorities (another authority's looks the same)."""


def officer_authority_ids(staff: Staff | None) -> list[int]:
    """The authorities whose alerts this member of staff handles (empty: none)."""
    return authorities_with(staff, Permission.HANDLE_ALERTS)


def visible_alerts(authority_ids: Iterable[int]) -> QuerySet[PrivacyAlert]:
    """The alerts of these authorities (a privacy officer's), newest first."""
    return PrivacyAlert.objects.filter(authority_id__in=list(authority_ids))


def alert_queue(
    authority_ids: Iterable[int],
    showing: str = "active",
    page_number: int | str | None = 1,
    per_page: int = ALERTS_PER_PAGE,
) -> Page:
    """One page of alerts: those waiting for an outcome ("active", oldest first, so that
    nothing waits forever) or those with one ("closed", most recently handled first)."""
    alerts = visible_alerts(authority_ids)
    if showing == "closed":
        alerts = alerts.filter(status__in=CLOSED_STATUSES).order_by("-handled_at", "-pk")
    else:
        alerts = alerts.filter(status__in=ACTIVE_STATUSES).order_by("raised_at", "pk")
    return Paginator(alerts, per_page).get_page(page_number)


@dataclass(frozen=True)
class QueueCounts:
    open: int
    under_review: int
    closed: int


def queue_counts(authority_ids: Iterable[int]) -> QueueCounts:
    """How many alerts wait for a first look, are being looked at, and are closed."""
    counts = visible_alerts(authority_ids).aggregate(
        open=Count("pk", filter=Q(status=AlertStatus.OPEN)),
        under_review=Count("pk", filter=Q(status=AlertStatus.UNDER_REVIEW)),
        closed=Count("pk", filter=Q(status__in=CLOSED_STATUSES)),
    )
    return QueueCounts(counts["open"], counts["under_review"], counts["closed"])


@dataclass(frozen=True)
class AlertQueue:
    """The queue as a privacy officer sees it, and how current the scheduled runs keep it."""

    page: Page
    counts: QueueCounts
    read_up_to: int  # the last audit event the rules have read
    last_run_at: datetime | None  # None: the rules have never run
    runs_overdue: bool  # never run, or not for RUNS_OVERDUE_AFTER: the schedule has stopped
    rules_problem: str = ""  # the rules file cannot be read: runs raise nothing until fixed


def open_alert_queue(
    staff: Staff, showing: str = "active", page_number: int | str | None = 1
) -> AlertQueue:
    """The queue as a privacy officer opens it: their authorities' alerts as the scheduled
    runs of `familyview alerts run` left them, and when the rules last read the log.

    Reads only: opening the queue raises no alert (a GET that wrote would make a page's
    speed and a privacy officer's visit part of how alerts are raised). A broken rules
    file, which the runs refuse, is reported, not fatal: the alerts raised are shown."""
    problem = ""
    try:
        load_alert_rules()
    except SettingsFileError as e:
        problem = str(e)
    cursor = last_run()
    last_run_at = cursor.last_run_at if cursor else None
    authority_ids = officer_authority_ids(staff)
    return AlertQueue(
        page=alert_queue(authority_ids, showing, page_number),
        counts=queue_counts(authority_ids),
        read_up_to=cursor.last_sequence if cursor else 0,
        last_run_at=last_run_at,
        runs_overdue=last_run_at is None or timezone.now() - last_run_at > RUNS_OVERDUE_AFTER,
        rules_problem=problem,
    )


@dataclass(frozen=True)
class AlertDetail:
    """One alert with its evidence and the steps taken on it."""

    alert: PrivacyAlert
    staff_name: str
    events: list[AuditEvent]
    handling: list[AlertHandling]
    is_about_reader: bool
    # The people concerned as the person index shows them now, by the identifier the
    # alert names (one merged since: the person they joined); absent when no longer held.
    people: dict[str, PersonDetails]


def alert_detail(alert_id: int, staff: Staff) -> AlertDetail:
    """An alert of the officer's authorities with its events, handling and the people
    concerned, audited as read. AlertNotFound for any other alert."""
    authority_ids = officer_authority_ids(staff)
    alert = visible_alerts(authority_ids).filter(pk=alert_id).first()
    if alert is None:
        raise AlertNotFound(alert_id)
    events = list(alert.events.order_by("sequence"))
    handling = list(alert.handling.select_related("handled_by").order_by("handled_at", "pk"))
    with transaction.atomic():
        # Naming the people shown, so that their subject access reports list it; with no
        # level, which the alert rules read: an officer opening an alert about a shielded
        # child would raise an alert about the officer, and so on for ever.
        record_event(
            staff,
            "privacy_alert.viewed",
            subjects=alert.subjects,
            details={"alert": alert.pk, "rule": alert.rule},
            authority_id=alert.authority_id,
            role=officer_role(staff, alert.authority_id),
        )
    return AlertDetail(
        alert=alert,
        staff_name=_name_of(alert),
        events=events,
        handling=handling,
        is_about_reader=alert.user_id is not None and alert.user_id == staff.user_id,
        people=people_looked_at(alert.subjects, authority_ids),
    )


def staff_names(alerts: Iterable[PrivacyAlert]) -> dict[int, str]:
    """The names of the staff these alerts are about, by user id (for the queue page)."""
    return {
        user_id: facts.name
        for user_id, facts in staff_facts(a.user_id for a in alerts if a.user_id).items()
    }


def _name_of(alert: PrivacyAlert) -> str:
    if alert.user_id is None:
        return alert.username or "Someone not signed in"
    facts = staff_facts([alert.user_id]).get(alert.user_id)
    return facts.name if facts else alert.username


def officer_role(staff: Staff, authority_id: int | None) -> str:
    """The role in which this member of staff handles the authority's alerts."""
    membership = membership_for(staff, Permission.HANDLE_ALERTS, authority_id)
    return membership.role if membership else ""


def alert_events_details(events: Iterable[AuditEvent]) -> list[dict[str, Any]]:
    """The evidence events as rows for the page: sequence, when, action, level, subjects."""
    labels = dict(Level.choices)
    return [
        {
            "sequence": e.sequence,
            "occurred_at": e.occurred_at,
            "action": e.action,
            "level": labels.get(e.level, ""),
            "subjects": list(e.subjects),
            "purpose": e.purpose,
            "case_reference": e.case_reference,
            "role": e.role,
        }
        for e in events
    ]
