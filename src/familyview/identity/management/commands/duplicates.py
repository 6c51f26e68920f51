"""familyview duplicates SOURCE_CODE OUT.csv: the people a source holds more than once,
for the source's owner to fix in their own system."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from familyview.identity.duplicates import duplicates_csv_lines, source_duplicates
from familyview.sources.models import Source
from familyview.spreadsheets import private_file


class Command(BaseCommand):
    help = (
        "Write the source's duplicates as CSV for its owner: each current record the person "
        "index holds under the same person as another of the source's records, by the "
        "source's own record id, with the person id and how it was linked."
    )

    def add_arguments(self, parser):
        parser.add_argument("source_code", help="the source's code, as in sources.toml")
        parser.add_argument("out", type=Path, help="the CSV file to write")

    def handle(self, *args, source_code, out, **options):
        source = Source.objects.filter(code=source_code).first()
        if source is None:
            raise CommandError(f"There is no source {source_code!r}: see familyview sources list")
        groups = source_duplicates(source)
        try:
            with private_file(out) as f:
                f.writelines(duplicates_csv_lines(source, groups))
        except OSError as e:
            raise CommandError(f"Cannot write {out}: {e.strerror}") from None
        records = sum(len(g.records) for g in groups)
        self.stdout.write(
            f"{len(groups):,} {'person' if len(groups) == 1 else 'people'} held more than once "
            f"by {source.code} ({records:,} records) written to {out}"
        )
