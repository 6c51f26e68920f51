"""familyview demo_accounts: one signed-in account per role, for demonstrations and trying out.

Idempotent: running it again keeps the accounts and their authenticator keys, and resets
their password to the one given. Never for production: every account shares one
published password, and `familyview second-factor-code` prints their security codes.
"""

import os
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from familyview.access import second_factor
from familyview.access.models import Authority, Role, StaffMembership

DEFAULT_PASSWORD = "family-view-demo-2026"  # noqa: S105 - a published demo password


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    created: bool
    totp_secret: str


def create_demo_accounts(authority: Authority, password: str) -> list[DemoAccount]:
    """One active demo user per role in the authority, all with this password, each with
    an authenticator app key already set up (kept if it was set up before)."""
    user_model = get_user_model()
    accounts = []
    for role in Role:
        username = f"demo.{role.value}"
        user = user_model.objects.filter(username=username).first()
        created = user is None
        if created:
            user = user_model(username=username, first_name="Demo", last_name=role.label)
        try:
            validate_password(password, user)
        except ValidationError as e:
            raise CommandError(f"the password is not allowed: {' '.join(e.messages)}") from None
        if created:
            user = user_model.objects.create_user(
                username=username, password=password, first_name="Demo", last_name=role.label
            )
        else:
            user.set_password(password)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        StaffMembership.objects.get_or_create(user=user, authority=authority, role=role.value)
        account = second_factor.account_of(user)
        if not account.is_demo:
            account.is_demo = True
            account.save(update_fields=["is_demo"])
        secret = second_factor.secret_of(user) or second_factor.enrol(user)
        accounts.append(DemoAccount(username, role, created, secret))
    return accounts


class Command(BaseCommand):
    help = "Create (or reset) one demo account per role, with one shared demo password."

    def add_arguments(self, parser):
        parser.add_argument(
            "--authority", default="stockport", help="the authority's code (default: stockport)"
        )
        parser.add_argument(
            "--authority-name",
            help="the authority's name, if it has to be created (default: from the code)",
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"the password for every demo account (default: {DEFAULT_PASSWORD})",
        )

    def handle(self, *args, authority, authority_name, password, **options):
        if os.environ.get("FAMILYVIEW_ENV") == "production":
            raise CommandError("demo accounts share a published password: not in production")
        with transaction.atomic():
            council, _ = Authority.objects.get_or_create(
                code=authority,
                defaults={"name": authority_name or authority.replace("-", " ").title()},
            )
            accounts = create_demo_accounts(council, password)

        self.stdout.write(f"Demo accounts for {council.name} ({council.code}):")
        width = max(len(a.username) for a in accounts)
        key_width = max(len("authenticator-key"), *(len(a.totp_secret) for a in accounts))
        self.stdout.write(
            f"{'username':{width}}  {'password':{len(password)}}  "
            f"{'authenticator-key':{key_width}}  role"
        )
        for a in accounts:
            note = "" if a.created else "  (already there; password reset)"
            self.stdout.write(
                f"{a.username:{width}}  {password}  {a.totp_secret:{key_width}}  "
                f"{a.role.label}{note}"
            )
        self.stdout.write(
            "\nSigning in asks for the password, then a security code. Add an account's "
            "authenticator key to an app (time-based), or print its current code with:\n"
            f"    familyview second-factor-code {accounts[0].username}"
        )
