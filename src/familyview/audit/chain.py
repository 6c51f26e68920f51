"""The hash chain: how an event's hash is computed from its fields and the previous hash.

hash = SHA-256 over the canonical JSON of the event's fields, which include the previous
event's hash. Canonical JSON: keys sorted, no spaces, UTF-8, no NaN; times in UTC as
`YYYY-MM-DDTHH:MM:SS.ffffffZ`. Changing this breaks every existing chain: don't.
"""

import datetime as dt
import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any

# The previous hash of the very first event.
GENESIS_HASH = "0" * 64

# The fields the hash covers, in the order they are listed in documentation.
HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "user_id",
    "username",
    "role",
    "authority_id",
    "team",
    "action",
    "level",
    "subjects",
    "purpose",
    "case_reference",
    "details",
    "outcome",
    "previous_hash",
)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return format_time(value) if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"audit details cannot hold a {type(value).__name__}: use text or numbers")


def canonical_json(value: Any) -> str:
    """The one JSON spelling of `value` that hashes are computed over."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def plain_json(value: Any) -> Any:
    """`value` as plain JSON types (dates as text, tuples as lists), as it reads back from
    the database, so that the hash computed now is the hash verified later."""
    return json.loads(canonical_json(value))


def format_time(when: dt.datetime) -> str:
    """An aware time in UTC with microseconds, e.g. 2025-03-01T09:30:00.000000Z."""
    if when.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(fields: dict[str, Any]) -> str:
    """The SHA-256 (hex) of an event's hashed fields. `fields` holds every HASHED_FIELDS
    name; occurred_at may be a datetime or already formatted."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    when = payload["occurred_at"]
    if isinstance(when, dt.datetime):
        payload["occurred_at"] = format_time(when)
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
