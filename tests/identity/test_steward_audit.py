"""A data steward's reads and rulings are audited like any other: the person and pair
pages (whole source records) write one read each, naming the persons shown; a merge, a
split, a ruling on a pair and a batch of confirmed duplicates write one event each naming
the persons and records they touched; another authority's person is a refused read."""

import pytest
from django.test import Client

from familyview.access.models import Role
from familyview.access.policy import staff_for
from familyview.audit.actions import Action, ReadRefusal
from familyview.audit.models import AuditEvent
from familyview.audit.queries import AuditSearch, search_events
from familyview.identity.models import StewardDecision
from familyview.identity.stewardship import StewardshipRefused
from familyview.pipeline.steward_changes import (
    confirm_duplicates,
    decide_pair,
    merge_persons,
    split_records,
)
from familyview.privacy.log_scope import scope_for
from tests.identity.test_stewardship import a_person, a_record, a_review_pair, a_run, a_source
from tests.web.factories import create_authority, create_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def authority():
    return create_authority("stockport", "Stockport")


@pytest.fixture
def steward(authority):
    return create_staff(Role.DATA_STEWARD, authority)


@pytest.fixture
def index(authority):
    csc, gp = a_source(authority, "CSC"), a_source(authority, "GP")
    run = a_run()
    records = {
        "csc1": a_record(csc),
        "gp1": a_record(gp),
        "gp2": a_record(gp, given_name="Bob"),
        "csc2": a_record(csc, given_name="Anne"),
        "csc3": a_record(csc, given_name="Anna"),
    }
    big = a_person(run, records["csc1"], records["gp1"], records["gp2"])
    small = a_person(run, records["csc2"])
    third = a_person(run, records["csc3"])
    pair = a_review_pair(run, records["gp1"], records["csc2"], p=0.93)
    within = a_review_pair(run, records["csc2"], records["csc3"], p=0.91)
    return {"big": big, "small": small, "third": third, "pair": pair, "within": within, **records}


def written(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__gt=since).order_by("sequence"))


def last_sequence() -> int:
    event = AuditEvent.objects.order_by("-sequence").first()
    return event.sequence if event else 0


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_steward_person_page_writes_one_read_naming_the_person(index, steward, authority):
    before = last_sequence()
    response = signed_in(steward).get(f"/steward/persons/{index['big'].pk}")
    assert response.status_code == 200
    [event] = written(before)
    assert (event.action, event.outcome, event.level) == (
        Action.STEWARD_PERSON_VIEWED,
        "allowed",
        "summary",
    )
    assert event.subjects == [index["big"].pk]
    assert sorted(event.details["records"]) == sorted(index[k].pk for k in ("csc1", "gp1", "gp2"))
    assert (event.authority_id, event.role, event.user_id) == (
        authority.pk,
        "data_steward",
        steward.pk,
    )


def test_the_review_pair_page_writes_one_read_naming_both_persons(index, steward):
    before = last_sequence()
    response = signed_in(steward).get(f"/steward/review/{index['pair'].pk}")
    assert response.status_code == 200
    [event] = written(before)
    assert event.action == Action.STEWARD_PAIR_VIEWED
    assert event.subjects == [index["big"].pk, index["small"].pk]
    assert event.details == {
        "pair": index["pair"].pk,
        "records": [index["gp1"].pk, index["csc2"].pk],
    }


def test_a_ruling_on_a_pair_writes_one_event_naming_the_persons_and_records(index, steward):
    before = last_sequence()
    decide_pair(index["pair"].pk, "same", steward, "Same GP")
    [event] = written(before)
    assert event.action == Action.STEWARD_PAIR_DECIDED
    assert set(event.subjects) == {index["big"].pk, index["small"].pk}
    assert event.details["ruling"] == "same"
    assert event.details["records"] == [index["gp1"].pk, index["csc2"].pk]
    assert event.details["records_moved"] == [index["csc2"].pk]
    assert "Same GP" not in str(event.details)  # never the reason: it can quote a name


def test_a_new_ruling_names_the_decision_it_withdraws(index, steward):
    decide_pair(index["pair"].pk, "different", steward, "Different mothers")
    index["pair"].refresh_from_db()
    index["pair"].status = "open"
    index["pair"].save()
    first = StewardDecision.objects.get()
    before = last_sequence()
    decide_pair(index["pair"].pk, "same", steward, "Looking again")
    [event] = written(before)
    assert (event.details["ruling"], event.details["withdrawn_decisions"]) == ("same", [first.pk])


def test_a_merge_and_a_split_write_one_event_each(index, steward):
    before = last_sequence()
    merge_persons(index["big"].pk, index["small"].pk, steward, "Same child")
    [merge] = written(before)
    assert merge.action == Action.STEWARD_MERGE
    assert merge.subjects == [index["big"].pk, index["small"].pk]
    assert merge.details["records_moved"] == [index["csc2"].pk]

    before = last_sequence()
    outcome = split_records(index["big"].pk, [index["gp2"].pk], steward, "Bob is his brother")
    [split] = written(before)
    assert split.action == Action.STEWARD_SPLIT
    assert split.subjects == [index["big"].pk, outcome.new_person_id]
    assert split.details["records_moved"] == [index["gp2"].pk]


def test_confirming_duplicates_writes_one_event_for_the_batch(index, steward):
    before = last_sequence()
    confirm_duplicates([index["within"].pk], steward, "CSC holds her twice")
    [event] = written(before)
    assert event.action == Action.STEWARD_DUPLICATES_CONFIRMED
    assert set(event.subjects) >= {index["small"].pk, index["third"].pk}
    assert event.details["pairs"] == [index["within"].pk]


def test_a_refused_merge_is_audited_as_refused(index, steward):
    before = last_sequence()
    with pytest.raises(StewardshipRefused):
        merge_persons(index["big"].pk, "P0000000000000000", steward, "Same child")
    [event] = written(before)
    assert (event.action, event.outcome, event.subjects) == (Action.STEWARD_MERGE, "refused", [])


def test_another_authoritys_person_and_pair_are_refused_reads_the_privacy_officer_finds(index):
    elsewhere = create_authority("leeds", "Leeds")
    prober = create_staff(Role.DATA_STEWARD, elsewhere)
    client = signed_in(prober)
    before = last_sequence()
    assert client.get(f"/steward/persons/{index['big'].pk}").status_code == 404
    assert client.get(f"/steward/review/{index['pair'].pk}").status_code == 404
    person_refused, pair_refused = written(before)
    for event in (person_refused, pair_refused):
        assert (event.action, event.outcome, event.subjects) == (
            Action.READ_REFUSED,
            "refused",
            [],
        )
        assert event.details["why"] == ReadRefusal.NOT_FOUND
        assert event.authority_id == elsewhere.pk
    assert person_refused.details["person_asked_for"] == index["big"].pk
    assert pair_refused.details["pair_asked_for"] == index["pair"].pk

    privacy_officer = staff_for(create_staff(Role.PRIVACY_OFFICER, elsewhere))
    found = search_events(scope_for(privacy_officer), AuditSearch(user_id=prober.pk))
    assert [e.sequence for e in found] == [person_refused.sequence, pair_refused.sequence]
