"""familyview synth --people N --seed S --out DIR: write a synthetic authority's extracts."""

from argparse import ArgumentTypeError
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from familyview.synth import generate, progress_total
from familyview.synth.generator import MAX_PEOPLE
from familyview.synth.places import AUTHORITIES


class Command(BaseCommand):
    help = (
        "Write a synthetic authority: every source's extract in the canonical format, "
        "a sources.toml registering them, and the ground truth under truth/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--people", type=int, default=2000, help="people in the population (default 2000)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--out", type=Path, required=True, help="folder to write into")
        parser.add_argument(
            "--authority",
            default="stockport",
            help=f"one of {', '.join(AUTHORITIES)} (default stockport)",
        )
        parser.add_argument(
            "--extracted-at",
            type=_when,
            help="date the extracts as if the newest were taken then ('now', or an ISO 8601 "
            "time with its zone); the others keep their distance before it, so a demo made "
            "today is as fresh as its sources' cadences say (default: the synthetic "
            "authority's own dates, the newest on 20 November 2026)",
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="no progress bar (there is none when stderr is not a terminal)",
        )

    def handle(self, *args, people, seed, out, authority, quiet, extracted_at, **options):
        if not 1 <= people <= MAX_PEOPLE:
            raise CommandError(f"--people must be between 1 and {MAX_PEOPLE:,}; got {people}")
        if authority not in AUTHORITIES:
            raise CommandError(
                f"--authority {authority!r} is not known; choose one of {', '.join(AUTHORITIES)}"
            )
        if out.exists() and not out.is_dir():
            raise CommandError(f"--out {out} exists and is not a folder")
        bar = tqdm(
            total=progress_total(people),
            desc=f"Synthesising {people:,} people",
            # The units are people times stages (population, each source, truth): show a
            # percentage rather than a rate in units nobody thinks in.
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}",
            # Only on a terminal: in a log its text would run into the summary's first line.
            disable=quiet or None,
            leave=False,
            mininterval=0.5,
        )
        try:
            summary = generate(
                people,
                seed,
                out,
                authority=authority,
                progress=bar.update,
                newest_extract_at=extracted_at,
            )
        except OSError as e:
            raise CommandError(f"could not write to {out}: {e}") from None
        finally:
            bar.close()

        w = self.stdout.write
        w(
            f"Wrote a synthetic {AUTHORITIES[authority].name} to {out}: "
            f"{summary.people:,} people in {summary.households:,} households "
            f"(seed {seed}), in {summary.seconds:.1f}s"
        )
        w(f"  {'source':<18} {'people':>10} {'involvements':>13} {'relationships':>14}")
        for code, n in summary.person_records.items():
            w(
                f"  {code:<18} {n:>10,} {summary.involvements[code]:>13,} "
                f"{summary.relationships[code]:>14,}"
            )
        w(
            f"  {'total':<18} {summary.total_person_records:>10,} "
            f"{summary.total_involvements:>13,} {summary.total_relationships:>14,}"
        )
        w(
            f"Truth: {summary.true_relationships:,} true relationships, "
            f"{summary.twin_pairs:,} twin pairs, "
            f"{summary.corrupted_nhs_numbers:,} NHS numbers corrupted on purpose."
        )
        w(f"Next: familyview sources load {out / 'sources.toml'}")


def _when(value: str) -> datetime:
    """'now', or an ISO 8601 time with its zone."""
    if value == "now":
        return timezone.now()
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not 'now' or an ISO 8601 time") from None
    if when.tzinfo is None:
        raise ArgumentTypeError(f"{value!r} has no time zone (add Z for UTC)")
    return when
