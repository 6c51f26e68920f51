"""familyview alerts run | staff-address USERNAME ...

`run` reads the audit events recorded since the last run against the privacy alert rules
(privacy/alert_rules.toml, with the council's own file over it: FAMILYVIEW_ALERT_RULES, or
--rules FILE to try one) and raises alerts for the privacy officers' queue. Schedule it
every few minutes (cron or a systemd timer: docs/deploying.md): nothing else raises
alerts, and the queue page only reads what the runs raised.
"""

import getpass

from django.core.management.base import BaseCommand, CommandError

from familyview.privacy.alerts.home_addresses import set_staff_home_address
from familyview.privacy.alerts.rules import load_alert_rules
from familyview.privacy.alerts.runs import run_alert_rules
from familyview.settings_files import SettingsFileError


class Command(BaseCommand):
    help = "Raise privacy alerts from the audit log, or record a member of staff's address."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="read new audit events against the alert rules")
        run.add_argument(
            "--rules",
            help="a council's alert rules file to try, merged over the built-in one in place "
            "of the file FAMILYVIEW_ALERT_RULES names",
        )
        address = sub.add_parser(
            "staff-address",
            help="record a member of staff's home address for the same-address rule "
            "(no address given: remove it)",
        )
        address.add_argument("username")
        address.add_argument("--address-line1", default="")
        address.add_argument("--postcode", default="")
        address.add_argument("--uprn", default="")
        address.add_argument("--by", default=None, help="who is recording it (default: you)")

    def handle(self, *args, action, **options):
        if action == "run":
            try:
                book = load_alert_rules(options["rules"])
            except SettingsFileError as e:
                raise CommandError(str(e)) from None
            result = run_alert_rules(book=book)
            self.stdout.write(
                f"Read {result.events_read:,} audit events (up to event {result.read_up_to:,}) "
                f"with alert rules version {book.version}: {result.alerts_raised:,} alerts "
                f"raised, {result.alerts_extended:,} alerts given more evidence."
            )
            return
        try:
            home = set_staff_home_address(
                options["username"],
                address_line1=options["address_line1"],
                postcode=options["postcode"],
                uprn=options["uprn"],
                by=options["by"] or getpass.getuser(),
            )
        except (LookupError, ValueError) as e:
            raise CommandError(str(e)) from None
        if home is None:
            self.stdout.write(f"No home address is held for {options['username']} now.")
        else:
            self.stdout.write(f"Home address recorded for {options['username']}.")
