"""How good is the person index? Compared with a ground truth (the synthetic authority's).

Pairwise: of the pairs of records the index puts in one person, how many are truly one
person (precision), and of the true pairs, how many the index found (recall). Cluster
level: how many true persons the index reproduces exactly, merges with someone else, or
splits. And every false merge of related people (twins, siblings, parent and child), the
harm that matters most.

The truth is a folder (docs/architecture.md, "Measuring linkage quality"):
records.csv (source, source_id, person_id) and relationships.csv (person_id,
related_person_id, relationship_type), and optionally people.csv (person_id, twin_of).
Records that ingest quarantined never reach the index: the figures "of the truth" count
their pairs as missed, so that ingest is part of what is measured.
"""

import csv
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from familyview.identity.models import LinkedRecord, LinkRun, ReviewPair

# The columns each truth file needs (others are ignored); people.csv may be left out.
TRUTH_COLUMNS = {
    "records.csv": ("source", "source_id", "person_id"),
    "relationships.csv": ("person_id", "related_person_id", "relationship_type"),
    "people.csv": ("person_id", "twin_of"),
}
OPTIONAL_TRUTH_FILES = frozenset({"people.csv"})


class TruthError(ValueError):
    """A truth folder cannot be read; the message names the file and what it lacks."""


def check_truth(truth_dir: Path) -> None:
    """Raise TruthError unless the truth folder holds its files, each UTF-8 CSV with a
    header naming the columns TRUTH_COLUMNS lists."""
    for name, columns in TRUTH_COLUMNS.items():
        path = truth_dir / name
        if not path.is_file():
            if name in OPTIONAL_TRUTH_FILES:
                continue
            raise TruthError(f"{truth_dir} has no {name} ({', '.join(columns)})")
        try:
            with path.open(encoding="utf-8", newline="") as f:
                header = next(csv.reader(f), [])
        except UnicodeDecodeError:
            raise TruthError(f"{path} is not UTF-8") from None
        missing = [c for c in columns if c not in header]
        if missing:
            raise TruthError(
                f"{path}: no column {', '.join(missing)}; its header is "
                f"{', '.join(header) or 'empty'}, and it needs {', '.join(columns)}"
            )


# Relationships whose false merge counts as a merge of related people.
RELATED = {
    "mother",
    "father",
    "parent",
    "step_parent",
    "child",
    "sibling",
    "half_sibling",
    "step_sibling",
    "grandparent",
    "carer",
    "guardian",
}


