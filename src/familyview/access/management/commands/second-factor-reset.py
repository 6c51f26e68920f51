"""familyview second-factor-reset USERNAME: an administrator's recovery for a lost phone.

Forgets the account's authenticator app and ends its sessions; the next sign-in (with the
password) asks the member of staff to set up an app again. Audited.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from familyview.access import second_factor
from familyview.audit.events import record_event


class Command(BaseCommand):
    help = "Reset a member of staff's authenticator app (they set up a new one at sign-in)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"there is no account with the username {username}")
        with transaction.atomic():
            second_factor.reset(user)
            record_event(
                None,
                "admin.reset_second_factor",
                details={"username": username, "via": "familyview second-factor-reset"},
            )
        self.stdout.write(
            f"{username}'s authenticator app is reset and their sessions ended: they set up "
            "a new one at their next sign-in."
        )
