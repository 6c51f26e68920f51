"""A data steward's rulings: decide a review pair, merge persons, split records; each
recorded with who and why, refused clearly when it cannot be done, and obeyed by every
later `familyview link`."""

from pathlib import Path

import pytest

from familyview.access.models import Role
from familyview.identity import stewardship
from familyview.identity.models import (
    IdentityChange,
    LinkedRecord,
    LinkRun,
    Person,
    ReviewPair,
    StewardDecision,
)
from familyview.identity.queries import next_open_pair_id, review_queue
from familyview.identity.stewardship import NotFound, StewardshipRefused
from familyview.pipeline.imports import ingest
from familyview.pipeline.linking import link
from familyview.pipeline.steward_changes import (
    confirm_duplicates,
    decide_pair,
    merge_persons,
    split_records,
)
from familyview.sources.factories import create_import, create_person_record, create_source
from familyview.sources.models import PersonRecord
from familyview.sources.registry import load_sources
from familyview.synth.generator import generate
from tests.web.factories import create_authority, create_staff

pytestmark = pytest.mark.django_db


# A small index built by hand (the helpers are shared with the steward page tests)


def a_source(authority, code: str):
    return create_import(create_source(authority, code=code))


def a_record(extract_import, **fields) -> PersonRecord:
    defaults = {"given_name": "Ann", "family_name": "Smith", "birth_year": 2012}
    return create_person_record(extract_import, **{**defaults, **fields})


def a_run() -> LinkRun:
    return LinkRun.objects.create(mode=LinkRun.Mode.FULL)


def a_person(run: LinkRun, *records: PersonRecord, basis: str = "model") -> Person:
    """A person holding these records, as a link run would have left it."""
    person = Person.objects.create(created_by_run=run)
    LinkedRecord.objects.bulk_create(
        LinkedRecord(
            person_record=r,
            person=person,
            match_probability=0.995 if len(records) > 1 else 1.0,
            basis=basis if len(records) > 1 else "alone",
            linked_by_run=run,
        )
        for r in records
    )
    return person


def a_review_pair(run: LinkRun, a: PersonRecord, b: PersonRecord, p: float = 0.9, **fields):
    return ReviewPair.objects.create(
        record_a=a,
        record_b=b,
        match_probability=p,
        match_weight=fields.pop("match_weight", 3.2),
        explanation=fields.pop("explanation", []),
        found_by_run=run,
        **fields,
    )


def person_of(record: PersonRecord) -> str:
    return LinkedRecord.objects.get(person_record=record).person_id


@pytest.fixture
def authority():
    return create_authority("stockport", "Stockport")


@pytest.fixture
def steward(authority):
    return create_staff(Role.DATA_STEWARD, authority)


@pytest.fixture
def index(authority):
    """Two sources; person `big` holds three records, `small` one, and a pair to review."""
    csc, gp = a_source(authority, "CSC"), a_source(authority, "GP")
    run = a_run()
    records = {
        "csc1": a_record(csc, nhs_number=""),
        "gp1": a_record(gp),
        "gp2": a_record(gp, given_name="Bob"),
        "csc2": a_record(csc, given_name="Anne"),
    }
    big = a_person(run, records["csc1"], records["gp1"], records["gp2"])
    small = a_person(run, records["csc2"])
    pair = a_review_pair(run, records["gp1"], records["csc2"], p=0.93)
    return {"run": run, "big": big, "small": small, "pair": pair, **records}


# Deciding a review pair


def test_the_same_person_merges_the_smaller_person_into_the_larger(index, steward):
    outcome = decide_pair(index["pair"].pk, "same", steward, "  Same GP and school  ")

    decision = StewardDecision.objects.get()
    assert (decision.record_a, decision.record_b) == (index["gp1"], index["csc2"])
    assert (decision.ruling, decision.reason, decision.decided_by) == (
        "same",
        "Same GP and school",
        steward,
    )
    index["pair"].refresh_from_db()
    assert index["pair"].status == ReviewPair.Status.DECIDED
    moved = LinkedRecord.objects.get(person_record=index["csc2"])
    assert moved.person_id == index["big"].pk
    assert (moved.basis, moved.match_probability) == ("steward", 1.0)
    index["small"].refresh_from_db()
    assert index["small"].retired_at is not None
    change = IdentityChange.objects.get()
    assert (change.kind, change.person_id, change.other_persons, change.records) == (
        "merge",
        index["big"].pk,
        [index["small"].pk],
        [index["csc2"].pk],
    )
    assert (change.steward, change.reason, change.run) == (steward, "Same GP and school", None)
    assert outcome.person_id == index["big"].pk
    assert index["small"].pk in outcome.effect


