"""The administrator's work on staff: who holds which role, disabling an account, and
resetting a lost authenticator app.

An administrator manages the staff of their own authorities only, never their own
account (someone else must change an administrator's access), and is not a viewer of
family data. Every change is audited ("admin.*") and ends the member of staff's sessions,
so new access takes effect at once (access/signals.py and second_factor.reset end them).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from familyview.access import second_factor, throttling
from familyview.access.models import Role, StaffMembership
from familyview.access.policy import Permission, Staff, authorities_with
from familyview.audit.events import record_event


class NotYours(LookupError):
    """No such member of staff in the administrator's authorities (or it is themselves)."""


@dataclass(frozen=True)
class StaffMember:
    """A member of staff as the administrator sees them: roles in these authorities."""

    user_id: int
    username: str
    name: str
    active: bool
    roles: tuple[str, ...]
    team: str
    second_factor_set_up: bool


def staff_list(admin: Staff, authority_id: int) -> list[StaffMember]:
    """Everyone holding a role in this authority, by name."""
    _authority_or_refuse(admin, authority_id)
    memberships = (
        StaffMembership.objects.filter(authority_id=authority_id)
        .select_related("user", "user__staff_account")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    people: dict[int, list[StaffMembership]] = {}
    for m in memberships:
        people.setdefault(m.user_id, []).append(m)
    return [_member(ms) for ms in people.values()]


def staff_member(admin: Staff, authority_id: int, user_id: int) -> StaffMember:
    """One member of staff of this authority, or NotYours."""
    _authority_or_refuse(admin, authority_id)
    memberships = list(
        StaffMembership.objects.filter(authority_id=authority_id, user_id=user_id).select_related(
            "user", "user__staff_account"
        )
    )
    if not memberships:
        raise NotYours("There is no such member of staff in your authority")
    return _member(memberships)


def _member(memberships: list[StaffMembership]) -> StaffMember:
    user = memberships[0].user
    account = getattr(user, "staff_account", None)
    return StaffMember(
        user_id=user.pk,
        username=user.get_username(),
        name=user.get_full_name() or user.get_username(),
        active=user.is_active,
        roles=tuple(sorted(m.role for m in memberships)),
        team=next((m.team for m in memberships if m.team), ""),
        second_factor_set_up=bool(account and account.totp_confirmed_at),
    )


def set_roles(
    admin: Staff, authority_id: int, user_id: int, roles: list[str], team: str
) -> StaffMember:
    """Give the member of staff exactly these roles in this authority (at least one)."""
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ValueError(f"Unknown role: {', '.join(unknown)}")
    if not roles:
        raise ValueError("Choose at least one role (disable the account to remove all access)")
    before = _changeable(admin, authority_id, user_id)
    with transaction.atomic():
        StaffMembership.objects.filter(authority_id=authority_id, user_id=user_id).exclude(
            role__in=roles
        ).delete()
        for role in roles:
            StaffMembership.objects.update_or_create(
                authority_id=authority_id, user_id=user_id, role=role, defaults={"team": team}
            )
        _audit(
            admin,
            "admin.roles_changed",
            authority_id,
            {"user_id": user_id, "roles_before": list(before.roles), "roles_after": sorted(roles)},
        )
    return staff_member(admin, authority_id, user_id)


def set_active(admin: Staff, authority_id: int, user_id: int, active: bool) -> StaffMember:
    """Disable (every session ends at once) or enable a member of staff's account."""
    _changeable(admin, authority_id, user_id)
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user_id)
        user.is_active = active
        user.save(update_fields=["is_active"])
        _audit(
            admin,
            "admin.account_enabled" if active else "admin.account_disabled",
            authority_id,
            {"user_id": user_id},
        )
    return staff_member(admin, authority_id, user_id)


def reset_second_factor(admin: Staff, authority_id: int, user_id: int) -> StaffMember:
    """A lost phone: the member of staff sets up an authenticator app at next sign-in."""
    _changeable(admin, authority_id, user_id)
    with transaction.atomic():
        user = get_user_model().objects.get(pk=user_id)
        second_factor.reset(user)
        throttling.unlock(user.get_username())
        _audit(admin, "admin.second_factor_reset", authority_id, {"user_id": user_id})
    return staff_member(admin, authority_id, user_id)


def _authority_or_refuse(admin: Staff, authority_id: int) -> None:
    if authority_id not in authorities_with(admin, Permission.ADMINISTER):
        raise NotYours("You do not administer this authority")


def _changeable(admin: Staff, authority_id: int, user_id: int) -> StaffMember:
    member = staff_member(admin, authority_id, user_id)
    if user_id == admin.user_id:
        raise NotYours("Another administrator must change your own access")
    return member


def _audit(admin: Staff, action: str, authority_id: int, details: dict) -> None:
    record_event(
        admin,
        action,
        details=details,
        authority_id=authority_id,
        role=Role.ADMINISTRATOR.value,
    )
