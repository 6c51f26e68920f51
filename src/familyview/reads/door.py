"""The one door to a person's data, for the pages and the API alike.

Every read of a person or their family passes here, in one order: the member of staff
must hold the permission (else `Refused`); the person must be theirs to see (else
`NotFound`: another authority's person and an identifier that is no one's are the same
answer); a purpose of access must be given or remembered for a case covering them (else
`NeedsPurpose`); a shielded person needs a break-glass justification first (else
`NeedsBreakGlass`: decided from the person's standing, before any of their family is
read, on both paths). Only then is the data read and `Opened` returned, with the one
audit event of the read already written. Refusals for want of a permission, of a person
or of a purpose write their own one event (access/refusals.py); a read waiting for
break-glass writes none (the justification, when given, is its own event).

Pages and API handlers turn the outcome into an answer (a page, a redirect, 404, problem
details) and never write to the audit log themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from familyview.access.break_glass import break_glass_given
from familyview.access.policy import Permission, PersonAccess, Staff, has, person_access
from familyview.access.purpose import (
    PurposeOfAccess,
    case_child,
    cases_open,
    purpose_for,
    remember_purpose,
)
from familyview.access.refusals import ReadRefusal, refuse_permission, refuse_read
from familyview.audit.actions import Action
from familyview.audit.events import record_event
from familyview.audit.models import AuditEvent, Level
from familyview.families.network import FamilyNetwork, FamilyNetworkRefused, Viewer, family_network
from familyview.identity import problems
from familyview.identity.models import ProblemReport
from familyview.identity.persons import person_details
from familyview.identity.queries import person_standing
from familyview.identity.search import PersonQuery

T = TypeVar("T")


@dataclass(frozen=True)
class Caller:
    """Who is asking, and through what: the member of staff, what is remembered for them
    (the browser session, or an API client's acting session), the page or endpoint asked
    (for refusals) and what every event of the call adds to its details (the API client)."""

    staff: Staff | None
    state: MutableMapping[str, Any]
    where: str = ""
    via: Mapping[str, Any] = field(default_factory=dict)
    # Given with this call (the API's headers): read only once the person is found, so
    # that a wrong header never answers for another authority's person.
    purpose_given: Callable[[], PurposeOfAccess | None] | None = None


@dataclass(frozen=True)
class Shown(Generic[T]):
    """What a read showed, as its audit event records it, and what the caller renders."""

    subjects: Sequence[str]
    level: Level
    details: dict[str, Any] | None = None
    content: T | None = None


# Outcomes


@dataclass(frozen=True)
class Opened(Generic[T]):
    """The read was allowed and its one audit event written."""

    person_id: str
    access: PersonAccess
    purpose: PurposeOfAccess | None
    network: FamilyNetwork | None
    shown: Shown[T]
    event: AuditEvent

    @property
    def content(self) -> T | None:
        return self.shown.content


@dataclass(frozen=True)
class NeedsPurpose:
    """No purpose of access is given for this person (the refusal is audited)."""

    person_id: str


@dataclass(frozen=True)
class NeedsBreakGlass:
    """A shielded person: a justification is needed first (nothing read, no event)."""

    person_id: str


@dataclass(frozen=True)
class NotFound:
    """Not theirs to see, or no one (answered as absent; the refusal is audited)."""

    person_id: str


@dataclass(frozen=True)
class Refused:
    """The member of staff holds the permission nowhere (the refusal is audited)."""

    why: str


Outcome = Opened | NeedsPurpose | NeedsBreakGlass | NotFound | Refused


# The family


def whole_family(network: FamilyNetwork, access: PersonAccess) -> Shown[None]:
    """Everyone in the family shown, with their services (the family pages' read)."""
    return Shown(
        [m.person_id for m in network.members], Level.SERVICE_DETAIL, family_details(network)
    )


def family_details(network: FamilyNetwork) -> dict[str, Any]:
    """What the audit log records of a family shown."""
    return {
        "child": network.child.person_id,
        "rules_version": network.rules_version,
        "involvements": sum(len(m.involvements) for m in network.members),
        "shielded_shown": list(network.shielded_person_ids),
    }


def open_family(
    caller: Caller,
    person_id: str,
    action: Action,
    show: Callable[[FamilyNetwork, PersonAccess], Shown[T]] = whole_family,
) -> Outcome:
    """The family network around the person, as this member of staff may see it.

    `show` says what of it the caller shows (the whole family by default): its subjects,
    level and details go into the one audit event, with the purpose and case reference.
    The purpose then covers everyone in the family, so a sibling's family under the same
    case does not ask again.
    """
    checked = _checked(caller, person_id, Permission.VIEW_FAMILY, purpose=True, break_glass=True)
    if not isinstance(checked, tuple):
        return checked
    access, purpose = checked
    try:
        network = family_network(person_id, Viewer(access.membership.role, access.authority_id))
    except FamilyNetworkRefused:
        # Gone between the two reads (merged away): as absent as any other.
        return _not_found(caller, person_id, Permission.VIEW_FAMILY)
    remember_purpose(
        caller.state,
        case_child(caller.state, person_id) or person_id,
        purpose,
        covers=[m.person_id for m in network.members],
    )
    shown = show(network, access)
    return Opened(
        person_id, access, purpose, network, shown, _record(caller, action, access, purpose, shown)
    )


def read_person(
    caller: Caller,
    person_id: str,
    action: Action,
    show: Callable[[PersonAccess], Shown[T] | None],
    *,
    permission: Permission = Permission.VIEW_FAMILY,
    purpose: bool = True,
    break_glass: bool = True,
    access: PersonAccess | None = None,
) -> Outcome:
    """One person's data (a summary, why the system thinks so, a form about them).

    `purpose` and `break_glass` say whether this read needs them (the purpose page shows
    a summary before either is given); `show` reads what is shown (None: nothing to
    show, answered as absent). `access`, when the caller has just checked it, is not
    checked again.
    """
    if access is None or not access.allowed:
        checked = _checked(caller, person_id, permission, purpose=purpose, break_glass=break_glass)
    else:
        checked = _terms(caller, person_id, access, purpose=purpose, break_glass=break_glass)
    if not isinstance(checked, tuple):
        return checked
    access, given = checked
    shown = show(access)
    if shown is None:
        return _not_found(caller, person_id, permission)
    return Opened(
        person_id, access, given, None, shown, _record(caller, action, access, given, shown)
    )


def check_person(caller: Caller, person_id: str, permission: Permission) -> PersonAccess | None:
    """The member of staff's access to the person before something is done about them
    (a purpose given, a justification, a report); None, with the refusal audited, when
    the person is not theirs to see (answered as if no one had that identifier).

    The person's standing (their authority, whether shielded) is read here, from the
    person index, and handed to the policy, which decides on it."""
    access = person_access(caller.staff, person_standing(person_id), permission)
    if not access.allowed:
        _not_found(caller, person_id, permission)
        return None
    return access


# Searches, purposes and reports


def search_criteria(query: PersonQuery) -> dict[str, Any]:
    """A search's criteria by the names the audit log records them under (the search page
    and the API alike), the empty ones too."""
    return {
        "name": query.name,
        "birth_year": query.birth_year,
        "birth_month": query.birth_month,
        "birth_day": query.birth_day,
        "postcode": query.postcode,
        "nhs_number": query.nhs_number,
        "source_id": query.source_record_id,
    }


def record_search(caller: Caller, shown: Sequence[str], details: dict[str, Any]) -> AuditEvent:
    """A search of people: the criteria, and the people a result list showed (level
    `results`; `search` when it showed no one)."""
    return _write(
        caller,
        Action.SEARCH,
        level=Level.RESULTS if shown else Level.SEARCH,
        subjects=list(shown),
        details=details,
    )


@dataclass(frozen=True)
class RecentFamily:
    """A child whose family the worker opened in this session, under a purpose still in
    force: what the search page lists to go back to."""

    person_id: str
    name: str
    age_words: str
    purpose: PurposeOfAccess


def recent_families(caller: Caller, limit: int) -> list[RecentFamily]:
    """The children whose families the worker opened in this session (a purpose given and
    still in force), the latest first, as far as each is still theirs to see; listing
    them is audited as a result list is (one event, none when there are none)."""
    cases = cases_open(caller.state)[:limit]
    if not cases:
        return []
    allowed = {}
    for person_id, purpose in cases:
        access = person_access(caller.staff, person_standing(person_id), Permission.VIEW_FAMILY)
        if access.allowed:
            allowed[person_id] = (access, purpose)
    authorities = sorted({access.authority_id for access, _ in allowed.values()})
    people = person_details(list(allowed), authorities)
    recent = [
        RecentFamily(pid, people[pid].name, people[pid].age_words, purpose)
        for pid, (_, purpose) in allowed.items()
        if pid in people
    ]
    if recent:
        _write(
            caller,
            Action.RECENT_FAMILIES,
            level=Level.RESULTS,
            subjects=[r.person_id for r in recent],
            details={"recent_families": len(recent)},
        )
    return recent


def record_purpose_given(
    caller: Caller, person_id: str, access: PersonAccess, purpose: PurposeOfAccess
) -> AuditEvent:
    """A purpose of access given through the API for a person."""
    return _write(
        caller,
        Action.PURPOSE_GIVEN,
        subjects=[person_id],
        purpose=purpose.description,
        case_reference=purpose.case_reference,
        authority_id=access.authority_id,
        role=access.membership.role,
    )


def report_problem(
    caller: Caller,
    access: PersonAccess,
    person_id: str,
    *,
    reporter: AbstractBaseUser,
    kind: str,
    what: str,
    involvement_id: int | None,
    seen_in_family_of: str,
    same_as: str = "",
) -> ProblemReport:
    """ "Something looks wrong": the report in the steward's queue and its audit event,
    together (raises identity.problems.ProblemRefused, and then writes neither). "The
    same person as" names the other person, who is a subject of the event too; a pair
    of their records goes to the review queue in the same transaction."""
    with transaction.atomic():
        report = problems.report_problem(
            person_id=person_id,
            authority_id=access.authority_id,
            reporter=reporter,
            kind=kind,
            what=what,
            involvement_id=involvement_id,
            seen_in_family_of=seen_in_family_of,
            same_as=same_as,
        )
        details = {"report": report.pk, "kind": report.kind, "involvement": report.involvement_id}
        if report.same_as_id:
            details["same_as"] = report.same_as_id
        _write(
            caller,
            Action.PROBLEM_REPORTED,
            subjects=[person_id, *([report.same_as_id] if report.same_as_id else [])],
            details=details,
            authority_id=access.authority_id,
            role=access.membership.role,
        )
    return report


def case_family(caller: Caller, person_id: str) -> FamilyNetwork | None:
    """The family of the case covering this person, as the worker may see it: for "the
    same person as someone else in the family". None without a purpose given for that
    case, or for a shielded child before their break-glass reason. Records nothing: the
    page showing any of it names those it shows in its own event."""
    child = case_child(caller.state, person_id)
    if child is None or purpose_for(caller.state, child) is None:
        return None
    access = person_access(caller.staff, person_standing(child), Permission.VIEW_FAMILY)
    if not access.allowed:
        return None
    if access.needs_break_glass and not break_glass_given(caller.state, child):
        return None
    try:
        return family_network(child, Viewer(access.membership.role, access.authority_id))
    except FamilyNetworkRefused:
        return None


def record_problem_reports_listed(
    caller: Caller, reports: Iterable[ProblemReport], offset: int, authority_ids: list[int]
) -> AuditEvent:
    """The steward's queue of reports, listed through the API (the persons they name)."""
    reports = list(reports)
    return _write(
        caller,
        Action.PROBLEM_REPORTS_LISTED,
        subjects=sorted({r.person_id for r in reports}),
        details={"reports": [r.pk for r in reports], "offset": offset},
        role="data_steward",
        authority_id=authority_ids[0] if len(authority_ids) == 1 else None,
    )


# The checks, in their one order


def _checked(
    caller: Caller, person_id: str, permission: Permission, *, purpose: bool, break_glass: bool
) -> tuple[PersonAccess, PurposeOfAccess | None] | Outcome:
    if not has(caller.staff, permission):
        why = f"needs the {permission.value} permission"
        refuse_permission(caller.staff, why, where=caller.where, details=dict(caller.via) or None)
        return Refused(why)
    access = check_person(caller, person_id, permission)
    if access is None:
        return NotFound(person_id)
    return _terms(caller, person_id, access, purpose=purpose, break_glass=break_glass)


def _terms(
    caller: Caller, person_id: str, access: PersonAccess, *, purpose: bool, break_glass: bool
) -> tuple[PersonAccess, PurposeOfAccess | None] | Outcome:
    given = _purpose(caller, person_id)
    if purpose and given is None:
        refuse_read(
            caller.staff,
            person_id,
            ReadRefusal.NO_PURPOSE,
            permission=Permission.VIEW_FAMILY,
            where=caller.where,
            details=dict(caller.via) or None,
        )
        return NeedsPurpose(person_id)
    # One shielding rule for every path: the person's standing (any of their records
    # marked restricted), read before anything of their family is.
    if break_glass and access.needs_break_glass and not break_glass_given(caller.state, person_id):
        return NeedsBreakGlass(person_id)
    return access, given


def _purpose(caller: Caller, person_id: str) -> PurposeOfAccess | None:
    """The purpose given with this call (then remembered for the case, as the purpose
    page remembers it), or the one remembered for a case covering the person."""
    given = caller.purpose_given() if caller.purpose_given else None
    if given is None:
        return purpose_for(caller.state, person_id)
    child = case_child(caller.state, person_id)
    if child is not None and purpose_for(caller.state, person_id) == given:
        remember_purpose(caller.state, child, given, covers=[person_id])
    else:
        remember_purpose(caller.state, person_id, given)
    return given


def _write(
    caller: Caller, action: Action, *, details: dict[str, Any] | None = None, **kwargs: Any
) -> AuditEvent:
    """Write one event of this call (the API client added to its details). Private: the
    door's public functions say which event; no page or handler picks one freely."""
    if caller.via:
        details = {**(details or {}), **caller.via}
    return record_event(caller.staff, action, details=details, **kwargs)


def _not_found(caller: Caller, person_id: str, permission: Permission) -> NotFound:
    refuse_read(
        caller.staff,
        person_id,
        ReadRefusal.NOT_FOUND,
        permission=permission,
        where=caller.where,
        details=dict(caller.via) or None,
    )
    return NotFound(person_id)


def _record(
    caller: Caller,
    action: Action,
    access: PersonAccess,
    purpose: PurposeOfAccess | None,
    shown: Shown,
) -> AuditEvent:
    return _write(
        caller,
        action,
        level=shown.level,
        subjects=list(shown.subjects),
        purpose=purpose.description if purpose else "",
        case_reference=purpose.case_reference if purpose else "",
        details=shown.details,
        authority_id=access.authority_id,
        role=access.membership.role,
    )