def test_the_same_person_warns_of_hard_rules_the_next_run_would_apply(index, steward):
    # The CSC record left in the larger person makes two records of one source.
    outcome = decide_pair(index["pair"].pk, "same", steward, "checked")

    assert len(outcome.warnings) == 1
    assert "two different records of one source (CSC)" in outcome.warnings[0]


def test_different_people_held_by_one_person_moves_record_b_out(index, steward):
    pair = a_review_pair(index["run"], index["gp1"], index["gp2"])

    outcome = decide_pair(pair.pk, "different", steward, "Different mothers")

    assert StewardDecision.objects.get().ruling == "different"
    assert person_of(index["gp1"]) == person_of(index["csc1"]) == index["big"].pk
    new = person_of(index["gp2"])
    assert new not in (index["big"].pk, index["small"].pk)
    assert outcome.new_person_id == new
    change = IdentityChange.objects.get()
    assert (change.kind, change.person_id, change.other_persons, change.records) == (
        "split",
        index["big"].pk,
        [new],
        [index["gp2"].pk],
    )
    assert change.steward == steward


def test_different_people_in_two_persons_changes_no_person(index, steward):
    before = dict(LinkedRecord.objects.values_list("person_record_id", "person_id"))

    outcome = decide_pair(index["pair"].pk, "different", steward, "Different dates of birth")

    assert dict(LinkedRecord.objects.values_list("person_record_id", "person_id")) == before
    assert StewardDecision.objects.get().ruling == "different"
    assert not IdentityChange.objects.exists()
    assert "not one person" in outcome.effect


def leeds_record_in(person: Person, run: LinkRun) -> PersonRecord:
    """A record of another authority that a link run put in this person."""
    record = a_record(create_import(create_source(create_authority("leeds", "Leeds"))))
    LinkedRecord.objects.create(
        person_record=record,
        person=person,
        match_probability=0.99,
        basis="model",
        linked_by_run=run,
    )
    return record


def test_a_ruling_on_a_person_with_records_this_steward_cannot_see_waits_for_the_run(
    index, steward
):
    leeds_record_in(index["small"], index["run"])
    inside = a_review_pair(index["run"], index["gp1"], index["gp2"])
    leeds_record_in(index["big"], index["run"])
    before = dict(LinkedRecord.objects.values_list("person_record_id", "person_id"))

    joined = decide_pair(index["pair"].pk, "same", steward, "checked")
    apart = decide_pair(inside.pk, "different", steward, "checked")

    assert joined.effect == stewardship.NEXT_RUN_JOINS
    assert apart.effect == stewardship.NEXT_RUN_SEPARATES
    assert dict(LinkedRecord.objects.values_list("person_record_id", "person_id")) == before
    assert StewardDecision.objects.count() == 2
    assert not IdentityChange.objects.exists()


def test_different_people_joined_by_a_steward_are_separated_by_the_next_run(index, steward):
    StewardDecision.objects.create(
        record_a=index["csc1"], record_b=index["gp2"], ruling="same", reason="x", decided_by=steward
    )
    inside = a_review_pair(index["run"], index["gp1"], index["gp2"])

    outcome = decide_pair(inside.pk, "different", steward, "checked")

    assert outcome.effect == stewardship.NEXT_RUN_SEPARATES
    assert person_of(index["gp2"]) == index["big"].pk


def test_not_sure_keeps_the_pair_in_the_queue_after_the_open_ones(index, steward, authority):
    weaker = a_review_pair(index["run"], index["csc1"], index["csc2"], p=0.6)

    decide_pair(index["pair"].pk, "not_sure", steward, "Need to ask the school")

    index["pair"].refresh_from_db()
    assert index["pair"].status == ReviewPair.Status.NOT_SURE
    assert (index["pair"].not_sure_by, index["pair"].not_sure_reason) == (
        steward,
        "Need to ask the school",
    )
    assert index["pair"].not_sure_at is not None
    assert not StewardDecision.objects.exists()
    queue = [p.pk for p in review_queue([authority.pk])]
    assert queue == [weaker.pk, index["pair"].pk]
    assert next_open_pair_id([authority.pk]) == weaker.pk
    # Not sure can still be decided later.
    decide_pair(index["pair"].pk, "same", steward, "The school confirmed")
    assert StewardDecision.objects.count() == 1


