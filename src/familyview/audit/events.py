"""Writing the audit log: `record_event`, the one function that adds an event.

Every read of family data writes exactly one event, at one of the four levels councils
asked for (`Level`); every action is named by `Action` (audit/actions.py). Other
actions ("sign_in", "export", "steward.merge", "admin.*",
"access_refused", "break_glass"...) carry no level. Events are appended inside the
caller's transaction, so an action that rolls back leaves no event behind (and an event
that cannot be written rolls the action back).

Appending is one writer at a time (audit/head.py): on PostgreSQL a transaction-scoped
advisory lock on the chain head (held until the caller's transaction ends); on SQLite the
write lock that BEGIN IMMEDIATE already holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from familyview.audit import chain, witness
from familyview.audit.actions import Action
from familyview.audit.checkpoints import seal, write_checkpoint
from familyview.audit.head import Head, head_for_appending, lock_chain
from familyview.audit.models import AuditEvent, AuditEventSubject, Level, Outcome

__all__ = ["Action", "Actor", "Level", "Outcome", "record_event"]

DEFAULT_CHECKPOINT_EVERY = 100
DEFAULT_CHECKPOINT_MINUTES = 10
MAX_SUBJECT_ID_LENGTH = 40


class AuditEventError(ValueError):
    """An event that cannot be recorded as given (the message says which part is wrong)."""


def checkpoint_every() -> int:
    """How many events between automatic signed checkpoints (0 turns them off)."""
    return int(getattr(settings, "AUDIT_CHECKPOINT_EVERY", DEFAULT_CHECKPOINT_EVERY))


def checkpoint_after() -> dt.timedelta | None:
    """How long events may wait for a checkpoint: the next event after that signs one
    (None: no time bound)."""
    minutes = float(getattr(settings, "AUDIT_CHECKPOINT_MINUTES", DEFAULT_CHECKPOINT_MINUTES))
    return dt.timedelta(minutes=minutes) if minutes > 0 else None


def _checkpoint_due(sequence: int, head: Head, now: dt.datetime) -> bool:
    """Every AUDIT_CHECKPOINT_EVERY events, and at the first event once the newest
    checkpoint (or the log's start) is older than AUDIT_CHECKPOINT_MINUTES: the tampering
    window is bounded in events and in time, by the application itself."""
    every = checkpoint_every()
    if every > 0 and sequence % every == 0:
        return True
    after = checkpoint_after()
    opened = head.window_opened_at
    return after is not None and opened is not None and now - opened >= after


class ActorRole(Protocol):
    """One role the actor holds, as the log records it."""

    @property
    def role(self) -> str: ...

    @property
    def authority_id(self) -> int: ...

    @property
    def team(self) -> str: ...


class Actor(Protocol):
    """Who did something, as the log records them: a signed-in member of staff
    (`familyview.access.policy.Staff` is one). The log reads these attributes and
    nothing else, so that it depends on no other part of Family View."""

    @property
    def user_id(self) -> int: ...

    @property
    def username(self) -> str: ...

    @property
    def memberships(self) -> Sequence[ActorRole]: ...


def _who(actor: Actor | None, role: str, authority_id: int | None) -> tuple[str, int | None, str]:
    """The role, authority and team to record: given ones win; otherwise whatever the
    actor's memberships (those in the given authority, with the given role) agree on.
    A member of staff with roles in two authorities must say which one acted."""
    memberships = tuple(getattr(actor, "memberships", ()) or ())
    candidates = [
        m
        for m in memberships
        if (authority_id is None or m.authority_id == authority_id) and (not role or m.role == role)
    ]

    def agreed(values: set) -> object | None:
        return values.pop() if len(values) == 1 else None

    if not candidates:
        return role, authority_id, ""
    return (
        role or str(agreed({m.role for m in candidates}) or ""),
        authority_id if authority_id is not None else agreed({m.authority_id for m in candidates}),
        str(agreed({m.team or "" for m in candidates}) or ""),
    )


def _subject_ids(subjects: Iterable[str]) -> list[str]:
    if isinstance(subjects, str):
        raise AuditEventError("subjects must be a list of person identifiers, not one string")
    seen: dict[str, None] = {}
    for person_id in subjects:
        if not isinstance(person_id, str) or not person_id.strip():
            raise AuditEventError(f"subject {person_id!r} is not a person identifier")
        if len(person_id) > MAX_SUBJECT_ID_LENGTH:
            raise AuditEventError(
                f"subject identifier is longer than {MAX_SUBJECT_ID_LENGTH} characters"
            )
        seen.setdefault(person_id, None)
    return list(seen)


def _text(name: str, value: Any, max_length: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise AuditEventError(f"{name} must be text")
    if required and not value.strip():
        raise AuditEventError(f"{name} is required")
    if len(value) > max_length:
        raise AuditEventError(f"{name} must be {max_length} characters or fewer")
    return value


def record_event(
    actor: Actor | None,
    action: Action | str,
    *,
    level: Level | str | None = None,
    subjects: Iterable[str] = (),
    purpose: str = "",
    case_reference: str = "",
    details: dict[str, Any] | None = None,
    outcome: Outcome | str = "allowed",
    authority_id: int | None = None,
    role: str = "",
) -> AuditEvent:
    """Append one event to the audit log and return it.

    `actor` is the signed-in member of staff (an `Actor`), or None for someone not signed
    in (then put what they typed as details={"username": ...}). `subjects` are the opaque
    person identifiers the action showed or touched, never names. `details` is JSON:
    search criteria, what was shown, counts; never names, dates of birth or NHS numbers
    beyond what a search was for.
    Role and authority default to the actor's only membership (or their only one in
    `authority_id`). Runs inside the caller's transaction (opening one if there is none).
    """
    action = str(action) if isinstance(action, Action) else action
    _text("action", action, 100, required=True)
    level_value = "" if level is None else str(level)
    if level_value and level_value not in Level.values:
        raise AuditEventError(f"level {level_value!r} is not one of {', '.join(Level.values)}")
    outcome_value = str(outcome)
    if outcome_value not in Outcome.values:
        raise AuditEventError(f"outcome must be 'allowed' or 'refused', not {outcome_value!r}")
    _text("purpose", purpose, 500)
    _text("case reference", case_reference, 100)
    _text("role", role, 32)
    if details is None:
        details = {}
    if not isinstance(details, dict):
        raise AuditEventError("details must be a JSON object (a dict)")
    try:
        details_json = chain.plain_json(details)
    except (TypeError, ValueError) as e:
        raise AuditEventError(f"details cannot be recorded: {e}") from None
    subject_ids = _subject_ids(subjects)
    role, authority_id, team = _who(actor, role, authority_id)

    with transaction.atomic():
        lock_chain()
        now = timezone.now()
        head = head_for_appending(now)
        fields: dict[str, Any] = {
            "sequence": head.sequence + 1,
            "occurred_at": now,
            "user_id": getattr(actor, "user_id", None),
            "username": getattr(actor, "username", "") or "",
            "role": role,
            "authority_id": authority_id,
            "team": team[:100],
            "action": action,
            "level": level_value,
            "subjects": subject_ids,
            "purpose": purpose,
            "case_reference": case_reference,
            "details": details_json,
            "outcome": outcome_value,
            "previous_hash": head.hash,
        }
        event_hash = chain.event_hash(fields)
        event = AuditEvent.objects.create(**fields, hash=event_hash, seal=seal(event_hash))
        if subject_ids:
            AuditEventSubject.objects.bulk_create(
                AuditEventSubject(event=event, person_id=p) for p in subject_ids
            )
        if _checkpoint_due(event.sequence, head, now):
            write_checkpoint(event.sequence, event.hash)
        if witness.configured():
            sequence = event.sequence
            # After the commit: a rolled-back event never reaches the witness. A witness
            # that cannot be written is logged as an error; the action has happened.
            transaction.on_commit(lambda: witness.send(sequence, event_hash), robust=True)
    return event
