"""Demo accounts: one per role, made by `familyview demo_accounts` for trying Family View out.

They share a published password and anyone can print their security codes, so they are
marked (`StaffAccount.is_demo`), never touch an account they did not make, and keep
production from starting while any can still sign in (familyview/production.py, and the
`check --deploy` below): `familyview demo_accounts --disable` takes them out of use.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.utils import OperationalError, ProgrammingError

from familyview.access import second_factor
from familyview.access.models import Authority, Role, StaffAccount, StaffMembership
from familyview.audit.actions import Action
from familyview.audit.events import record_event

DEFAULT_PASSWORD = "family-view-demo-2026"  # noqa: S105 - a published demo password


class DemoAccountRefused(ValueError):
    """demo_accounts will not do this (the message says why)."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    created: bool
    totp_secret: str


def username_for(role: Role) -> str:
    return f"demo.{role.value}"


def _refuse_others(authority: Authority) -> None:
    """Refuse before changing anything if a demo username belongs to an account that
    demo_accounts did not make, or to the demo accounts of another authority."""
    users = get_user_model().objects.filter(username__in=[username_for(r) for r in Role])
    for user in users.order_by("username"):
        account = StaffAccount.objects.filter(user=user).first()
        if account is None or not account.is_demo:
            raise DemoAccountRefused(
                f"{user.get_username()} is an account that demo_accounts did not make: it "
                "is left as it is, and no demo account was made or changed"
            )
        elsewhere = (
            StaffMembership.objects.filter(user=user)
            .exclude(authority=authority)
            .select_related("authority")
            .first()
        )
        if elsewhere is not None:
            raise DemoAccountRefused(
                f"{user.get_username()} is a demo account of {elsewhere.authority.name}: "
                "demo accounts serve one authority, and no demo account was made or changed"
            )


def create_demo_accounts(authority: Authority, password: str) -> list[DemoAccount]:
    """One active demo user per role in the authority, all with this password, each with
    an authenticator app key already set up (kept if it was set up before). Running it
    again resets the demo accounts' password; any other account is never touched."""
    user_model = get_user_model()
    try:
        validate_password(password, user_model(username=username_for(Role.PRACTITIONER)))
    except ValidationError as e:
        raise DemoAccountRefused(f"the password is not allowed: {' '.join(e.messages)}") from None
    accounts = []
    with transaction.atomic():
        _refuse_others(authority)
        for role in Role:
            username = username_for(role)
            user = user_model.objects.filter(username=username).first()
            created = user is None
            if created:
                user = user_model.objects.create_user(
                    username=username, password=password, first_name="Demo", last_name=role.label
                )
                StaffAccount.objects.update_or_create(user=user, defaults={"is_demo": True})
            else:
                user.set_password(password)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
            StaffMembership.objects.get_or_create(user=user, authority=authority, role=role.value)
            secret = second_factor.secret_of(user) or second_factor.enrol(user)
            accounts.append(DemoAccount(username, role, created, secret))
    return accounts


# PostgreSQL's "insufficient privilege": the role may not read the table.
INSUFFICIENT_PRIVILEGE = "42501"
NOT_GRANTED = (
    "The database role in DATABASE_URL may not read Family View's tables: give it the "
    "grants in docs/deploying.md (Checklist, step 5)."
)


def not_granted(error: Exception) -> bool:
    """Whether a database error says the role lacks the grants to read a table."""
    return getattr(error.__cause__, "sqlstate", None) == INSUFFICIENT_PRIVILEGE


def active_demo_usernames() -> list[str]:
    """The demo accounts that can still sign in, by username."""
    return sorted(
        StaffAccount.objects.filter(is_demo=True, user__is_active=True).values_list(
            "user__username", flat=True
        )
    )


def disable_demo_accounts() -> list[str]:
    """Take every demo account out of use: disabled, without a password, a second factor
    or roles, every session ended. They stay (marked) so that what they did is still
    theirs in the log. Audited; returns their usernames."""
    disabled = []
    with transaction.atomic():
        for account in (
            StaffAccount.objects.select_for_update()
            .filter(is_demo=True)
            .select_related("user")
            .order_by("user__username")
        ):
            user = account.user
            user.is_active = False
            user.set_unusable_password()
            user.save(update_fields=["is_active", "password"])
            second_factor.reset(user)
            StaffMembership.objects.filter(user=user).delete()
            disabled.append(user.get_username())
        if disabled:
            record_event(
                None,
                Action.ADMIN_DEMO_ACCOUNTS_DISABLED,
                details={"usernames": disabled, "via": "familyview demo_accounts --disable"},
            )
    return disabled


@checks.register(checks.Tags.security, deploy=True)
def demo_accounts_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`familyview check --deploy`: demo accounts that can sign in are an error."""
    try:
        usernames = active_demo_usernames()
    except (OperationalError, ProgrammingError) as e:
        if not_granted(e):
            return [checks.Error(NOT_GRANTED, id="familyview.E003")]
        return []  # no database, or not migrated yet: no accounts either
    if not usernames:
        return []
    return [
        checks.Error(
            f"The database holds demo accounts that can sign in ({', '.join(usernames)}), "
            "with a published password.",
            hint="Disable them with `familyview demo_accounts --disable`.",
            id="familyview.E001",
        )
    ]
