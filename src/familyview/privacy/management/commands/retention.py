"""familyview retention run [--dry-run] [--rules FILE] [--by NAME]

Removes what the retention rules (privacy/retention.toml) say is no longer kept, in one
transaction, and records the run (with its counts) in the audit log. --dry-run says what
a run would remove and removes nothing.
"""

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from familyview.privacy.retention import RetentionRulesError, load_retention_rules, run_retention


class Command(BaseCommand):
    help = "Remove what the retention rules no longer keep (audited), or show it (--dry-run)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="apply the retention rules")
        run.add_argument(
            "--dry-run", action="store_true", help="say what would be removed; remove nothing"
        )
        run.add_argument("--rules", help="a retention rules file (default: the configured one)")
        run.add_argument("--by", default=None, help="who is running it (default: you)")

    def handle(self, *args, action, **options):
        try:
            rules = load_retention_rules(options["rules"])
        except RetentionRulesError as e:
            raise CommandError(str(e)) from None
        dry_run = options["dry_run"]
        try:
            result = run_retention(
                rules=rules, dry_run=dry_run, by=options["by"] or getpass.getuser()
            )
        except DatabaseError as e:
            raise CommandError(f"retention run failed, nothing was removed: {e}") from None
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(
            f"Retention rules version {rules.version} ({rules.path}), "
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
