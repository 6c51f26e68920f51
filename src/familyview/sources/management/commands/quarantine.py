"""familyview quarantine [IMPORT_ID]: what an import held back, and why; without a number,
the latest imports and what each held back."""

from django.core.management.base import BaseCommand, CommandError

from familyview.sources.models import ExtractImport


class Command(BaseCommand):
    help = (
        "Show what an import held back: rows quarantined whole, values held back from rows "
        "that loaded without them, or why the whole extract was rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "import_id", type=int, nargs="?", help="without it: the latest imports, a line each"
        )

    def handle(self, *args, import_id, **options):
        if import_id is None:
            self._latest()
            return
        try:
            imp = ExtractImport.objects.get(pk=import_id)
        except ExtractImport.DoesNotExist:
            raise CommandError(f"no import {import_id}") from None
        if imp.status != ExtractImport.Status.LOADED:
            self.stdout.write(
                f"Import {imp.pk} of {imp.source.code} was {imp.get_status_display().lower()}"
                + (f": {imp.message}" if imp.message else "")
            )
            if imp.status in (ExtractImport.Status.REJECTED, ExtractImport.Status.INTERRUPTED):
                self.stdout.write("Nothing of it was loaded, so nothing was held back row by row.")
            return
        self.stdout.write(
            f"Import {imp.pk} of {imp.source.code}: {imp.rows_quarantined} rows quarantined, "
            f"{imp.fields_held_back} values held back"
        )
        for q in imp.quarantined_rows.all():
            if q.row_kept:
                self.stdout.write(
                    f"{q.file_name} row {q.row_number}, column {q.field}: {q.value!r} held back "
                    f"({q.reason}); the rest of the row was loaded"
                )
            else:
                self.stdout.write(f"{q.file_name} row {q.row_number}: {q.reason}")

    def _latest(self, count: int = 20) -> None:
        latest = list(ExtractImport.objects.select_related("source").order_by("-pk")[:count])
        if not latest:
            self.stdout.write("No extract has been imported yet.")
            return
        self.stdout.write(f"The latest {len(latest)} imports (familyview quarantine N shows one):")
        for imp in latest:
            self.stdout.write(
                f"  {imp.pk:>6}  {imp.source.code:<20} {imp.get_status_display().lower():<12} "
                f"{imp.rows_quarantined} rows quarantined, {imp.fields_held_back} values held back"
            )
