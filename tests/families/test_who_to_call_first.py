"""What the family page's first screen is made of, from the network: who lives with the
child, the order a worker calls in (the adults at home first), each member's services now
and those ended recently (the window per service from the display rules), who may be the
same person, and how fresh each source is."""

from datetime import UTC, date, datetime

import pytest

from familyview.access.factories import create_authority, create_staff
from familyview.access.models import Role
from familyview.families.building import build_families
from familyview.families.factories import (
    create_involvement,
    create_person,
    create_relationship,
    create_review_pair,
)
from familyview.families.models import FamilyLink
from familyview.families.network import Viewer, family_network
from familyview.identity.models import LinkedRecord, ReviewPair, StewardDecision
from familyview.sources.factories import create_import, create_person_record, create_source

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)
HOME = {"address_line1": "4 Princess Terrace", "postcode": "SK4 2BD", "uprn": "9001"}


@pytest.fixture
def authority():
    return create_authority("stockport")


@pytest.fixture
def viewer(authority) -> Viewer:
    return Viewer(role="practitioner", authority_id=authority.id)


def a_source(authority, code, category, extracted_at, every=7):
    source = create_source(
        authority,
        code=code,
        name=f"{code} system",
        service_category=category,
        duty_phone="0161 496 0999",
        expected_every_days=every,
    )
    return create_import(source, extracted_at=extracted_at)


@pytest.fixture
def csc(authority):
    return a_source(authority, "CSC", "childrens_social_care", datetime(2026, 12, 7, 2, tzinfo=UTC))


@pytest.fixture
def police(authority):
    return a_source(authority, "POL", "police", datetime(2026, 11, 19, 2, tzinfo=UTC))


def someone(extract_import, given, family="Doyle", born=(2016, 5, 28), **fields):
    year, month, day = born
    record = create_person_record(
        extract_import,
        given_name=given,
        family_name=family,
        birth_year=year,
        birth_month=month,
        birth_day=day,
        **fields,
    )
    return create_person(record), record


def also_known_to(extract_import, person, **fields):
    """Another source's record of the same person."""
    record = create_person_record(extract_import, **fields)
    LinkedRecord.objects.create(
        person_record=record,
        person=person,
        match_probability=1,
        basis="model",
        linked_by_run=person.created_by_run,
    )
    return record


def network(child, viewer):
    return family_network(child.id, viewer, today=TODAY)


@pytest.fixture
def doyles(csc, police):
    """Sophia, her mother living elsewhere, her grandfather and carer at home with
    domestic-abuse offences ended a year ago, her brother at home, and a lodger."""
    sophia, s = someone(csc, "Sophia", **HOME)
    deborah, d = someone(
        csc, "Deborah", born=(1981, 11, 16), address_line1="7 Hawthorn Grove", postcode="SK7 1AA"
    )
    patrick, p = someone(csc, "Patrick", born=(1959, 8, 11), **HOME)
    harrison, h = someone(csc, "Harrison", born=(2012, 8, 22), **HOME)
    lodger, _ = someone(csc, "Gurmeet", family="West", born=(1959, 10, 1), **HOME)
    create_relationship(csc, s, d, "mother")
    create_relationship(csc, s, p, "carer")
    create_relationship(csc, s, h, "sibling")
    create_involvement(
        police,
        also_known_to(police, patrick),
        status="historic",
        start_date=date(2024, 12, 3),
        end_date=date(2025, 12, 28),
        lead_name="",
        lead_phone="",
        lead_email="",
        details={
            "offences": [
                {"date": "2025-11-28", "type": "domestic abuse", "involvement": "offender"},
                {"date": "2025-03-28", "type": "domestic abuse", "involvement": "suspect"},
            ]
        },
    )
    create_involvement(csc, s, status="historic", end_date=date(2023, 12, 12))
    create_involvement(csc, s, status="historic", end_date=date(2025, 6, 30))
    build_families()
    return {
        "sophia": sophia,
        "deborah": deborah,
        "patrick": patrick,
        "harrison": harrison,
        "lodger": lodger,
    }


def test_the_adults_living_with_the_child_come_first_then_parents_elsewhere(doyles, viewer):
    net = network(doyles["sophia"], viewer)
    order = [m.person_id for m in net.who_to_call_first]
    assert order == [
        doyles["patrick"].id,  # carer at home
        doyles["lodger"].id,  # an adult at home
        doyles["deborah"].id,  # the mother, elsewhere
        doyles["sophia"].id,
        doyles["harrison"].id,  # at home, but a child
    ]
    lives_with = {m.display_name: m.lives_with_child for m in net.members}
    assert lives_with == {
        "Sophia Doyle": False,  # the child herself
        "Patrick Doyle": True,
        "Gurmeet West": True,
        "Deborah Doyle": False,
        "Harrison Doyle": True,
    }


def test_someone_who_lived_at_the_address_only_before_does_not_live_with_the_child(csc, viewer):
    child, c = someone(csc, "Sophia", **HOME)
    _father, f = someone(csc, "Patrick", born=(1979, 1, 1), **HOME)
    create_relationship(csc, c, f, "father")
    build_families()
    # The shared address's period ended in January (he moved out).
    FamilyLink.objects.filter(relationship_type="household_member").update(
        end_date=date(2026, 1, 31)
    )
    (dad,) = network(child, viewer).parents_and_carers
    assert not dad.lives_with_child


