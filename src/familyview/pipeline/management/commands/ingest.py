"""familyview ingest --source CODE [--dry-run] PATH...: import one extract of a source, or
see what would load and what would be held back without writing anything."""

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from familyview.pipeline.imports import ingest
from familyview.sources.ingest import IngestOutcome
from familyview.sources.readers import ExtractRejected


class Command(BaseCommand):
    help = "Import one extract of a source: validate, quarantine bad rows, load atomically."

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, help="the source's code")
        parser.add_argument("paths", nargs="+", type=Path, help="the extract's folder or files")
        parser.add_argument("--by", default=None, help="who is importing (default: you)")
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="no progress bar (there is none when stderr is not a terminal)",
        )
        parser.add_argument(
            "--allow-mass-ending",
            action="store_true",
            help="accept a full snapshot that ends more than half the source's people",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check everything and say what would load and what would be held back; "
            "write nothing",
        )

    def handle(self, *args, source, paths, by, quiet, allow_mass_ending, dry_run, **options):
        # A bar only on a terminal (disable=None): written to a log, its text and the next
        # message would run together on one line.
        bar = tqdm(
            desc=f"Checking {source}",
            unit=" rows",
            disable=quiet or None,
            leave=False,
            mininterval=0.5,
        )
        try:
            outcome = ingest(
                source,
                paths,
                by or getpass.getuser(),
                progress=bar.update,
                allow_mass_ending=allow_mass_ending,
                dry_run=dry_run,
            )
        except ExtractRejected as e:
            raise CommandError(str(e)) from None
        finally:
            bar.close()
        imp = outcome.extract_import
        if dry_run:
            self._report_dry_run(source, outcome)
            return
        if imp.status == imp.Status.REJECTED:
            raise CommandError(f"{source}: rejected, nothing loaded: {imp.message}")
        if imp.status == imp.Status.UNCHANGED:
            self.stdout.write(f"{source}: {imp.message}")
            return
        self.stdout.write(
            f"{source}: loaded import {imp.pk} in {imp.duration_ms / 1000:.1f}s: "
            f"{imp.people_accepted} people, {imp.involvements_accepted} involvements, "
            f"{imp.relationships_accepted} relationships; {imp.records_added} added, "
            f"{imp.records_changed} changed, "
            f"{imp.records_ended} ended, {imp.rows_quarantined} rows quarantined, "
            f"{imp.fields_held_back} values held back"
        )
        if imp.rows_quarantined or imp.fields_held_back:
            self.stdout.write(
                self.style.WARNING(
                    f"{source}: {imp.rows_quarantined} rows quarantined and "
                    f"{imp.fields_held_back} values held back (their rows loaded without them); "
                    f"see the Imports page or `familyview quarantine {imp.pk}`"
                )
            )

    def _report_dry_run(self, source: str, outcome: IngestOutcome) -> None:
        imp = outcome.extract_import
        if imp.status == imp.Status.REJECTED:
            raise CommandError(
                f"{source}: dry run: would be rejected, nothing loaded: {imp.message}"
            )
        if imp.status == imp.Status.UNCHANGED:
            self.stdout.write(f"{source}: dry run: would change nothing. {imp.message}")
            return
        self.stdout.write(
            f"{source}: dry run, nothing written. Would load {imp.people_accepted} people, "
            f"{imp.involvements_accepted} involvements, {imp.relationships_accepted} "
            f"relationships ({imp.records_added} added, {imp.records_changed} changed, "
            f"{imp.records_ended} ended); would hold back {imp.rows_quarantined} rows whole "
            f"and {imp.fields_held_back} values (their rows would load without them)"
        )
        for q in outcome.held_back:
            if q.row_kept:
                self.stdout.write(
                    f"  {q.file_name} row {q.row_number}, column {q.field}: {q.value!r} held "
                    f"back ({q.reason})"
                )
            else:
                self.stdout.write(f"  {q.file_name} row {q.row_number}: {q.reason}")
        more = imp.rows_quarantined + imp.fields_held_back - len(outcome.held_back)
        if more > 0:
            self.stdout.write(f"  ... and {more} more")
