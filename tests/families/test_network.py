"""The family network around a child, as a practitioner sees it: members in order, their
relationships with provenance, confidence and disagreements, ages, partial addresses,
shielding, identity confidence, involvements after the display rules, sources and how
current they are; refused for another authority's child; a fixed number of queries."""

from datetime import UTC, date, datetime

import pytest

from familyview.access.factories import create_authority
from familyview.families.building import build_families
from familyview.families.factories import create_involvement, create_person, create_relationship
from familyview.families.network import (
    ChildNotFound,
    FamilyNetwork,
    Viewer,
    family_network,
)
from familyview.identity.models import LinkedRecord
from familyview.involvements.display import WITHHELD_SENSITIVE, WITHHELD_SHIELDED
from familyview.sources.factories import create_import, create_person_record, create_source
from familyview.sources.models import ExtractImport

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
EXTRACTED = datetime(2026, 6, 10, 5, 0, tzinfo=UTC)


@pytest.fixture
def authority():
    return create_authority("stockport")


@pytest.fixture
def viewer(authority) -> Viewer:
    return Viewer(role="practitioner", authority_id=authority.id)


def a_source(authority, code, category, name=None, extracted_at=EXTRACTED, **fields):
    source = create_source(
        authority,
        code=code,
        name=name or f"{code} system",
        service_category=category,
        duty_phone=f"0161 496 {len(code):04d}",
        organisation="Stockport Council",
        **fields,
    )
    return create_import(source, extracted_at=extracted_at)


@pytest.fixture
def csc(authority):
    return a_source(authority, "CSC", "childrens_social_care", "Children's case system")


def someone(extract_import, given, family="Doyle", born=(2014, 3, 2), probability=None, **fields):
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
    return create_person(record, probability=probability), record


def network(child, viewer, **kw) -> FamilyNetwork:
    return family_network(child.id, viewer, today=kw.pop("today", TODAY), **kw)


def test_the_child_then_parents_siblings_household_and_other_family(csc, authority, viewer):
    child, c = someone(
        csc,
        "Matilda",
        born=(2010, 11, 20),
        address_line1="4 Princess Terrace",
        postcode="SK4 2BD",
        uprn="9001",
    )
    mother, m = someone(
        csc, "Deborah", born=(1981, 11, 16), address_line1="7 Hawthorn Grove", postcode="SK7 1AA"
    )
    father, f = someone(csc, "Patrick", born=(1979, 1, 1), uprn="9001")
    sister, s = someone(csc, "Sophia", born=(2016, 5, 28))
    half, h = someone(csc, "Harrison", born=(2012, 8, 22))
    lodger, _ = someone(csc, "Gurmeet", family="West", born=(1959, 10, 1), uprn="9001")
    gran, g = someone(csc, "Gwen", born=(1950, 1, 1))
    create_relationship(csc, c, m, "mother")
    create_relationship(csc, c, f, "father")
    create_relationship(csc, s, m, "mother")
    create_relationship(csc, s, f, "father")
    create_relationship(csc, c, h, "half_sibling")
    create_relationship(csc, c, g, "grandparent")
    build_families()
    net = network(child, viewer)
    assert net.child.person_id == child.id
    assert net.child.group == "child" and net.child.relationships == ()
    assert [m_.person_id for m_ in net.parents_and_carers] == [mother.id, father.id]
    assert [m_.person_id for m_ in net.siblings] == [half.id, sister.id]  # eldest first
    assert [m_.person_id for m_ in net.household] == [lodger.id]
    assert [m_.person_id for m_ in net.other_family] == [gran.id]
    assert [m_.person_id for m_ in net.members][:1] == [child.id]
    assert len(net.members) == 7
    labels = {m_.person_id: [r.label for r in m_.relationships] for m_ in net.members}
    assert labels[father.id] == ["Father", "Lives at the same address"]
    assert labels[sister.id] == ["Sibling"]  # worked out: the same two parents
    assert labels[half.id] == ["Half-sibling"]
    sibling = net.siblings[1].relationships[0]
    assert sibling.provenance[0].kind == "derived"
    assert "the same two parents" in sibling.provenance[0].description


def test_each_member_carries_age_date_of_birth_name_and_partial_address(csc, viewer):
    child, c = someone(
        csc,
        "Matilda",
        born=(2010, 6, 16),
        address_line1="Flat 2, 12a Princess Terrace",
        postcode="SK4 2BD",
    )
    _mother, m = someone(csc, "Deborah", born=(1981, None, None))
    create_relationship(csc, c, m, "mother")
    build_families()
    net = network(child, viewer)
    assert (net.child.display_name, net.child.age, net.child.date_of_birth) == (
        "Matilda Doyle",
        15,  # 16 tomorrow
        "16 June 2010",
    )
    assert net.child.partial_address == "Princess Terrace, SK4"
    mother = net.parents_and_carers[0]
    assert (mother.age, mother.date_of_birth) == (44, "1981")
    assert network(child, viewer, today=date(2026, 6, 16)).child.age == 16
    assert net.today == TODAY


