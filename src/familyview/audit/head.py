"""The head of the audit chain: the newest event, and the lock that makes appending one
writer at a time.

Writing an event (events.py) and signing a checkpoint of the newest one (checkpoints.py)
both read the head under the lock; it lives here so that neither imports the other.

On PostgreSQL the lock is a transaction-scoped advisory lock, held until the caller's
transaction ends; on SQLite the write lock that BEGIN IMMEDIATE already holds.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import OuterRef, Subquery

from familyview.audit import chain
from familyview.audit.models import AuditCheckpoint, AuditEvent

# Any number, the same for every writer of the audit chain.
AUDIT_CHAIN_LOCK = 7_350_002


def lock_chain() -> None:
    """Wait until no one else is appending to the audit chain. Call inside a transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])


def chain_head() -> tuple[int, str]:
    """The last event's sequence number and hash, (0, GENESIS_HASH) for an empty log."""
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    return head if head else (0, chain.GENESIS_HASH)


@dataclass(frozen=True)
class Head:
    """The newest event, and since when events have been waiting for a checkpoint."""

    sequence: int
    hash: str
    # When the newest checkpoint was signed, or when the log began if none has been: the
    # events after it are in the tampering window.
    window_opened_at: dt.datetime | None


def head_for_appending(now: dt.datetime) -> Head:
    """The head and the window's opening, in the one query appending already makes.

    The newest checkpoint is the newest of the events up to the head, signed by now: a row
    added by someone with the INSERT right alone, for an event to come or dated in the
    future, would otherwise hold the time bound off (`familyview audit verify` reports
    such a row: its signature is not good)."""
    newest_checkpoint = (
        AuditCheckpoint.objects.filter(sequence__lte=OuterRef("sequence"), signed_at__lte=now)
        .order_by("-sequence")
        .values("signed_at")[:1]
    )
    first_event = AuditEvent.objects.order_by("sequence").values("occurred_at")[:1]
    row = (
        AuditEvent.objects.order_by("-sequence")
        .annotate(signed=Subquery(newest_checkpoint), began=Subquery(first_event))
        .values_list("sequence", "hash", "signed", "began")
        .first()
    )
    if row is None:
        return Head(0, chain.GENESIS_HASH, None)
    sequence, event_hash, signed, began = row
    return Head(sequence, event_hash, signed or began)
