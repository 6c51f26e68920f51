"""familyview second-factor-code USERNAME: a demo account's current security code.

For demonstrations only: it refuses any account not made by `familyview demo_accounts`,
and refuses to run in production.
"""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from familyview.access import second_factor
from familyview.access.models import StaffAccount


class Command(BaseCommand):
    help = "Print the security code a demo account's authenticator app would show now."

    def add_arguments(self, parser):
        parser.add_argument("username", help="a demo account, e.g. demo.practitioner")

    def handle(self, *args, username, **options):
        if os.environ.get("FAMILYVIEW_ENV") == "production":
            raise CommandError("security codes are never printed in production")
        user = get_user_model().objects.filter(username=username).first()
        account = StaffAccount.objects.filter(user=user).first() if user else None
        if account is None or not account.is_demo:
            raise CommandError(
                f"{username} is not a demo account: codes are printed for demo accounts only"
            )
        try:
            code = second_factor.code_that_works_now(user)
        except ValueError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(code)
