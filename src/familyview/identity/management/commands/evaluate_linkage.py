"""familyview evaluate_linkage TRUTH_DIR: the index against a ground truth."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from familyview.identity.evaluation import TruthError, check_truth, evaluate


class Command(BaseCommand):
    help = (
        "Compare the person index with a ground truth (a synthetic authority's truth/, or "
        "a corpus's; the format is in docs/architecture.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("truth_dir", type=Path)
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="print every figure as one JSON object",
        )

    def handle(self, *args, truth_dir: Path, as_json: bool, **options):
        try:
            check_truth(truth_dir)
        except TruthError as error:
            raise CommandError(f"{error} (the truth format: docs/architecture.md)") from None
        e = evaluate(truth_dir)
        if as_json:
            self.stdout.write(json.dumps(e.as_dict(), indent=2))
            return
        lines = [
            ("records in the truth", f"{e.records_in_truth:,}", "quarantined ones included"),
            ("records evaluated", f"{e.records:,}", "in the index"),
            (
                "pairwise precision",
                f"{e.precision:.4f}",
                f"{e.correct_pairs:,} of {e.index_pairs:,} linked pairs are right",
            ),
            (
                "pairwise recall",
                f"{e.recall:.4f}",
                f"{e.correct_pairs:,} of {e.true_pairs:,} true pairs found",
            ),
            ("pairwise F1", f"{e.f1:.4f}", ""),
            (
                "recall of the truth",
                f"{e.recall_of_truth:.4f}",
                f"{e.correct_pairs:,} of {e.true_pairs_in_truth:,} true pairs in the truth",
            ),
            ("F1 of the truth", f"{e.f1_of_truth:.4f}", ""),
            (
                "review queue",
                f"{e.review_pairs:,}",
                f"{e.review_pairs_truly_same:,} truly the same person",
            ),
            ("recall, queue worked", f"{e.recall_after_review:.4f}", "if a steward linked them"),
            ("true persons", f"{e.true_persons:,}", ""),
            ("index persons", f"{e.index_persons:,}", ""),
            (
                "persons exactly right",
                f"{e.exact_persons:,}",
                f"{e.exact_persons / max(e.true_persons, 1):.2%}",
            ),
            ("persons split", f"{e.persons_split:,}", "one true person, several index persons"),
            ("persons mixing people", f"{e.clusters_merging_people:,}", "false merges"),
        ]
        for label, value, note in lines:
            self.stdout.write(f"{label:24}{value:>10}  {note}".rstrip())
        if e.link_seconds is not None:
            self.stdout.write(f"{'link time':24}{e.link_seconds:>9.1f}s  the last link run")
        if not e.family_truth:
            self.stdout.write("false merges of related people: not known (no family truth)")
            return
        self.stdout.write(f"false merges of related people: {len(e.related_false_merges)}")
        for m in e.related_false_merges:
            people = " + ".join(m["true_people"])
            self.stdout.write(f"  {m['index_person']}: {m['relationship']} {people}")
