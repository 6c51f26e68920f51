"""Audit events as CSV that is safe to open in a spreadsheet (`familyview.spreadsheets`),
and the export audited."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from familyview import spreadsheets
from familyview.audit import chain
from familyview.audit.actions import Action
from familyview.audit.events import Actor, record_event
from familyview.audit.models import AuditEvent
from familyview.audit.queries import AuditSearch

COLUMNS = (
    "Sequence",
    "When (UTC)",
    "Username",
    "Role",
    "Authority",
    "Team",
    "Action",
    "Level",
    "People (identifiers)",
    "Purpose",
    "Case reference",
    "Outcome",
    "Details",
)


def event_row(event: AuditEvent) -> tuple:
    return (
        event.sequence,
        chain.format_time(event.occurred_at),
        event.username,
        event.role,
        event.authority_id,
        event.team,
        event.action,
        event.level,
        " ".join(event.subjects),
        event.purpose,
        event.case_reference,
        event.outcome,
        chain.canonical_json(event.details) if event.details else "",
    )


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The CSV text line by line (header first), for a streaming response."""
    return spreadsheets.csv_lines(COLUMNS, (event_row(event) for event in events))


def search_criteria(search: AuditSearch) -> dict[str, str]:
    """A search's criteria as recorded in the export's own audit event."""
    return {
        "user_id": str(search.user_id) if search.user_id else "",
        "username": search.username,
        "person_id": search.person_id,
        "team": search.team,
        "date_from": search.date_from.isoformat() if search.date_from else "",
        "date_to": search.date_to.isoformat() if search.date_to else "",
    }


def record_log_search(actor: Actor, search: AuditSearch, page: int, events_shown: int) -> None:
    """Record a search of the log (a privacy officer's or team manager's), with the
    person searched for as its subject."""
    record_event(
        actor,
        Action.AUDIT_SEARCH,
        subjects=[search.person_id] if search.person_id else (),
        details={
            "criteria": search_criteria(search),
            "page": page,
            "events_shown": events_shown,
        },
    )


def export_events(
    actor: Actor, events: QuerySet[AuditEvent], search: AuditSearch
) -> tuple[str, Iterator[str]]:
    """Record the export in the audit log, then return a file name and the CSV lines.

    The export event is committed before the first line is sent: a download that is
    interrupted was still an export.
    """
    with transaction.atomic():
        rows = events.count()
        record_event(
            actor,
            Action.EXPORT,
            subjects=[search.person_id.strip().upper()] if search.person_id else (),
            details={"what": "audit_events", "criteria": search_criteria(search), "rows": rows},
        )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return f"audit-events-{stamp}.csv", csv_lines(events.iterator(chunk_size=2000))