def test_safeguarding_services_ended_within_their_window_are_among_who_to_call(doyles, viewer):
    net = network(doyles["sophia"], viewer)
    by_name = {m.display_name: m for m in net.members}
    (police,) = by_name["Patrick Doyle"].recent_involvements
    assert police.service_category == "police" and police.end_date == date(2025, 12, 28)
    assert [(o.nature, o.date) for o in police.offences] == [
        ("offender", date(2025, 11, 28)),
        ("suspect", date(2025, 3, 28)),
    ]
    assert police.lead_professional is None and police.duty_phone == "0161 496 0999"
    # Two ended children's social care involvements: one ended 17 months ago, in view;
    # one three years ago, out of it (24 months by default).
    (recent,) = by_name["Sophia Doyle"].recent_involvements
    assert recent.end_date == date(2025, 6, 30)
    assert len(by_name["Sophia Doyle"].involvements) == 2


def test_two_members_in_the_review_queue_together_may_be_one_person(csc, viewer):
    child, c = someone(csc, "Sophia", **HOME)
    jake, j1 = someone(csc, "Jake", born=(2012, 3, 1), **HOME)
    jaje, j2 = someone(csc, "Jaje", born=(2012, 3, 1), postcode="SK4 2BD")
    create_relationship(csc, c, j1, "sibling")
    create_relationship(csc, c, j2, "sibling")
    create_review_pair(j1, j2)
    build_families()
    net = network(child, viewer)
    (pair,) = net.possibly_one_person
    assert set(pair.person_ids) == {jake.id, jaje.id} and pair.being_checked
    (other, checking) = net.may_be_one_person_with(jake.id)[0]
    assert (other.person_id, checking) == (jaje.id, True)
    assert net.may_be_one_person_with(jaje.id)[0][0].person_id == jake.id
    assert net.may_be_one_person_with(child.id) == ()


def test_a_pair_a_steward_decided_is_no_longer_in_doubt(csc, viewer):
    child, c = someone(csc, "Sophia", **HOME)
    _jake, j1 = someone(csc, "Jake", born=(2012, 3, 1))
    _jaje, j2 = someone(csc, "Jaje", born=(2011, 3, 1))
    create_relationship(csc, c, j1, "sibling")
    create_relationship(csc, c, j2, "sibling")
    create_review_pair(j1, j2, status=ReviewPair.Status.DECIDED)
    build_families()
    assert network(child, viewer).possibly_one_person == ()


def test_two_women_born_the_same_day_at_one_address_under_two_surnames_may_be_one(
    csc, authority, viewer
):
    child, c = someone(csc, "Sophia", **HOME)
    mum, m = someone(csc, "Gurmeet", family="Doyle", born=(1981, 10, 1), **HOME)
    other, o = someone(csc, "Gurmeet", family="Singh", born=(1981, 10, 1), uprn="9001")
    twin, _t = someone(csc, "Amrit", family="Singh", born=(1981, 10, 1), uprn="9001")
    create_relationship(csc, c, m, "mother")
    build_families()
    net = network(child, viewer)
    assert {o_.person_id for o_ in net.household} == {other.id, twin.id}
    (pair,) = net.possibly_one_person  # not the twin: another given name
    assert set(pair.person_ids) == {mum.id, other.id} and not pair.being_checked

    steward = create_staff(Role.DATA_STEWARD, authority)
    StewardDecision.objects.create(
        record_a=m, record_b=o, ruling="different", reason="Two sisters", decided_by=steward
    )
    assert network(child, viewer).possibly_one_person == ()


def test_no_look_alike_is_said_of_a_shielded_person(csc, viewer):
    child, c = someone(csc, "Sophia", **HOME)
    _mum, m = someone(csc, "Gurmeet", born=(1981, 10, 1), restricted=True, **HOME)
    _other, _o = someone(csc, "Gurmeet", family="Singh", born=(1981, 10, 1), **HOME)
    create_relationship(csc, c, m, "mother")
    build_families()
    # "They share an address" would say where a shielded person lives.
    assert network(child, viewer).possibly_one_person == ()


def test_each_source_says_how_often_it_should_arrive_and_when_it_last_did(doyles, viewer):
    net = network(doyles["sophia"], viewer)
    by_code = {s.code: s for s in net.sources}
    assert (by_code["CSC"].days_since_update, by_code["CSC"].stale) == (0, False)
    assert by_code["CSC"].freshness_words == "Updated weekly, last update today"
    police = by_code["POL"]
    assert police.days_since_update == 18
    assert police.freshness_words == "Updated weekly, last update 18 days ago"


def test_the_first_screens_facts_keep_the_networks_query_budget(
    doyles, csc, viewer, django_assert_max_num_queries
):
    a = create_person_record(csc, given_name="Harry", family_name="Doyle")
    LinkedRecord.objects.create(
        person_record=a,
        person=doyles["harrison"],
        match_probability=1,
        basis="model",
        linked_by_run=doyles["harrison"].created_by_run,
    )
    create_review_pair(
        a, LinkedRecord.objects.filter(person=doyles["patrick"]).first().person_record
    )
    # The family links, the persons (2), their involvements with their services' names,
    # the sources, the pairs in doubt: six.
    with django_assert_max_num_queries(6):
        net = network(doyles["sophia"], viewer)
    assert len(net.possibly_one_person) == 1
