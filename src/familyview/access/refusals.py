"""Refusals, audited: a page or endpoint the role does not allow, and a person asked for
and not shown. Pages and the API answer them (403, 404, a redirect to say why); this
module decides what the audit log says, so that both say the same.

A refused read names no one: the person identifier asked for goes in the event's details
(`person_asked_for`), not in its subjects, and the reason never says whether that
identifier is a person of another authority. The event is recorded in the authority where
the member of staff holds the permission they used (the first, if several), so that their
own privacy officer finds it by searching for them.
"""

from typing import Any

from familyview.access.policy import Permission, Staff, membership_for
from familyview.audit.actions import Action, ReadRefusal
from familyview.audit.events import record_event
from familyview.audit.models import AuditEvent, Outcome

__all__ = [
    "ReadRefusal",
    "refuse_acting_user",
    "refuse_permission",
    "refuse_read",
]


def refuse_acting_user(
    authority_id: int, username: str, details: dict[str, Any] | None = None
) -> AuditEvent:
    """Record that an API client named a member of staff it may not act for (no one is
    signed in: the username it sent goes in details)."""
    return record_event(
        None,
        Action.API_ACTING_USER_REFUSED,
        outcome=Outcome.REFUSED,
        authority_id=authority_id,
        details={"username": username[:150], **(details or {})},
    )


def refuse_permission(
    staff: Staff | None, why: str, *, where: str, details: dict[str, Any] | None = None
) -> AuditEvent:
    """Record that a member of staff opened something their roles do not allow."""
    return record_event(
        staff,
        Action.ACCESS_REFUSED,
        outcome=Outcome.REFUSED,
        details={"url_name": where, "why": why, **(details or {})},
    )


def refuse_read(
    staff: Staff | None,
    person_id: str,
    why: ReadRefusal,
    *,
    permission: Permission,
    where: str,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one refused read of a person: not theirs to see, or no purpose given.
    (`person_id` may be blank when what was asked for is not a person, such as a review
    pair: then `details` says what.)"""
    membership = membership_for(staff, permission)
    return record_event(
        staff,
        Action.READ_REFUSED,
        outcome=Outcome.REFUSED,
        details={
            "url_name": where,
            "why": str(why),
            **({"person_asked_for": person_id[:40]} if person_id else {}),
            **(details or {}),
        },
        authority_id=membership.authority_id if membership else None,
        role=membership.role if membership else "",
    )
