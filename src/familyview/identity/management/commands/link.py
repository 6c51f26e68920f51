"""familyview link: build or update the person index."""

import time

from django.core.management.base import BaseCommand

from familyview.identity.linkage import link


class Command(BaseCommand):
    help = "Build or update the person index from every imported person record."

    def add_arguments(self, parser):
        parser.add_argument(
            "--retrain", action="store_true", help="train a new model version and rescore all"
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="rescore every record with the saved model (default: only new records)",
        )

    def handle(self, *args, retrain, full, **options):
        started = time.monotonic()

        def say(message: str) -> None:
            self.stderr.write(f"[{time.monotonic() - started:6.1f}s] {message}")

        run = link(retrain=retrain, incremental=False if (full or retrain) else None, progress=say)
        self.stdout.write(
            f"Link run {run.pk} ({run.get_mode_display().lower()}, model v{run.model.version}): "
            f"{run.records:,} records, {run.pairs_scored:,} pairs scored, {run.persons:,} persons "
            f"({run.persons_created:,} new, {run.merges} merges, {run.splits} splits), "
            f"{run.review_pairs:,} pairs for review, in {run.seconds:.1f}s"
        )
