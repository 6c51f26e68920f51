"""familyview families build: rebuild every family link from the person index."""

import time

from django.core.management.base import BaseCommand, CommandError

from familyview.families.building import build_families


class Command(BaseCommand):
    help = (
        "Family links: rebuild them all from the person index (link runs and stewards' "
        "merges and splits update the links of the persons they change)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("build", help="rebuild every family link from the person index")

    def handle(self, *args, action, **options):
        if action != "build":
            raise CommandError(f"Unknown action {action!r}")
        started = time.monotonic()

        def say(message: str) -> None:
            self.stderr.write(f"[{time.monotonic() - started:6.1f}s] {message}")

        try:
            result = build_families(progress=say)
        except ValueError as e:  # the building rules file is wrong
            raise CommandError(str(e)) from None
        self.stdout.write(
            f"Families built for {result.persons:,} persons: {result.source_links:,} links "
            f"from sources, {result.derived_links:,} worked out siblings, "
            f"{result.household_links:,} household links, {result.disputed_links:,} where "
            f"sources disagree; {result.crowded_addresses:,} addresses too crowded to be a "
            f"household; in {result.seconds:.2f}s"
        )
