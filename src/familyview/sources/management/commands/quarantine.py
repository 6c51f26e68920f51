"""familyview quarantine IMPORT_ID: the rows an import held back, with reasons."""

from django.core.management.base import BaseCommand, CommandError

from familyview.sources.models import ExtractImport


class Command(BaseCommand):
    help = "Show the rows an import quarantined, with the field and reason for each."

    def add_arguments(self, parser):
        parser.add_argument("import_id", type=int)

    def handle(self, *args, import_id, **options):
        try:
            imp = ExtractImport.objects.get(pk=import_id)
        except ExtractImport.DoesNotExist:
            raise CommandError(f"no import {import_id}") from None
        for q in imp.quarantined_rows.all():
            self.stdout.write(f"{q.file_name} row {q.row_number}: {q.reason}")