@pytest.mark.parametrize(
    ("ruling", "reason", "message"),
    [
        ("same", "", "Enter the reason for your decision"),
        ("same", "   ", "Enter the reason for your decision"),
        ("maybe", "checked", "Select whether these records are the same person"),
    ],
)
def test_a_ruling_needs_a_reason_and_a_known_answer(index, steward, ruling, reason, message):
    with pytest.raises(StewardshipRefused, match=message):
        decide_pair(index["pair"].pk, ruling, steward, reason)

    assert not StewardDecision.objects.exists()


def test_a_decided_pair_cannot_be_decided_again(index, steward):
    decide_pair(index["pair"].pk, "different", steward, "checked")

    with pytest.raises(StewardshipRefused, match="already been decided"):
        decide_pair(index["pair"].pk, "same", steward, "changed my mind")


def test_another_authoritys_pair_is_not_found(index, steward):
    leeds = a_source(create_authority("leeds", "Leeds"), "LEEDS-CSC")
    theirs = a_review_pair(index["run"], a_record(leeds), a_record(leeds))

    with pytest.raises(NotFound):
        decide_pair(theirs.pk, "same", steward, "checked")
    with pytest.raises(NotFound):
        decide_pair(999_999, "same", steward, "checked")


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.PRIVACY_OFFICER])
def test_only_stewards_may_decide(index, authority, role):
    with pytest.raises(StewardshipRefused, match="Only data stewards can"):
        decide_pair(index["pair"].pk, "same", create_staff(role, authority), "checked")


def test_an_administrator_may_not_decide(index, authority):
    # Administrators run the service; they are not viewers of family data.
    with pytest.raises(StewardshipRefused):
        decide_pair(index["pair"].pk, "same", create_staff(Role.ADMINISTRATOR, authority), "ok")

    assert not StewardDecision.objects.exists()


# Merging persons


def test_merge_moves_the_other_persons_records_and_retires_it(index, steward):
    outcome = merge_persons(index["small"].pk, index["big"].pk, steward, "One child, three systems")

    for key in ("csc1", "gp1", "gp2", "csc2"):
        assert person_of(index[key]) == index["small"].pk
    index["big"].refresh_from_db()
    assert index["big"].retired_at is not None
    decision = StewardDecision.objects.get()
    assert (decision.record_a_id, decision.record_b_id, decision.ruling) == (
        index["csc2"].pk,
        index["csc1"].pk,
        "same",
    )
    change = IdentityChange.objects.get()
    assert (change.kind, change.person_id, change.other_persons) == (
        "merge",
        index["small"].pk,
        [index["big"].pk],
    )
    assert change.records == sorted([index["csc1"].pk, index["gp1"].pk, index["gp2"].pk])
    assert (change.steward, change.reason) == (steward, "One child, three systems")
    assert outcome.moved_records == change.records
    # The pair waiting between them is no longer uncertain.
    index["pair"].refresh_from_db()
    assert index["pair"].status == ReviewPair.Status.GONE


def test_merge_refusals(index, steward):
    big, small = index["big"].pk, index["small"].pk
    leeds = a_source(create_authority("leeds", "Leeds"), "LEEDS-CSC")
    theirs = a_person(index["run"], a_record(leeds))
    cases = [
        ((small, big, ""), "Enter the reason"),
        ((small, "", "checked"), "Enter the person identifier"),
        ((small, small, "checked"), "cannot merge a person with itself"),
        ((small, "P0000000000000000", "checked"), "There is no person P0000000000000000"),
        ((small, theirs.pk, "checked"), f"There is no person {theirs.pk} in your authority"),
        ((theirs.pk, small, "checked"), f"There is no person {theirs.pk} in your authority"),
    ]
    for args, message in cases:
        with pytest.raises(StewardshipRefused, match=message):
            merge_persons(args[0], args[1], steward, args[2])
    assert not StewardDecision.objects.exists()
    assert not IdentityChange.objects.exists()


def test_a_retired_person_cannot_be_merged(index, steward):
    merge_persons(index["big"].pk, index["small"].pk, steward, "checked")

    with pytest.raises(NotFound, match="There is no person"):
        merge_persons(index["small"].pk, index["big"].pk, steward, "again")


