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
from django.utils.dateparse import parse_datetime

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
    with connection.cursor() as cur:
        cur.execute(_head_sql(), [connection.ops.adapt_datetimefield_value(now)])
        row = cur.fetchone()
    if row is None:
        return Head(0, chain.GENESIS_HASH, None)
    sequence, event_hash, signed, began = row
    opened = signed or began
    return Head(sequence, event_hash, _as_datetime(opened) if opened is not None else None)


# Every event written asks it: the ORM built and compiled it each time, which cost more
# than the database took to answer. It is written out once for each kind of database, with
# one parameter: now.
_head_sql_for: dict[str, str] = {}


def _head_sql() -> str:
    if connection.vendor not in _head_sql_for:
        event, checkpoint = AuditEvent._meta.db_table, AuditCheckpoint._meta.db_table
        _head_sql_for[connection.vendor] = (
            f'SELECT e."sequence", e."hash", '  # noqa: S608
            f'(SELECT c."signed_at" FROM "{checkpoint}" c WHERE c."sequence" <= e."sequence" '
            'AND c."signed_at" <= %s ORDER BY c."sequence" DESC LIMIT 1), '
            f'(SELECT f."occurred_at" FROM "{event}" f ORDER BY f."sequence" LIMIT 1) '
            f'FROM "{event}" e ORDER BY e."sequence" DESC LIMIT 1'
        )
    return _head_sql_for[connection.vendor]


def _as_datetime(value: dt.datetime | str) -> dt.datetime:
    """A time as the database gave it (SQLite gives text, in UTC), as an aware datetime."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(f"the audit log holds a time that cannot be read: {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
