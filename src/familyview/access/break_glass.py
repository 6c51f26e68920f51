"""Break-glass: looking at a shielded person's family needs a written justification.

A shielded person (in a refuge, adopted, under witness protection...) is marked by a
source. Before their family is shown, the worker writes why they need it; the
justification goes into the audit log as a "break_glass" event, which always raises a
privacy alert for the privacy officer. It is remembered for this person for the rest of
the signed-in session only, never in a URL.
"""

from collections.abc import MutableMapping
from typing import Any

from django.db import transaction

from familyview.access.policy import PersonAccess, Staff
from familyview.access.purpose import PurposeOfAccess
from familyview.audit.actions import Action
from familyview.audit.events import record_event

SESSION_KEY = "familyview.break_glass"
MIN_JUSTIFICATION = 20
MAX_JUSTIFICATION = 2000


class JustificationError(ValueError):
    """A justification that is missing, too short or too long (the message says which)."""


def break_glass_given(session: MutableMapping[str, Any], person_id: str) -> bool:
    """Whether the worker has already justified looking at this shielded person."""
    return person_id in session.get(SESSION_KEY, [])


def break_glass(
    session: MutableMapping[str, Any],
    staff: Staff,
    person_id: str,
    access: PersonAccess,
    justification: str,
    purpose: PurposeOfAccess | None,
) -> None:
    """Record the justification (audited, alerting) and open the person for this session."""
    justification = justification.strip()
    if len(justification) < MIN_JUSTIFICATION:
        raise JustificationError(
            f"Explain why you need to see this family, in at least {MIN_JUSTIFICATION} characters"
        )
    if len(justification) > MAX_JUSTIFICATION:
        raise JustificationError(f"The explanation must be {MAX_JUSTIFICATION} characters or fewer")
    if not access.allowed or not access.shielded:
        raise ValueError("break-glass is only for a shielded person the worker may see")
    with transaction.atomic():
        record_event(
            staff,
            Action.BREAK_GLASS,
            subjects=[person_id],
            purpose=purpose.description if purpose else "",
            case_reference=purpose.case_reference if purpose else "",
            details={"justification": justification},
            authority_id=access.authority_id,
            role=access.membership.role if access.membership else "",
        )
    session[SESSION_KEY] = [*session.get(SESSION_KEY, []), person_id]
