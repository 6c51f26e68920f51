"""familyview sign-in-unlock USERNAME: lift a lock after too many failed sign-ins.

The lock runs out by itself (FAMILYVIEW_SIGN_IN_LOCKOUT); this is for an administrator who
has checked with the member of staff that the failures were theirs. Audited.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from familyview.access import throttling
from familyview.audit.events import record_event


class Command(BaseCommand):
    help = "Clear a username's count of failed sign-ins, lifting any lock."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        with transaction.atomic():
            cleared = throttling.unlock(username)
            record_event(
                None,
                "admin.sign_in_unlock",
                details={"username": username, "via": "familyview sign-in-unlock"},
            )
        if cleared:
            self.stdout.write(f"{username} can sign in again.")
        else:
            self.stdout.write(f"{username} had no failed sign-ins to clear.")
