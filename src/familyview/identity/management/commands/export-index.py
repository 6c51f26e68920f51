"""familyview export-index OUT.csv: the person index, for checking against one's own truth."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand

from familyview.identity.models import LinkedRecord
from familyview.spreadsheets import private_file, safe_cell


class Command(BaseCommand):
    help = "Write source, source_record_id, person_id, match_probability for every record."

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path)

    def handle(self, *args, out, **options):
        rows = LinkedRecord.objects.order_by("person_id", "person_record_id").values_list(
            "person_record__source__code",
            "person_record__source_record_id",
            "person_id",
            "match_probability",
        )
        count = 0
        with private_file(out) as f:
            writer = csv.writer(f)
            writer.writerow(["source", "source_record_id", "person_id", "match_probability"])
            for source, record_id, person_id, probability in rows.iterator(chunk_size=20_000):
                # Identifiers come from source systems: neutralise anything a spreadsheet
                # would run as a formula.
                writer.writerow([source, safe_cell(record_id), person_id, f"{probability:.6f}"])
                count += 1
        self.stdout.write(f"{count:,} records written to {out}")
