"""Families on a small synthetic authority, built by the link run itself, against the
authority's ground truth: the links join people who are truly related, households join
people who truly live together, and every child with a recorded parent has a network."""

import csv
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from familyview.access.models import Authority
from familyview.families.models import FamilyBuild, FamilyLink
from familyview.families.network import Viewer, family_network
from familyview.identity.models import LinkedRecord
from familyview.pipeline.imports import ingest
from familyview.pipeline.linking import link
from familyview.sources.registry import load_sources
from familyview.synth.generator import generate

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def authority_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("authority")
    generate(people=300, seed=5, out=out)
    return out


def truth_of_persons(truth: Path) -> dict[str, str]:
    """Each index person's true person (the one most of its records are)."""
    with (truth / "records.csv").open(encoding="utf-8") as f:
        true_of = {(r["source"], r["source_id"]): r["person_id"] for r in csv.DictReader(f)}
    votes: dict[str, Counter] = defaultdict(Counter)
    for pid, source, sid in LinkedRecord.objects.values_list(
        "person_id", "person_record__source__code", "person_record__source_record_id"
    ):
        votes[pid][true_of[(source, sid)]] += 1
    return {pid: c.most_common(1)[0][0] for pid, c in votes.items()}


def test_a_link_run_builds_families_that_match_the_truth(authority_folder):
    for source in load_sources(authority_folder / "sources.toml"):
        folder = authority_folder / source.code
        if folder.is_dir():
            assert ingest(source.code, [folder], "tests").ok
    link()
    assert FamilyBuild.objects.count() == 1  # the link run built the families
    truth = authority_folder / "truth"
    true = truth_of_persons(truth)
    with (truth / "relationships.csv").open(encoding="utf-8") as f:
        related = {(r["person_id"], r["related_person_id"]) for r in csv.DictReader(f)}
    with (truth / "people.csv").open(encoding="utf-8") as f:
        household = {r["person_id"]: r["household_id"] for r in csv.DictReader(f)}
    right: Counter = Counter()
    total: Counter = Counter()
    for a, b, basis in FamilyLink.objects.values_list("person_id", "related_person_id", "basis"):
        total[basis] += 1
        if basis == "household":
            right[basis] += household[true[a]] == household[true[b]]
        else:
            right[basis] += (true[a], true[b]) in related
    assert total["source"] > 100 and total["household"] > 100 and total["derived"] > 10
    assert right["source"] / total["source"] >= 0.98
    assert right["derived"] / total["derived"] >= 0.95
    assert right["household"] / total["household"] >= 0.9

    viewer = Viewer("practitioner", Authority.objects.get().pk)
    children = set(
        FamilyLink.objects.filter(relationship_type="mother").values_list("person_id", flat=True)
    )
    assert children
    for child in children:
        net = family_network(child, viewer)
        assert net.child.person_id == child
        assert net.parents_and_carers