@dataclass
class Evaluation:
    records: int
    true_pairs: int
    index_pairs: int
    correct_pairs: int
    true_persons: int
    index_persons: int
    exact_persons: int
    persons_split: int
    clusters_merging_people: int
    related_false_merges: list[dict] = field(default_factory=list)
    # If a steward answered every open review pair as the truth would:
    correct_pairs_after_review: int = 0
    review_pairs: int = 0
    review_pairs_truly_same: int = 0
    # The whole truth, records that never reached the index (quarantined) included.
    records_in_truth: int = 0
    true_pairs_in_truth: int = 0
    # Whether the truth says who is related to whom (FEBRL does not).
    family_truth: bool = True
    # The last link run's own time, in seconds; None before any run.
    link_seconds: float | None = None

    @property
    def recall_of_truth(self) -> float:
        """Of every true pair in the truth, within-source included, the share linked."""
        if not self.true_pairs_in_truth:
            return 1.0
        return self.correct_pairs / self.true_pairs_in_truth

    @property
    def f1_of_truth(self) -> float:
        """F1 of precision and the recall of the whole truth."""
        p, r = self.precision, self.recall_of_truth
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def review_share_truly_same(self) -> float | None:
        """The share of open review pairs that are truly one person; None if none wait."""
        return self.review_pairs_truly_same / self.review_pairs if self.review_pairs else None

    def as_dict(self) -> dict[str, Any]:
        """Every figure, derived ones included, for a report or a JSON document."""
        figures = asdict(self)
        for name in (
            "precision",
            "recall",
            "f1",
            "recall_of_truth",
            "f1_of_truth",
            "recall_after_review",
            "review_share_truly_same",
        ):
            figures[name] = getattr(self, name)
        return figures

    @property
    def recall_after_review(self) -> float:
        return self.correct_pairs_after_review / self.true_pairs if self.true_pairs else 1.0

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.index_pairs if self.index_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(sizes: Counter) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def evaluate(truth_dir: Path) -> Evaluation:
    """Compare the index in the database with truth/records.csv and relationships.csv."""
    with (truth_dir / "records.csv").open(encoding="utf-8") as f:
        truth = {(r["source"], r["source_id"]): r["person_id"] for r in csv.DictReader(f)}
    truth_sizes = Counter(truth.values())
    related: set[frozenset[str]] = set()
    kinds: dict[frozenset[str], str] = {}
    with (truth_dir / "relationships.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["relationship_type"] in RELATED:
                pair = frozenset((r["person_id"], r["related_person_id"]))
                related.add(pair)
                kinds.setdefault(pair, r["relationship_type"])
    people_file = truth_dir / "people.csv"
    if people_file.exists():
        with people_file.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r.get("twin_of"):
                    pair = frozenset((r["person_id"], r["twin_of"]))
                    related.add(pair)
                    kinds[pair] = "twin"

    index = LinkedRecord.objects.values_list(
        "person_id", "person_record__source__code", "person_record__source_record_id"
    )
    true_of: dict[tuple[str, str], str] = {}
    index_of: dict[tuple[str, str], str] = {}
    for person_id, source, source_id in index.iterator(chunk_size=20_000):
        key = (source, source_id)
        if key in truth:
            true_of[key] = truth[key]
            index_of[key] = person_id
    both = Counter((index_of[k], true_of[k]) for k in index_of)
    index_sizes = Counter(index_of.values())
    true_sizes = Counter(true_of.values())

    true_in: dict[str, set[str]] = defaultdict(set)
    index_in: dict[str, set[str]] = defaultdict(set)
    for pid, tid in both:
        true_in[pid].add(tid)
        index_in[tid].add(pid)
    exact = sum(
        1
        for tid, pids in index_in.items()
        if len(pids) == 1 and len(true_in[next(iter(pids))]) == 1
    )
    false_merges = []
    for pid, tids in true_in.items():
        if len(tids) < 2:
            continue
        ordered = sorted(tids)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                pair = frozenset((a, b))
                if pair in related:
                    false_merges.append(
                        {"index_person": pid, "true_people": [a, b], "relationship": kinds[pair]}
                    )
    # The review queue: a steward who links every truly-same pair joins those persons.
    parent = {pid: pid for pid in index_sizes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    reviewed = same_in_review = 0
    keys = {
        rid: (src, sid)
        for rid, src, sid in LinkedRecord.objects.values_list(
            "person_record_id", "person_record__source__code", "person_record__source_record_id"
        ).iterator(chunk_size=20_000)
    }
    for a, b in ReviewPair.objects.filter(status=ReviewPair.Status.OPEN).values_list(
        "record_a_id", "record_b_id"
    ):
        reviewed += 1
        ka, kb = keys.get(a), keys.get(b)
        if ka in true_of and kb in true_of and true_of[ka] == true_of[kb]:
            same_in_review += 1
            parent[find(index_of[ka])] = find(index_of[kb])
    after = Counter((find(index_of[k]), true_of[k]) for k in index_of)
    return Evaluation(
        correct_pairs_after_review=_pairs(after),
        review_pairs=reviewed,
        review_pairs_truly_same=same_in_review,
        records=len(index_of),
        true_pairs=_pairs(true_sizes),
        index_pairs=_pairs(index_sizes),
        correct_pairs=_pairs(both),
        true_persons=len(true_sizes),
        index_persons=len(index_sizes),
        exact_persons=exact,
        persons_split=sum(1 for pids in index_in.values() if len(pids) > 1),
        clusters_merging_people=sum(1 for tids in true_in.values() if len(tids) > 1),
        related_false_merges=false_merges,
        records_in_truth=len(truth),
        true_pairs_in_truth=_pairs(truth_sizes),
        family_truth=bool(related),
        link_seconds=LinkRun.objects.order_by("-pk").values_list("seconds", flat=True).first(),
    )