def test_merge_will_not_overrule_a_stewards_different_people(index, steward):
    StewardDecision.objects.create(
        record_a=index["gp2"],
        record_b=index["csc2"],
        ruling="different",
        reason="x",
        decided_by=steward,
    )

    with pytest.raises(StewardshipRefused, match=r"decided on .* are different people"):
        merge_persons(index["big"].pk, index["small"].pk, steward, "checked")
    assert person_of(index["csc2"]) == index["small"].pk


def test_a_person_with_records_of_another_authority_is_left_to_both(index, steward, authority):
    leeds_record_in(index["big"], index["run"])

    with pytest.raises(StewardshipRefused, match="records of another authority"):
        merge_persons(index["small"].pk, index["big"].pk, steward, "checked")
    with pytest.raises(StewardshipRefused, match="records of another authority"):
        split_records(index["big"].pk, [index["gp2"].pk], steward, "checked")


# Splitting records off


def test_split_moves_records_to_a_new_person_kept_apart_from_the_rest(index, steward):
    outcome = split_records(index["big"].pk, [index["gp2"].pk], steward, "Bob is her brother")

    new = Person.objects.get(pk=outcome.new_person_id)
    assert new.created_by_run is None
    assert person_of(index["gp2"]) == new.pk
    assert person_of(index["gp1"]) == person_of(index["csc1"]) == index["big"].pk
    moved = LinkedRecord.objects.get(person_record=index["gp2"])
    assert (moved.basis, moved.match_probability) == ("steward", 1.0)
    decisions = {
        (d.record_a_id, d.record_b_id, d.ruling, d.reason) for d in StewardDecision.objects.all()
    }
    assert decisions == {
        (
            min(index["gp2"].pk, other.pk),
            max(index["gp2"].pk, other.pk),
            "different",
            "Bob is her brother",
        )
        for other in (index["gp1"], index["csc1"])
    }
    change = IdentityChange.objects.get()
    assert (
        change.kind,
        change.person_id,
        change.other_persons,
        change.records,
        change.steward,
    ) == (
        "split",
        index["big"].pk,
        [new.pk],
        [index["gp2"].pk],
        steward,
    )


def test_a_merge_and_a_split_update_the_families_at_once(index, steward):
    from familyview.families.building import build_families
    from familyview.families.factories import create_relationship
    from familyview.families.models import FamilyBuild, FamilyLink

    # Bob's GP record names a mother, also a GP record.
    gp = index["gp2"].source.imports.get()
    mother = a_record(index["gp2"].source.imports.get(), given_name="Mary")
    mum = a_person(index["run"], mother)
    create_relationship(gp, index["gp2"], mother, "mother")
    build_families()

    def family_of(person) -> set[tuple[str, str]]:
        return set(
            FamilyLink.objects.filter(person=person).values_list(
                "related_person", "relationship_type"
            )
        )

    assert family_of(index["big"]) == {(mum.pk, "mother")}
    outcome = split_records(index["big"].pk, [index["gp2"].pk], steward, "Bob is her brother")
    assert family_of(index["big"]) == set()
    assert family_of(outcome.new_person_id) == {(mum.pk, "mother")}
    merge_persons(index["small"].pk, outcome.new_person_id, steward, "Anne's record is Bob's")
    assert family_of(index["small"]) == {(mum.pk, "mother")}
    assert family_of(mum) == {(index["small"].pk, "child")}
    assert FamilyBuild.objects.first().mode == FamilyBuild.Mode.UPDATE


def test_split_refusals(index, steward):
    big = index["big"].pk
    everything = [index[k].pk for k in ("csc1", "gp1", "gp2")]
    cases = [
        ([index["gp2"].pk], "", "Enter the reason"),
        ([], "checked", "Select the records to split off"),
        ([index["csc2"].pk], "checked", "Select only records of this person"),
        (everything, "checked", "Leave at least one record"),
    ]
    for records, reason, message in cases:
        with pytest.raises(StewardshipRefused, match=message):
            split_records(big, records, steward, reason)
    with pytest.raises(NotFound):
        split_records("P0000000000000000", [index["gp2"].pk], steward, "checked")
    assert not Person.objects.exclude(pk__in=[big, index["small"].pk]).exists()


