"""familyview link: build or update the person index, then the families."""

import time

from django.core.management.base import BaseCommand, CommandError
from splink.internals.exceptions import SplinkException

from familyview.identity.engines import (
    DEFAULT_SPARK_MASTER,
    ENGINES,
    SPARK_MASTER_ENV,
    EngineUnavailable,
)
from familyview.identity.linkage import IndexChanged, LinkInterrupted, NothingToLink
from familyview.identity.model import ModelMismatch
from familyview.pipeline.linking import link
from familyview.settings_files import SettingsFileError


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
        parser.add_argument(
            "--engine",
            choices=ENGINES,
            default="duckdb",
            help="where pairs are scored: DuckDB in this process (default) or Apache Spark",
        )
        parser.add_argument(
            "--spark-master",
            metavar="URL",
            help=f"with --engine spark: the Spark master (default: ${SPARK_MASTER_ENV}, "
            f"else {DEFAULT_SPARK_MASTER}, Spark on this machine)",
        )

    def handle(self, *args, retrain, full, engine, spark_master, **options):
        if spark_master and engine != "spark":
            raise CommandError("--spark-master needs --engine spark")
        started = time.monotonic()

        def say(message: str) -> None:
            self.stderr.write(f"[{time.monotonic() - started:6.1f}s] {message}")

        try:
            run = link(
                retrain=retrain,
                incremental=False if (full or retrain) else None,
                progress=say,
                engine=engine,
                spark_master=spark_master,
            )
        except (
            EngineUnavailable,
            ModelMismatch,
            SettingsFileError,
            NothingToLink,
            IndexChanged,
        ) as error:
            raise CommandError(str(error)) from error
        except LinkInterrupted as stopped:
            # 130: stopped by Ctrl-C (SIGINT), as a shell reports it.
            if stopped.written is None:
                raise CommandError(
                    "Link run interrupted: nothing was written; the person index is as it was.",
                    returncode=130,
                ) from None
            raise CommandError(
                f"Link run interrupted after it wrote the person index (run "
                f"{stopped.written.pk}); the families were not updated: they will be with "
                "the next link run, or run familyview families build.",
                returncode=130,
            ) from None
        except SplinkException as error:
            # What Splink could not do with this data, in its own first sentence.
            first = str(error).strip().split("\n")[0]
            raise CommandError(f"Linking failed; nothing was written: {first}") from error
        self.stdout.write(
            f"Link run {run.pk} ({run.get_mode_display().lower()}, model v{run.model.version}, "
            f"scored on {'Spark' if engine == 'spark' else 'DuckDB'}): "
            f"{run.records:,} records, {run.pairs_scored:,} pairs scored, {run.persons:,} persons "
            f"({run.persons_created:,} new, {run.merges} merges, {run.splits} splits), "
            f"{run.review_pairs:,} pairs for review, in {run.seconds:.1f}s"
        )
