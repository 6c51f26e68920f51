"""What of the audit log a member of staff may search, and the staff they may search it
for: a privacy officer every event of their authorities, a team manager their own
team's events in others.

The log's queries (audit/queries.py) take a scope and know nothing of staff or
permissions; this is where a member of staff becomes a scope.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from familyview.access.models import StaffMembership
from familyview.access.policy import ROLE_PERMISSIONS, Permission, Staff, authorities_with
from familyview.audit.queries import AuditScope, in_scope


def scope_for(staff: Staff | None) -> AuditScope:
    """What this member of staff may read of the log: all of an authority's events where
    they are its privacy officer; their own team's where they manage a team."""
    if staff is None:
        return AuditScope()
    full = tuple(authorities_with(staff, Permission.READ_AUDIT))
    teams = {
        (m.authority_id, m.team)
        for m in staff.memberships
        if m.team
        and m.authority_id not in full
        and Permission.READ_TEAM_AUDIT in ROLE_PERMISSIONS.get(m.role, frozenset())
    }
    return AuditScope(full, tuple(sorted(teams)))


def _staff_in_scope(scope: AuditScope) -> QuerySet[StaffMembership]:
    where = Q(authority_id__in=scope.authority_ids) if scope.authority_ids else Q(pk__in=[])
    for authority_id, team in scope.teams:
        where |= Q(authority_id=authority_id, team=team)
    return StaffMembership.objects.filter(where)


def staff_user_id(scope: AuditScope, username: str) -> int | None:
    """The user id behind a username, if they work where the reader audits (so that no
    one learns of another authority's staff); None when there is no such user."""
    if scope.empty or not username.strip():
        return None
    return (
        _staff_in_scope(scope)
        .filter(user__username__iexact=username.strip())
        .values_list("user_id", flat=True)
        .first()
    )


def staff_username(scope: AuditScope, user_id: int) -> str:
    """The username of a user who works where the reader audits ('' for anyone else)."""
    if scope.empty:
        return ""
    return (
        _staff_in_scope(scope)
        .filter(user_id=user_id)
        .values_list("user__username", flat=True)
        .first()
        or ""
    )


# A neighbouring council's Family View acts in the log as "peer:<its name>" (docs/peers.md).
PEER_ACTOR_PREFIX = "peer:"


def neighbour_actor(scope: AuditScope, username: str) -> str:
    """The log's name for a neighbouring council's deployment ("peer:manchester") when its
    questions are in the reader's events; '' otherwise, or for any other username."""
    name = username.strip().lower()
    if scope.empty or not name.startswith(PEER_ACTOR_PREFIX):
        return ""
    found = in_scope(scope).filter(username=name).exists()
    return name if found else ""
