"""Who may do what: every permission in Family View is decided here, deny by default.

A member of staff holds roles, each within one authority (council). A role grants
permissions; a permission is only ever exercised within the authority that granted it, so
several councils can share one deployment and never see each other's people. Pages and
the API ask this module, never the database, whether something is allowed.

Field-level rules (sensitive services, shielded people) are applied where the family
network is assembled (involvements/display.py); this module says whether a person may be
looked at at all, and whether looking needs a break-glass justification. It decides on
facts it is given (a person's standing, read by the one door from the person index) and
reads nothing of persons itself: access sits below the person index and the families.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from familyview.access.models import Role, StaffMembership
from familyview.access.sessions import ROLES

# Set on a request whose session SessionLimitsMiddleware has just checked against the
# account's generation: its remembered roles are then the account's own.
SESSION_CHECKED = "_familyview_session_checked"


class Permission(StrEnum):
    """Something a member of staff may be allowed to do, in the users' words."""

    SEARCH_PEOPLE = "search_people"
    VIEW_FAMILY = "view_family"
    REPORT_PROBLEM = "report_problem"
    MANAGE_IMPORTS = "manage_imports"
    REVIEW_IDENTITY = "review_identity"
    READ_AUDIT = "read_audit"
    READ_TEAM_AUDIT = "read_team_audit"
    HANDLE_ALERTS = "handle_alerts"
    SUBJECT_ACCESS = "subject_access"
    ADMINISTER = "administer"
    SEE_SIGN_IN_LOCKS = "see_sign_in_locks"


# PRODUCT §2. Privacy officers see no family data unless auditing; administrators are not
# viewers of family data; data stewards see source records to review identities but not
# the family view; team managers work cases as practitioners and review their team's log.
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.PRACTITIONER: frozenset(
        {Permission.SEARCH_PEOPLE, Permission.VIEW_FAMILY, Permission.REPORT_PROBLEM}
    ),
    Role.TEAM_MANAGER: frozenset(
        {
            Permission.SEARCH_PEOPLE,
            Permission.VIEW_FAMILY,
            Permission.REPORT_PROBLEM,
            Permission.READ_TEAM_AUDIT,
        }
    ),
    Role.PRIVACY_OFFICER: frozenset(
        {
            Permission.READ_AUDIT,
            Permission.READ_TEAM_AUDIT,
            Permission.HANDLE_ALERTS,
            Permission.SUBJECT_ACCESS,
            Permission.SEE_SIGN_IN_LOCKS,
        }
    ),
    Role.DATA_STEWARD: frozenset({Permission.MANAGE_IMPORTS, Permission.REVIEW_IDENTITY}),
    Role.ADMINISTRATOR: frozenset({Permission.ADMINISTER, Permission.SEE_SIGN_IN_LOCKS}),
}


@dataclass(frozen=True)
class Membership:
    """One role a member of staff holds within one authority."""

    role: str
    authority_id: int
    authority_code: str
    authority_name: str
    team: str


@dataclass(frozen=True)
class Staff:
    """A signed-in member of staff and every role they hold."""

    user_id: int
    username: str
    display_name: str
    memberships: tuple[Membership, ...]


def staff_for(user: AbstractBaseUser | AnonymousUser | None) -> Staff | None:
    """The member of staff behind this user, read in one query; None when signed out or
    disabled."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    memberships = (
        StaffMembership.objects.filter(user=user)
        .select_related("authority")
        .order_by("authority__name", "role")
    )
    return Staff(
        user_id=user.pk,
        username=user.get_username(),
        display_name=user.get_full_name() or user.get_username(),
        memberships=tuple(
            Membership(m.role, m.authority_id, m.authority.code, m.authority.name, m.team)
            for m in memberships
        ),
    )


def staff_of(request) -> Staff | None:
    """The signed-in member of staff for this request, read once per request; their roles
    read once per session (see staff_in_session)."""
    cached = getattr(request, "_familyview_staff", False)
    if cached is False:
        user = getattr(request, "user", None)
        if getattr(request, SESSION_CHECKED, False):
            cached = staff_in_session(request.session, user)
        else:
            cached = staff_for(user)
        request._familyview_staff = cached
    return cached


def staff_in_session(session, user: AbstractBaseUser | AnonymousUser | None) -> Staff | None:
    """The member of staff with the roles their session remembers, read from the database
    (and remembered) the first time. Only for a session just checked against the account's
    generation (access/sessions.py): every change of a member of staff's roles raises it,
    which ends their sessions, so the remembered roles are always the ones they hold."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    kept = session.get(ROLES)
    if not isinstance(kept, list):
        staff = staff_for(user)
        session[ROLES] = [
            [m.role, m.authority_id, m.authority_code, m.authority_name, m.team]
            for m in staff.memberships
        ]
        return staff
    return Staff(
        user_id=user.pk,
        username=user.get_username(),
        display_name=user.get_full_name() or user.get_username(),
        memberships=tuple(Membership(*m) for m in kept),
    )


def _granting(staff: Staff, permission: Permission) -> Iterable[Membership]:
    return (m for m in staff.memberships if permission in ROLE_PERMISSIONS.get(m.role, ()))


def authorities_with(staff: Staff | None, permission: Permission) -> list[int]:
    """The authorities in which this member of staff holds the permission (empty: none)."""
    if staff is None:
        return []
    return sorted({m.authority_id for m in _granting(staff, permission)})


def has(staff: Staff | None, permission: Permission, authority_id: int | None = None) -> bool:
    """Whether the member of staff holds the permission (in this authority, if given)."""
    return membership_for(staff, permission, authority_id) is not None


def membership_for(
    staff: Staff | None, permission: Permission, authority_id: int | None = None
) -> Membership | None:
    """The membership that grants the permission (the audit log records its role and
    authority); None when nothing does."""
    if staff is None:
        return None
    for m in _granting(staff, permission):
        if authority_id is None or m.authority_id == authority_id:
            return m
    return None


@dataclass(frozen=True)
class PersonStanding:
    """The facts access decisions need about a person: whose they are, and whether any
    source marks them as shielded (in a refuge, adopted...). Read by
    identity.queries.person_standing."""

    authority_id: int
    shielded: bool


@dataclass(frozen=True)
class PersonAccess:
    """Whether a member of staff may look at one person, and on what terms."""

    allowed: bool
    authority_id: int | None = None
    shielded: bool = False
    membership: Membership | None = None
    reason: str = ""

    @property
    def needs_break_glass(self) -> bool:
        """A shielded person's family is shown only after a written justification."""
        return self.allowed and self.shielded


def person_access(
    staff: Staff | None, standing: PersonStanding | None, permission: Permission
) -> PersonAccess:
    """May this member of staff exercise the permission on the person of this standing
    (None: no such person)?

    Another authority's person is treated as absent (the caller answers 404), so that
    nobody can learn from a refusal that a person exists elsewhere.
    """
    if standing is None:
        return PersonAccess(False, reason="no such person")
    membership = membership_for(staff, permission, standing.authority_id)
    if membership is None:
        return PersonAccess(
            False,
            authority_id=standing.authority_id,
            shielded=standing.shielded,
            reason="the permission is not held in this person's authority",
        )
    return PersonAccess(
        True,
        authority_id=standing.authority_id,
        shielded=standing.shielded,
        membership=membership,
    )
