"""`familyview link` with real Splink on a small synthetic authority: stable identifiers,
incremental runs, steward decisions that survive re-runs, and the hard rules end to end."""

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from familyview.identity.evaluation import evaluate
from familyview.identity.model import M_FLOOR, with_m_floor
from familyview.identity.models import IdentityChange, LinkedRecord, StewardDecision
from familyview.pipeline.imports import ingest
from familyview.pipeline.linking import link
from familyview.sources.models import PersonRecord
from familyview.sources.registry import load_sources
from familyview.sources.validation import nhs_number_is_valid
from familyview.synth.generator import generate

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def authority(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("authority")
    generate(people=400, seed=11, out=out)
    return out


def load(authority: Path, codes: list[str] | None = None) -> None:
    sources = load_sources(authority / "sources.toml")
    for source in sources:
        folder = authority / source.code
        if folder.is_dir() and (codes is None or source.code in codes):
            outcome = ingest(source.code, [folder], "tests")
            assert outcome.ok, outcome.extract_import.message


def another_valid_nhs_number(number: str) -> str:
    """A different number passing the modulus 11 check."""
    for prefix in range(400, 1000):
        candidate = f"{prefix}{number[3:9]}"
        for check in "0123456789":
            if candidate + check != number and nhs_number_is_valid(candidate + check):
                return candidate + check
    raise AssertionError("no valid number found")


def index() -> dict[int, str]:
    return dict(LinkedRecord.objects.values_list("person_record_id", "person_id"))


def test_a_full_run_is_accurate_and_a_rerun_changes_no_identifier(authority):
    load(authority)
    first = link()
    assert first.model.version == 1
    result = evaluate(authority / "truth")
    assert result.records == PersonRecord.objects.count()
    assert result.precision >= 0.999
    assert result.recall >= 0.9
    assert result.related_false_merges == []
    before = index()

    # No kind of difference the training data lacked rules a pair out by itself.
    levels = [
        level
        for comparison in first.model.splink_settings["comparisons"]
        for level in comparison["comparison_levels"]
        if not level.get("is_null_level") and level.get("m_probability") is not None
    ]
    assert min(level["m_probability"] for level in levels) >= M_FLOOR

    again = link(incremental=False)
    assert again.model == first.model  # the saved model is reused, not retrained
    assert index() == before
    assert (again.persons_created, again.merges, again.splits) == (0, 0, 0)


def test_incremental_runs_score_only_new_records_and_keep_identifiers(authority):
    load(authority, codes=["GP", "SCHOOLS", "HOUSING"])
    link()
    before = index()
    load(authority)  # the other sources arrive
    run = link()
    assert run.mode == "incremental"
    after = index()
    assert set(before) < set(after)
    # Old records keep their person unless a new record really merged two persons.
    merged = {p for c in IdentityChange.objects.filter(run=run) for p in c.other_persons}
    moved = {r for r, pid in before.items() if after[r] != pid}
    assert all(before[r] in merged for r in moved)
    # And an incremental index is as good as a full one, having scored fewer pairs.
    incremental = evaluate(authority / "truth")
    assert incremental.precision >= 0.999
    full = link(incremental=False)
    assert run.pairs_scored < full.pairs_scored
    assert incremental.recall >= evaluate(authority / "truth").recall - 0.01


def test_steward_decisions_survive_reruns(authority):
    load(authority)
    link()
    steward = User.objects.create(username="steward")
    persons = {}
    for record, pid in index().items():
        persons.setdefault(pid, []).append(record)
    together = next(records for records in persons.values() if len(records) >= 2)
    a, b = together[0], together[1]
    loners = [records[0] for records in persons.values() if len(records) == 1][:2]
    StewardDecision.objects.create(
        record_a_id=a, record_b_id=b, ruling="different", reason="checked", decided_by=steward
    )
    StewardDecision.objects.create(
        record_a_id=loners[0],
        record_b_id=loners[1],
        ruling="same",
        reason="checked",
        decided_by=steward,
    )
    for _ in range(2):
        link(incremental=False)
        after = index()
        assert after[a] != after[b]
        assert after[loners[0]] == after[loners[1]]
        assert LinkedRecord.objects.get(person_record_id=loners[0]).basis == "steward"


def test_records_with_different_nhs_numbers_are_never_one_person(authority, tmp_path):
    load(authority)
    # Copy the GP extract as a second health source whose NHS numbers all differ.
    copy = tmp_path / "GP2"
    shutil.copytree(authority / "GP", copy)
    meta = (copy / "extract.json").read_text().replace('"GP"', '"GP2"')
    (copy / "extract.json").write_text(meta)
    people = (copy / "people.csv").read_text(encoding="utf-8-sig")
    changed = re.sub(r"\b999\d{7}\b", lambda m: another_valid_nhs_number(m.group()), people)
    (copy / "people.csv").write_text(changed, encoding="utf-8")
    toml = (authority / "sources.toml").read_text()
    gp = toml[toml.index('code = "GP"') :].split("[[source]]")[0]
    (tmp_path / "gp2.toml").write_text("[[source]]\n" + gp.replace('"GP"', '"GP2"'))
    load_sources(tmp_path / "gp2.toml")
    imported = ingest("GP2", [copy], "tests").extract_import
    gp = PersonRecord.objects.filter(source__code="GP")
    assert imported.people_accepted >= gp.count()  # corrupt numbers were replaced too
    link()
    numbers: dict[str, set[str]] = {}
    for pid, nhs in LinkedRecord.objects.exclude(person_record__nhs_number="").values_list(
        "person_id", "person_record__nhs_number"
    ):
        numbers.setdefault(pid, set()).add(nhs)
    assert numbers and all(len(n) == 1 for n in numbers.values())


def test_export_index_writes_every_record(authority, tmp_path):
    from django.core.management import call_command

    load(authority)
    link()
    out = tmp_path / "index.csv"
    call_command("export-index", str(out))
    lines = out.read_text().splitlines()
    assert lines[0] == "source,source_record_id,person_id,match_probability"
    assert len(lines) - 1 == PersonRecord.objects.count()
    source, record_id, person_id, probability = lines[1].split(",")
    assert (
        LinkedRecord.objects.get(
            person_record__source__code=source, person_record__source_record_id=record_id
        ).person_id
        == person_id
    )
    assert 0.0 < float(probability) <= 1.0


def test_an_incremental_run_keeps_the_review_queue(authority):
    from familyview.identity.models import ReviewPair

    load(authority)
    link()
    waiting = set(ReviewPair.objects.filter(status="open").values_list("record_a", "record_b"))
    assert waiting
    run = link()  # nothing new: an incremental run scores nothing
    assert run.mode == "incremental"
    assert (
        set(ReviewPair.objects.filter(status="open").values_list("record_a", "record_b")) == waiting
    )


def test_a_run_refuses_to_overwrite_a_stewards_change_made_meanwhile(authority):
    from familyview.identity.linkage import IndexChanged, _refuse_if_changed, index_version

    load(authority)
    link()
    version = index_version()
    records = list(index())[:2]
    StewardDecision.objects.create(
        record_a_id=records[0],
        record_b_id=records[1],
        ruling="different",
        reason="checked",
        decided_by=User.objects.create(username="meanwhile"),
    )
    with pytest.raises(IndexChanged, match="nothing was written"):
        _refuse_if_changed(version)


def test_a_record_changed_by_a_newer_snapshot_is_linked_again(authority, tmp_path):
    load(authority)
    link()
    before = index()
    # A newer GP snapshot in which one person's record gains a different, valid NHS number
    # from another person's record: it must leave that person at the next incremental run.
    # A GP record whose person also holds another source's record with the same number.
    gp = PersonRecord.objects.filter(source__code="GP").exclude(nhs_number="")
    record = next(
        r
        for r in gp
        if PersonRecord.objects.filter(
            pk__in=[x for x, p in before.items() if p == before[r.pk]],
            nhs_number=r.nhs_number,
        )
        .exclude(source__code="GP")
        .exists()
    )
    other = gp.exclude(pk=record.pk).exclude(nhs_number=record.nhs_number).first()
    copy = tmp_path / "GP"
    shutil.copytree(authority / "GP", copy)
    meta = json.loads((copy / "extract.json").read_text())
    meta["extracted_at"] = "2026-11-26T01:00:00Z"
    (copy / "extract.json").write_text(json.dumps(meta))
    people = (copy / "people.csv").read_text(encoding="utf-8-sig")
    (copy / "people.csv").write_text(people.replace(record.nhs_number, other.nhs_number, 1))
    outcome = ingest("GP", [copy], "tests")
    assert outcome.ok and outcome.extract_import.records_changed >= 1, (
        outcome.extract_import.message
    )
    run = link()
    assert run.mode == "incremental"
    after = index()
    assert (
        after[record.pk] != before[record.pk]
        or len([r for r, p in after.items() if p == after[record.pk]]) == 1
    )
    numbers = set(
        PersonRecord.objects.filter(pk__in=[r for r, p in after.items() if p == after[record.pk]])
        .exclude(nhs_number="")
        .values_list("nhs_number", flat=True)
    )
    assert len(numbers) == 1


def test_a_level_em_gave_almost_no_true_pairs_weighs_a_little_not_everything():
    model = {
        "comparisons": [
            {
                "output_column_name": "date_of_birth",
                "comparison_levels": [
                    {"is_null_level": True},
                    {"m_probability": 0.98, "u_probability": 0.0005},
                    {"m_probability": 8.5e-9, "u_probability": 0.0018},
                    {"u_probability": None},
                ],
            }
        ]
    }
    floored = with_m_floor(model)
    levels = floored["comparisons"][0]["comparison_levels"]
    assert [level.get("m_probability") for level in levels] == [None, 0.98, M_FLOOR, None]
    assert model["comparisons"][0]["comparison_levels"][2]["m_probability"] == 8.5e-9


def test_the_review_queue_asks_once_about_two_persons(authority):
    from familyview.identity.models import ReviewPair

    load(authority)
    link()
    person = index()
    open_pairs = list(ReviewPair.objects.filter(status="open").values_list("record_a", "record_b"))
    asked = [frozenset((person[a], person[b])) for a, b in open_pairs]
    assert asked and all(len(p) == 2 for p in asked)
    # One question per two persons, however many records each holds.
    assert len(asked) == len(set(asked))
    # A steward who says "different people" answers for the two persons: no other pair
    # of their records comes back at the next run.
    size = Counter(person.values())
    a, b = max(open_pairs, key=lambda p: (size[person[p[0]]] * size[person[p[1]]], p))
    StewardDecision.objects.create(
        record_a_id=a,
        record_b_id=b,
        ruling="different",
        reason="checked",
        decided_by=User.objects.create(username="steward"),
    )
    link(incremental=False)
    person = index()
    again = {
        frozenset((person[x], person[y]))
        for x, y in ReviewPair.objects.filter(status="open").values_list("record_a", "record_b")
    }
    assert frozenset((person[a], person[b])) not in again


def test_an_incremental_run_still_asks_once_about_two_persons(authority):
    from familyview.identity.models import ReviewPair

    load(authority, codes=["GP", "SCHOOLS", "HOUSING", "POLICE"])
    link()
    load(authority)
    run = link()
    assert run.mode == "incremental"
    person = index()
    waiting = ReviewPair.objects.filter(status__in=["open", "not_sure"])
    asked = [
        frozenset((person[a], person[b])) for a, b in waiting.values_list("record_a", "record_b")
    ]
    assert asked and all(len(p) == 2 for p in asked)
    assert len(asked) == len(set(asked))
