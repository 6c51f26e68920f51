"""familyview demo_accounts: one signed-in account per role, for demonstrations and trying out.

Idempotent: running it again keeps the accounts and their authenticator keys, and resets
their password to the one given. It never touches an account it did not make. Never for
production: every account shares one published password, and `familyview
second-factor-code` prints their security codes; `--disable` takes them out of use, as
production needs before it starts.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from familyview.access.demo import (
    DEFAULT_PASSWORD,
    DemoAccountRefused,
    create_demo_accounts,
    disable_demo_accounts,
)
from familyview.access.models import Authority


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
        parser.add_argument(
            "--disable",
            action="store_true",
            help="disable every demo account instead (no password, no roles): production "
            "will not start while one can sign in",
        )

    def handle(self, *args, authority, authority_name, password, disable, **options):
        if disable:
            disabled = disable_demo_accounts()
            if disabled:
                self.stdout.write(f"Disabled {len(disabled)} demo accounts: {', '.join(disabled)}.")
            else:
                self.stdout.write("There are no demo accounts.")
            return
        if os.environ.get("FAMILYVIEW_ENV") == "production":
            raise CommandError("demo accounts share a published password: not in production")
        try:
            with transaction.atomic():
                council, _ = Authority.objects.get_or_create(
                    code=authority,
                    defaults={"name": authority_name or authority.replace("-", " ").title()},
                )
                accounts = create_demo_accounts(council, password)
        except DemoAccountRefused as e:
            raise CommandError(str(e)) from None

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
