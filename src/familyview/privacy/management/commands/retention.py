"""familyview retention run [--dry-run] [--rules FILE] [--by NAME]

Removes what the retention rules (privacy/retention.toml, with the council's own file over
it: FAMILYVIEW_RETENTION_RULES, or --rules FILE to try one) say is no longer kept, in one
transaction, and records the run (with its counts) in the audit log. --dry-run says what
a run would remove and removes nothing.
"""

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from familyview.privacy.retention import run_retention
from familyview.settings_files import SettingsFileError


class Command(BaseCommand):
    help = "Remove what the retention rules no longer keep (audited), or show it (--dry-run)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="apply the retention rules")
        run.add_argument(
            "--dry-run", action="store_true", help="say what would be removed; remove nothing"
        )
        run.add_argument(
            "--rules",
            help="a council's retention rules file to try, merged over the built-in one in "
            "place of the file FAMILYVIEW_RETENTION_RULES names",
        )
        run.add_argument("--by", default=None, help="who is running it (default: you)")

    def handle(self, *args, action, **options):
        dry_run = options["dry_run"]
        try:
            result = run_retention(
                council=options["rules"], dry_run=dry_run, by=options["by"] or getpass.getuser()
            )
        except SettingsFileError as e:
            raise CommandError(str(e)) from None
        except DatabaseError as e:
            raise CommandError(f"retention run failed, nothing was removed: {e}") from None
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(
            f"Retention rules version {result.version} ({result.rules_file}), "
            f"{'dry run: nothing was removed' if dry_run else 'applied'}."
        )
        for outcome in result.outcomes:
            if outcome.removed:
                counts = ", ".join(f"{n:,} {what}" for what, n in outcome.removed.items())
                self.stdout.write(f"  {outcome.description}: {verb} {counts}")
            if outcome.note:
                self.stdout.write(f"  {outcome.description}: {outcome.note}")
        if result.persons_retired:
            self.stdout.write(
                f"  Persons left with no records: {verb.replace('remove', 'retire')} "
                f"{result.persons_retired:,}"
            )
        totals = result.removed
        if totals:
            summary = ", ".join(f"{n:,} {what}" for what, n in totals.items())
            self.stdout.write(f"In all: {verb} {summary}.")
        else:
            self.stdout.write("Nothing to remove.")
        if result.event_sequence is not None:
            self.stdout.write(f"Recorded in the audit log as event {result.event_sequence:,}.")
