"""familyview demo_accounts: one signed-in account per role, for demonstrations and trying out.

Idempotent: running it again keeps the accounts and resets their password to the one given.
Never for production: every account shares one published password.
"""

import os
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from familyview.access.models import Authority, Role, StaffMembership

DEFAULT_PASSWORD = "family-view-demo-2026"  # noqa: S105 - a published demo password


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    created: bool


def create_demo_accounts(authority: Authority, password: str) -> list[DemoAccount]:
    """One active user per role in the authority, all with this password."""
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
        accounts.append(DemoAccount(username, role, created))
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
        self.stdout.write(f"{'username':{width}}  {'password':{len(password)}}  role")
        for a in accounts:
            note = "" if a.created else "  (already there; password reset)"
            self.stdout.write(f"{a.username:{width}}  {password}  {a.role.label}{note}")
