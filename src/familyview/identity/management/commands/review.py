"""familyview review export OUT.csv: the review queue as a spreadsheet."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from familyview.identity.review_export import review_queue_csv_lines
from familyview.spreadsheets import private_file


class Command(BaseCommand):
    help = "The data steward's review queue: export it as CSV."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser(
            "export",
            help="write every pair waiting for review (open, or not sure) as CSV, in the "
            "order stewards see them: children and their families first, then the most "
            "likely match first",
        )
        export.add_argument("out", type=Path, help="the CSV file to write")

    def handle(self, *args, action, out, **options):
        if action != "export":
            raise CommandError(f"Unknown action {action!r}")
        lines = 0
        try:
            with private_file(out) as f:
                for line in review_queue_csv_lines():
                    f.write(line)
                    lines += 1
        except OSError as e:
            raise CommandError(f"Cannot write {out}: {e.strerror}") from None
        pairs = lines - 1
        self.stdout.write(
            f"{pairs:,} pair{'' if pairs == 1 else 's'} waiting for review written to {out}"
        )