def test_split_will_not_overrule_a_stewards_same_person(index, steward):
    StewardDecision.objects.create(
        record_a=index["gp1"], record_b=index["gp2"], ruling="same", reason="x", decided_by=steward
    )

    with pytest.raises(StewardshipRefused, match="are the same person"):
        split_records(index["big"].pk, [index["gp2"].pk], steward, "checked")


# Confirming several duplicates within a source at once


@pytest.fixture
def duplicates(authority):
    """Three CSC records, each its own person, with a pair between each two; and a pair of
    a CSC record with a GP record."""
    csc, gp = a_source(authority, "CSC"), a_source(authority, "GP")
    run = a_run()
    r = {key: a_record(csc) for key in ("c1", "c2", "c3")}
    r["g1"] = a_record(gp)
    persons = {key: a_person(run, record) for key, record in r.items()}
    pairs = {
        "c1c2": a_review_pair(run, r["c1"], r["c2"], p=0.97),
        "c2c3": a_review_pair(run, r["c2"], r["c3"], p=0.96),
        "c1c3": a_review_pair(run, r["c1"], r["c3"], p=0.95),
        "c1g1": a_review_pair(run, r["c1"], r["g1"], p=0.95),
    }
    return {"run": run, "persons": persons, "pairs": pairs, **r}


def test_confirming_duplicates_decides_each_pair_as_one_decision_would(duplicates, steward):
    pairs = duplicates["pairs"]
    ids = [pairs["c1c2"].pk, pairs["c2c3"].pk, pairs["c1c3"].pk]

    confirmed = confirm_duplicates(ids, steward, "  CSC holds her twice: same case history  ")

    # Each pair a StewardDecision, as deciding it on its own page would make; the third
    # needed none, its records already one person through the other two.
    decisions = StewardDecision.objects.order_by("pk")
    assert [(d.record_a_id, d.record_b_id) for d in decisions] == [
        (duplicates["c1"].pk, duplicates["c2"].pk),
        (duplicates["c2"].pk, duplicates["c3"].pk),
    ]
    assert {(d.ruling, d.reason, d.decided_by) for d in decisions} == {
        ("same", "CSC holds her twice: same case history", steward)
    }
    assert len({person_of(duplicates[k]) for k in ("c1", "c2", "c3")}) == 1
    statuses = {k: ReviewPair.objects.get(pk=p.pk).status for k, p in pairs.items()}
    assert statuses == {"c1c2": "decided", "c2c3": "decided", "c1c3": "gone", "c1g1": "open"}
    assert list(confirmed.outcomes) == ids
    assert confirmed.outcomes[ids[2]].effect.startswith("The records were already made one")
    changes = IdentityChange.objects.order_by("pk")
    assert [(c.kind, c.steward, c.reason) for c in changes] == [
        ("merge", steward, "CSC holds her twice: same case history")
    ] * 2


def test_confirming_duplicates_is_all_or_nothing(duplicates, steward, authority):
    pairs = duplicates["pairs"]
    leeds = a_source(create_authority("leeds", "Leeds"), "LEEDS-CSC")
    theirs = a_review_pair(duplicates["run"], a_record(leeds), a_record(leeds))
    decide_pair(pairs["c1c3"].pk, "different", steward, "Twins")
    cases = [
        (([pairs["c1c2"].pk], ""), StewardshipRefused, "Enter the reason"),
        (([], "checked"), StewardshipRefused, "Select the pairs"),
        (
            ([pairs["c1c2"].pk, pairs["c1g1"].pk], "checked"),
            StewardshipRefused,
            f"Pair {pairs['c1g1'].pk} holds records of two sources",
        ),
        (
            ([pairs["c1c2"].pk, pairs["c1c3"].pk], "checked"),
            StewardshipRefused,
            f"Pair {pairs['c1c3'].pk} is no longer waiting for review",
        ),
        (
            ([pairs["c1c2"].pk, theirs.pk], "checked"),
            NotFound,
            f"There is no pair {theirs.pk} in your authority",
        ),
    ]
    for (ids, reason), error, message in cases:
        with pytest.raises(error, match=message):
            confirm_duplicates(ids, steward, reason)
    assert StewardDecision.objects.filter(ruling="same").count() == 0
    assert ReviewPair.objects.get(pk=pairs["c1c2"].pk).status == "open"
    assert len({person_of(duplicates[k]) for k in ("c1", "c2", "c3")}) == 3


