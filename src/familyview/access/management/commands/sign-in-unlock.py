"""familyview sign-in-unlock USERNAME|ADDRESS: lift a lock after too many failed sign-ins.

A lock runs out by itself (FAMILYVIEW_SIGN_IN_LOCKOUT); this is for an administrator who
has checked that the failures were a member of staff's own (a username), or an office's
(its client address: 50 wrong guesses lock everyone behind it). Audited. The privacy
officer and the administrator see the locks in force on the *Sign-in locks* page.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from familyview.access import throttling
from familyview.audit.actions import Action
from familyview.audit.events import record_event


class Command(BaseCommand):
    help = "Clear a username's or a client address's count of failed sign-ins, lifting any lock."

    def add_arguments(self, parser):
        parser.add_argument("username_or_address", help="a username, or a client address")

    def handle(self, *args, username_or_address, **options):
        typed = username_or_address.strip()
        with transaction.atomic():
            cleared = throttling.unlock(typed)
            details = {"via": "familyview sign-in-unlock", "cleared": cleared}
            if "address" in cleared:
                details["address"] = typed
            if "username" in cleared or not cleared:
                details["username"] = typed
            record_event(None, Action.ADMIN_SIGN_IN_UNLOCK, details=details)
        if not cleared:
            self.stdout.write(f"{typed} had no failed sign-ins to clear, as a username or address.")
        for kind in cleared:
            who = "Staff signing in from the address" if kind == "address" else "The username"
            self.stdout.write(f"{who} {typed} can sign in again.")
