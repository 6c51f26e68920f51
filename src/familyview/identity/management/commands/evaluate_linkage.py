"""familyview evaluate_linkage TRUTH_DIR: the index against a ground truth."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from familyview.identity.evaluation import evaluate


class Command(BaseCommand):
    help = "Compare the person index with a ground truth (a synthetic authority's truth/)."

    def add_arguments(self, parser):
        parser.add_argument("truth_dir", type=Path)

    def handle(self, *args, truth_dir, **options):
        if not (truth_dir / "records.csv").is_file():
            raise CommandError(f"{truth_dir} has no records.csv")
        e = evaluate(truth_dir)
        lines = [
            ("records evaluated", f"{e.records:,}", ""),
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
                "recall ceiling unaided",
                f"{e.recall_ceiling_unaided:.4f}",
                "the most any index may link without a steward: a source's own "
                "duplicates wait for one",
            ),
            (
                "recall of linkable",
                f"{e.recall_of_allowed:.4f}",
                f"of the {e.pairs_allowed_unaided:,} true pairs the rules let it link unaided",
            ),
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
        self.stdout.write(f"false merges of related people: {len(e.related_false_merges)}")
        for m in e.related_false_merges:
            people = " + ".join(m["true_people"])
            self.stdout.write(f"  {m['index_person']}: {m['relationship']} {people}")