def test_confirming_duplicates_updates_the_families_once_as_the_last_merge_left_them(
    duplicates, steward
):
    from familyview.families.building import build_families
    from familyview.families.factories import create_relationship
    from familyview.families.models import FamilyBuild, FamilyLink

    # CSC says c3's mother is another of its records.
    csc = duplicates["c3"].source.imports.get()
    mother = a_record(csc, given_name="Mary", birth_year=1980)
    mum = a_person(duplicates["run"], mother).pk
    create_relationship(csc, duplicates["c3"], mother, "mother")
    build_families()
    pairs = duplicates["pairs"]

    confirm_duplicates([pairs["c1c2"].pk, pairs["c2c3"].pk], steward, "CSC holds her twice")

    one = person_of(duplicates["c1"])
    assert FamilyBuild.objects.count() == 2
    assert FamilyBuild.objects.first().mode == FamilyBuild.Mode.UPDATE
    links = set(FamilyLink.objects.values_list("person", "related_person", "relationship_type"))
    assert {(one, mum, "mother"), (mum, one, "child")} <= links
    assert {p for p, _, _ in links} == {one, mum}


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.PRIVACY_OFFICER])
def test_only_stewards_may_confirm_duplicates(duplicates, authority, role):
    with pytest.raises(StewardshipRefused, match="Only data stewards"):
        confirm_duplicates(
            [duplicates["pairs"]["c1c2"].pk], create_staff(role, authority), "checked"
        )


# Decisions survive real link runs