def test_relationships_carry_provenance_confidence_and_disagreement(csc, authority, viewer):
    school = a_source(
        authority,
        "SCH",
        "education",
        "Schools census",
        extracted_at=datetime(2026, 5, 1, tzinfo=UTC),
    )
    child, c1 = someone(csc, "Amy")
    man, m1 = someone(csc, "Paul", born=(1980, 1, 1), probability=0.97)
    c2 = create_person_record(school, given_name="Amy", family_name="Doyle")
    m2 = create_person_record(school, given_name="Paul", family_name="Doyle")
    LinkedRecord.objects.create(
        person_record=c2,
        person=child,
        match_probability=0.99,
        basis="model",
        linked_by_run=child.created_by_run,
    )
    LinkedRecord.objects.create(
        person_record=m2,
        person=man,
        match_probability=0.97,
        basis="model",
        linked_by_run=man.created_by_run,
    )
    create_relationship(csc, c1, m1, "father", start_date=date(2014, 3, 2))
    create_relationship(school, c2, m2, "step_parent")
    build_families()
    (member,) = network(child, viewer).parents_and_carers
    by_type = {r.relationship_type: r for r in member.relationships}
    assert set(by_type) == {"father", "step_parent"}
    assert by_type["father"].disputed and by_type["step_parent"].disputed
    (said,) = by_type["father"].provenance
    assert (said.kind, said.source_code, said.source_name) == (
        "source",
        "CSC",
        "Children's case system",
    )
    assert said.said_at == EXTRACTED
    assert said.since == date(2014, 3, 2)
    assert said.description == "Recorded by Children's case system, since 2 March 2014"
    assert by_type["father"].confidence == pytest.approx(0.95 * 0.97)
    assert by_type["father"].confidence_words == "Very likely"
    assert by_type["step_parent"].provenance[0].said_at == datetime(2026, 5, 1, tzinfo=UTC)
    assert member.identity.probability == pytest.approx(0.97)
    assert member.identity.words == "Sure"
    assert member.identity.records == 2


def test_a_parent_said_from_the_parents_side_joins_the_mother_said_from_the_childs(
    csc, authority, viewer
):
    child, c = someone(csc, "Amy")
    _mother, m = someone(csc, "Deb", born=(1985, 1, 1))
    school = a_source(authority, "SCH", "education")
    m2 = create_person_record(school)
    c2 = create_person_record(school)
    LinkedRecord.objects.create(
        person_record=m2,
        person=_mother,
        match_probability=1,
        basis="model",
        linked_by_run=_mother.created_by_run,
    )
    LinkedRecord.objects.create(
        person_record=c2,
        person=child,
        match_probability=1,
        basis="model",
        linked_by_run=child.created_by_run,
    )
    create_relationship(csc, c, m, "mother")
    create_relationship(school, m2, c2, "child")  # the school says it the other way round
    build_families()
    (member,) = network(child, viewer).parents_and_carers
    (relationship,) = member.relationships
    assert relationship.label == "Mother"
    assert {p.source_code for p in relationship.provenance} == {"CSC", "SCH"}
    assert not relationship.disputed


def test_another_authoritys_child_is_refused_like_one_that_does_not_exist(csc, viewer):
    child, _ = someone(csc, "Amy")
    elsewhere = create_authority("trafford")
    with pytest.raises(ChildNotFound):
        family_network(child.id, Viewer("practitioner", elsewhere.id), today=TODAY)
    with pytest.raises(ChildNotFound):
        family_network("PNOSUCHPERSON0000", viewer, today=TODAY)


def test_involvements_follow_the_display_rules_and_name_their_source(csc, authority, viewer):
    police = a_source(authority, "POL", "police", "Police extract")
    housing = a_source(authority, "HSG", "housing", "Housing system")
    amh = a_source(authority, "AMH", "adult_mental_health", "Mental health records")
    child, c = someone(csc, "Amy", born=(2011, 1, 1))  # 15
    create_involvement(csc, c, team="Assessment Team West", last_contact_date=date(2026, 5, 1))
    create_involvement(csc, c, status="historic", end_date=date(2025, 1, 1))
    create_involvement(housing, c)  # 15: not shown
    child_police = create_person_record(police)
    LinkedRecord.objects.create(
        person_record=child_police,
        person=child,
        match_probability=1,
        basis="model",
        linked_by_run=child.created_by_run,
    )
    create_involvement(
        police,
        child_police,
        details={"offences": [{"date": "2026-01-01", "type": "missing person"}]},
    )
    mother, m = someone(csc, "Deb", born=(1985, 1, 1))
    create_relationship(csc, c, m, "mother")
    m_police = create_person_record(police)
    m_amh = create_person_record(amh)
    for r in (m_police, m_amh):
        LinkedRecord.objects.create(
            person_record=r,
            person=mother,
            match_probability=1,
            basis="model",
            linked_by_run=mother.created_by_run,
        )
    create_involvement(
        police,
        m_police,
        details={
            "offences": [
                {"date": "2026-02-01", "type": "domestic abuse", "involvement": "victim"},
                {"date": "2026-01-01", "type": "theft", "involvement": "offender"},
            ]
        },
    )
    create_involvement(amh, m_amh)
    build_families()
    net = network(child, viewer)
    kid = net.child
    assert [i.service_category for i in kid.involvements] == [
        "childrens_social_care",
        "childrens_social_care",
    ]
    assert kid.involvements[0].current and not kid.involvements[1].current
    assert kid.involvements[0].source.name == "Children's case system"
    assert kid.involvements[0].source.data_current_as_of == EXTRACTED
    # The police know the child, but a 15-year-old's police involvement is not shown:
    # neither is the police as a source of their record.
    assert "Police extract" not in kid.identity.source_names
    assert kid.identity.records == 2
    (mum,) = net.parents_and_carers
    police_item, amh_item = mum.involvements
    assert [(o.offence_type, o.nature) for o in police_item.offences] == [
        ("domestic abuse", "victim")
    ]
    assert amh_item.summary_only and amh_item.withheld_reason == WITHHELD_SENSITIVE
    assert {s.code for s in net.sources} == {"CSC", "POL", "AMH"}
    assert net.rules_version == "default-2"


