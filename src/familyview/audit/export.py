"""Audit events as CSV that is safe to open in a spreadsheet, and the export audited.

A cell that starts with = + - @, a tab or a carriage return would be read by Excel or
LibreOffice as a formula (CSV injection, OWASP): such cells get a leading single quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from familyview.audit import chain
from familyview.audit.events import record_event
from familyview.audit.models import AuditEvent

if TYPE_CHECKING:
    from familyview.access.policy import Staff
    from familyview.audit.queries import AuditSearch

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

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


def safe_cell(value: object) -> str:
    """The value as CSV cell text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def event_row(event: AuditEvent) -> list[str]:
    return [
        safe_cell(cell)
        for cell in (
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
    ]


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The CSV text line by line (header first), for a streaming response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    for event in events:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(event_row(event))
        yield buffer.getvalue()


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


def export_events(
    actor: Staff, events: QuerySet[AuditEvent], search: AuditSearch
) -> tuple[str, Iterator[str]]:
    """Record the export in the audit log, then return a file name and the CSV lines.

    The export event is committed before the first line is sent: a download that is
    interrupted was still an export.
    """
    with transaction.atomic():
        rows = events.count()
        record_event(
            actor,
            "export",
            subjects=[search.person_id.strip().upper()] if search.person_id else (),
            details={"what": "audit_events", "criteria": search_criteria(search), "rows": rows},
        )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return f"audit-events-{stamp}.csv", csv_lines(events.iterator(chunk_size=2000))