@pytest.fixture(scope="module")
def synthetic_authority(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("authority")
    generate(people=300, seed=23, out=out)
    return out


def load(folder: Path) -> None:
    for source in load_sources(folder / "sources.toml"):
        if (folder / source.code).is_dir():
            outcome = ingest(source.code, [folder / source.code], "tests")
            assert outcome.ok, outcome.extract_import.message


def persons() -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for record, pid in LinkedRecord.objects.order_by("person_record_id").values_list(
        "person_record_id", "person_id"
    ):
        out.setdefault(pid, []).append(record)
    return out


@pytest.mark.slow
def test_decisions_survive_link_reruns(synthetic_authority, authority, steward):
    load(synthetic_authority)
    link()
    pair = ReviewPair.objects.filter(status="open", why_not_linked="").order_by("pk").first()
    assert pair is not None, "the synthetic authority should leave a pair to review"
    decide_pair(pair.pk, "same", steward, "checked both systems")
    unsure = ReviewPair.objects.filter(status="open").order_by("pk").first()
    decide_pair(unsure.pk, "not_sure", steward, "asked the GP, no answer yet")

    groups = persons()
    pair_persons = {person_of(pair.record_a), person_of(pair.record_b)}
    loners = [
        pid for pid, records in groups.items() if len(records) == 1 and pid not in pair_persons
    ]
    merge_persons(loners[0], loners[1], steward, "one person")
    merged = groups[loners[0]] + groups[loners[1]]

    big = next(
        pid for pid, records in groups.items() if len(records) >= 3 and pid not in pair_persons
    )
    moved, kept = groups[big][-1], groups[big][:-1]
    split_records(big, [moved], steward, "someone else")

    for incremental in (True, False):
        link(incremental=incremental)
        index = dict(LinkedRecord.objects.values_list("person_record_id", "person_id"))
        assert index[pair.record_a_id] == index[pair.record_b_id]
        assert index[merged[0]] == index[merged[1]] == loners[0]
        assert all(index[moved] != index[r] for r in kept)
        assert index[kept[0]] == big
    pair.refresh_from_db()
    assert pair.status == ReviewPair.Status.DECIDED
    # A full run writes the queue again: who was not sure, and why, stays with the pair.
    again = ReviewPair.objects.get(record_a=unsure.record_a_id, record_b=unsure.record_b_id)
    assert again.status == ReviewPair.Status.NOT_SURE
    assert (again.not_sure_by, again.not_sure_reason) == (steward, "asked the GP, no answer yet")
    assert again.not_sure_at is not None


def test_a_pair_marked_not_sure_stays_the_question_about_its_two_persons(index, steward):
    from familyview.identity.linkage import _write_review

    decide_pair(index["pair"].pk, "not_sure", steward, "Need to ask the school")
    # The next run finds another pair of the same two persons stronger (gp2 is big's).
    person = {r.pk: person_of(r) for r in (index["gp1"], index["gp2"], index["csc2"])}
    stronger = [(index["gp2"].pk, index["csc2"].pk, 0.97, "")]
    _write_review(index["run"], stronger, {}, person, None)

    index["pair"].refresh_from_db()
    assert index["pair"].status == ReviewPair.Status.NOT_SURE
    assert index["pair"].not_sure_reason == "Need to ask the school"
    waiting = ReviewPair.objects.filter(status__in=["open", "not_sure"])
    assert list(waiting.values_list("pk", flat=True)) == [index["pair"].pk]


def test_two_marked_pairs_of_two_persons_both_keep_their_marks(index, steward):
    from familyview.identity.linkage import _write_review

    other = a_review_pair(index["run"], index["gp2"], index["csc2"], p=0.8)
    decide_pair(index["pair"].pk, "not_sure", steward, "Need to ask the school")
    decide_pair(other.pk, "not_sure", steward, "Need to ask the GP")
    person = {r.pk: person_of(r) for r in (index["gp1"], index["gp2"], index["csc2"])}
    # This run finds the first marked pair the strongest of the two persons.
    _write_review(index["run"], [(index["gp1"].pk, index["csc2"].pk, 0.97, "")], {}, person, None)

    # A pair this run found again is written anew, with its mark.
    for a, b in ((index["gp1"], index["csc2"]), (index["gp2"], index["csc2"])):
        pair = ReviewPair.objects.get(record_a=a, record_b=b)
        assert pair.status == ReviewPair.Status.NOT_SURE


# One question per two persons after an incremental run (linkage._write_review).


@pytest.fixture
def two_persons(authority):
    csc, gp = a_source(authority, "CSC"), a_source(authority, "GP")
    p1, p2 = a_record(csc), a_record(csc)
    q1, q2 = a_record(gp), a_record(gp)
    return p1, p2, q1, q2, {p1.pk: "P", p2.pk: "P", q1.pk: "Q", q2.pk: "Q"}


def test_a_pair_retired_long_ago_does_not_displace_the_question_waiting(two_persons):
    from familyview.identity.linkage import _write_review

    p1, p2, q1, q2, person_of = two_persons
    run = a_run()
    waiting = a_review_pair(run, p1, q1, p=0.8)  # the question a steward has open
    a_review_pair(run, p2, q2, p=0.7, status="gone")  # retired in an earlier run
    # p2 changed since: this incremental run finds its old pair again, a little stronger.
    _write_review(a_run(), [(p2.pk, q2.pk, 0.85, "")], {}, person_of, rescored={p2.pk})
    waiting.refresh_from_db()
    assert waiting.status == "open"
    assert ReviewPair.objects.filter(status__in=["open", "not_sure"]).count() == 1


def test_a_not_sure_question_that_loses_is_retired_with_its_note(two_persons):
    from familyview.identity.linkage import _write_review

    # Two persons with two "not sure" questions (a steward merged two persons that had
    # one each); this run scores one of them again.
    p1, p2, q1, q2, person_of = two_persons
    run = a_run()
    a_review_pair(run, p1, q1, p=0.9, status="not_sure", not_sure_reason="asked the GP")
    a_review_pair(run, p2, q2, p=0.6, status="not_sure", not_sure_reason="asked the school")
    _write_review(a_run(), [(p2.pk, q2.pk, 0.65, "")], {}, person_of, rescored={p2.pk})
    statuses = dict(ReviewPair.objects.values_list("not_sure_reason", "status"))
    assert statuses == {"asked the GP": "not_sure", "asked the school": "gone"}


def test_a_workers_reported_pair_waits_through_an_incremental_run(two_persons, authority):
    from familyview.access.factories import create_staff as staff_of
    from familyview.identity.linkage import _write_review
    from familyview.identity.models import ProblemReport

    p1, p2, q1, q2, person_of = two_persons
    run = a_run()
    report = ProblemReport.objects.create(
        authority=authority,
        person=Person.objects.create(created_by_run=run),
        same_as=Person.objects.create(created_by_run=run),
        reported_by=staff_of(Role.PRACTITIONER),
        kind=ProblemReport.Kind.SAME_PERSON,
        what="the same boy",
    )
    a_review_pair(run, p1, q1, p=0.9, status="not_sure")
    a_review_pair(run, p2, q2, p=0.6, reported_in=report)
    _write_review(a_run(), [(p2.pk, q2.pk, 0.65, "")], {}, person_of, rescored={p2.pk})
    assert report.review_pairs.filter(status="open").exists()