def test_ended_involvements_are_not_shown(csc, viewer):
    child, c = someone(csc, "Amy")
    inv = create_involvement(csc, c)
    inv.ended_at = datetime(2026, 1, 1, tzinfo=UTC)
    inv.save()
    assert network(child, viewer).child.involvements == ()


def test_data_is_current_as_of_the_latest_loaded_extract(csc, authority, viewer):
    child, c = someone(csc, "Amy")
    create_involvement(csc, c)
    create_import(csc.source, extracted_at=datetime(2026, 6, 12, tzinfo=UTC))
    create_import(
        csc.source,
        status=ExtractImport.Status.REJECTED,
        extracted_at=datetime(2026, 6, 14, tzinfo=UTC),
    )
    (item,) = network(child, viewer).child.involvements
    assert item.source.data_current_as_of == datetime(2026, 6, 12, tzinfo=UTC)


def test_a_shielded_member_shows_no_address_and_no_contact_and_hides_the_shared_address(
    csc, authority, viewer
):
    child, c = someone(csc, "Amy", address_line1="3 Refuge Road", postcode="SK9 9ZZ", uprn="4242")
    mother, m = someone(
        csc,
        "Deb",
        born=(1985, 1, 1),
        address_line1="3 Refuge Road",
        postcode="SK9 9ZZ",
        uprn="4242",
        restricted=True,
    )
    create_relationship(csc, c, m, "mother")
    create_involvement(csc, m)
    build_families()
    net = network(child, viewer)
    (mum,) = net.parents_and_carers
    assert mum.shielded and mum.partial_address == ""
    (item,) = mum.involvements
    assert item.lead_professional is None and item.withheld_reason == WITHHELD_SHIELDED
    assert item.duty_phone
    # The child lives with her: the child's address would show where she is.
    assert net.child.partial_address == ""
    assert net.shielded_person_ids == (mother.id,)


def test_an_authoritys_own_rules_and_version_apply(csc, viewer, tmp_path, settings):
    council = tmp_path / "display-rules.toml"
    council.write_text(
        'version = "c-1"\n[authorities.stockport]\nversion = "s-7"\n'
        "[authorities.stockport.category.childrens_social_care]\nshow = false\n"
    )
    settings.FAMILYVIEW_DISPLAY_RULES = str(council)
    child, c = someone(csc, "Amy")
    create_involvement(csc, c)
    net = network(child, viewer)
    assert net.rules_version == "default-2+c-1+s-7"
    assert net.child.involvements == ()


def test_the_network_takes_a_fixed_number_of_queries(
    csc, authority, viewer, django_assert_max_num_queries
):
    sources = [
        csc,
        a_source(authority, "HSG", "housing"),
        a_source(authority, "POL", "police"),
        a_source(authority, "AMH", "adult_mental_health"),
        a_source(authority, "GP", "gp"),
    ]
    child, c = someone(csc, "Amy", uprn="1")
    records = [c]
    kinds = [
        "mother",
        "father",
        "sibling",
        "sibling",
        "half_sibling",
        "step_sibling",
        "grandparent",
        "grandparent",
        "carer",
        "other_relative",
    ]
    for i, kind in enumerate(kinds):
        _member, r = someone(csc, f"Member{i}", born=(1960 + 5 * i, 1, 1))
        create_relationship(csc, c, r, kind)
        records.append(r)
    for n in range(50):
        imp = sources[n % len(sources)]
        record = records[n % len(records)]
        create_involvement(
            imp,
            record,
            status="current" if n % 3 else "historic",
            details={"offences": [{"date": "2025-01-01", "type": "harassment"}]},
        )
    build_families()
    with django_assert_max_num_queries(8):
        net = network(child, viewer)
    assert len(net.members) == 11
    assert sum(len(m.involvements) for m in net.members) > 20
