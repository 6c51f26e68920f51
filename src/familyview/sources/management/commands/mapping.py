"""familyview mapping suggest FILE... [--source CODE] [--output DRAFT.toml]: a draft
mapping for a new source's extract, for an analyst to review."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from familyview.involvements.models import ServiceCategory
from familyview.sources.models import Source
from familyview.sources.readers import ExtractRejected
from familyview.sources.suggest import suggest_mapping


class Command(BaseCommand):
    help = "Draft a mapping for a new source's files, from their header and first rows."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        suggest = sub.add_parser(
            "suggest",
            help="read an extract's files (or their folder) and write a draft mapping TOML",
        )
        suggest.add_argument("paths", nargs="+", type=Path, help="the extract's files or folder")
        suggest.add_argument("--source", default=None, help="the source's code, if known")
        suggest.add_argument(
            "--output",
            "-o",
            type=Path,
            default=None,
            help="the draft's file (default: printed, with what it could not decide on stderr)",
        )

    def handle(self, *args, action, paths, source, output, **options):
        if output is not None and output.exists():
            raise CommandError(f"{output} exists already: name another file for the draft")
        try:
            registered = Source.objects.filter(code=source).first() if source else None
            categories = dict(ServiceCategory.objects.values_list("code", "name"))
        except DatabaseError:
            # A draft needs no database: without one, service values are left to the analyst.
            registered, categories = None, {}
        try:
            draft = suggest_mapping(
                paths,
                source_code=source,
                categories=categories,
                service_category=registered.service_category if registered else None,
            )
        except ExtractRejected as e:
            raise CommandError(f"no draft written: {e}") from None
        text = draft.toml()
        if output is None:
            self.stdout.write(text, ending="")
            report = self.stderr
        else:
            try:
                output.write_text(text, encoding="utf-8")
            except OSError as e:
                problem = f"the draft cannot be written to {output}: {e.strerror}"
                raise CommandError(problem) from None
            report = self.stdout
            report.write(f"Draft mapping written to {output} ({draft.layout} layout)")
        for line in draft.undecided:
            report.write(f"Undecided: {line}")
        for line in draft.notes:
            report.write(f"Note: {line}")
        code = source or "CODE"
        first = "review the draft" if output else "save the draft (--output DRAFT.toml), review it"
        saved = output.resolve() if output else "DRAFT.toml"
        tried = f"familyview ingest --source {code} --dry-run {' '.join(map(str, paths))}"
        report.write(
            f"Next: {first}, name it as {code}'s mapping in sources.toml "
            f'(mapping = "{saved}") and load that with `familyview sources load`; '
            f"then `{tried}` shows what would load and what would be held back."
        )
