"""Building families from the person index: sources' relationships mapped onto persons,
siblings worked out from parents, households from shared addresses at overlapping times,
disagreements kept, provenance recorded; one transaction, rebuilt whole."""

from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command

from familyview.access.factories import create_authority
from familyview.families import building
from familyview.families.building import build_families
from familyview.families.factories import create_person, create_relationship
from familyview.families.models import FamilyBuild, FamilyLink
from familyview.sources.factories import create_import, create_person_record, create_source

pytestmark = pytest.mark.django_db

EXTRACTED = datetime(2026, 5, 1, 6, 30, tzinfo=UTC)


@pytest.fixture
def authority():
    return create_authority("stockport")


@pytest.fixture
def csc(authority):
    return create_import(
        create_source(authority, code="CSC", name="Case system"), extracted_at=EXTRACTED
    )


@pytest.fixture
def school(authority):
    return create_import(
        create_source(authority, code="SCH", name="Schools", service_category="education"),
        extracted_at=datetime(2026, 4, 1, tzinfo=UTC),
    )


def person(extract_import, probability: float | None = None, **fields):
    """A person with one record in this import's source."""
    record = create_person_record(extract_import, **fields)
    p = create_person(record, probability=probability)
    return p, record


def links(**filters) -> set[tuple]:
    return set(
        FamilyLink.objects.filter(**filters).values_list(
            "person_id", "related_person_id", "relationship_type", "basis"
        )
    )


# ---- sources' relationships ----------------------------------------------------------------


def test_a_sources_relationship_links_the_two_persons_both_ways_with_its_provenance(csc):
    child, child_record = person(csc, given_name="Amy")
    mother, mother_record = person(csc, given_name="Beth", probability=0.9)
    create_relationship(csc, child_record, mother_record, "mother", start_date=date(2012, 3, 1))
    result = build_families()
    assert links() == {
        (child.id, mother.id, "mother", "source"),
        (mother.id, child.id, "child", "source"),
    }
    stated = FamilyLink.objects.get(person=child)
    assert stated.source.code == "CSC"
    assert stated.said_at == EXTRACTED
    assert stated.as_stated is True
    assert stated.start_date == date(2012, 3, 1)
    # The source's word, times how sure the index is of the less certain record.
    assert stated.confidence == pytest.approx(0.95 * 0.9)
    assert FamilyLink.objects.get(person=mother).as_stated is False
    assert (result.source_links, result.household_links, result.derived_links) == (2, 0, 0)


def test_two_sources_saying_the_same_are_two_provenances(csc, school):
    child, c1 = person(csc)
    c2 = create_person_record(school)
    create_person(c2)  # the school's record is another person until linked below
    mother, m1 = person(csc)
    m2 = create_person_record(school)
    # Both sources' records belong to the same two persons.
    from familyview.identity.models import LinkedRecord

    LinkedRecord.objects.filter(person_record=c2).update(person=child)
    create_person(m2)
    LinkedRecord.objects.filter(person_record=m2).update(person=mother)
    create_relationship(csc, c1, m1, "mother")
    create_relationship(school, c2, m2, "mother")
    build_families()
    said = FamilyLink.objects.filter(person=child, related_person=mother)
    assert sorted(said.values_list("source__code", flat=True)) == ["CSC", "SCH"]
    assert not any(said.values_list("disputed", flat=True))


def test_a_source_saying_it_both_ways_round_counts_once(csc):
    child, c = person(csc)
    mother, m = person(csc)
    create_relationship(csc, c, m, "mother")
    create_relationship(csc, m, c, "child")
    build_families()
    assert FamilyLink.objects.filter(person=child, related_person=mother).count() == 1
    assert FamilyLink.objects.get(person=child, related_person=mother).as_stated is True


def test_sources_that_disagree_are_both_kept_and_marked(csc, school):
    from familyview.identity.models import LinkedRecord

    child, c1 = person(csc)
    man, m1 = person(csc)
    c2, m2 = create_person_record(school), create_person_record(school)
    for record, owner in ((c2, child), (m2, man)):
        create_person(record)
        LinkedRecord.objects.filter(person_record=record).update(person=owner)
    create_relationship(csc, c1, m1, "father")
    create_relationship(school, c2, m2, "step_parent")
    result = build_families()
    said = dict(
        FamilyLink.objects.filter(person=child, related_person=man).values_list(
            "relationship_type", "disputed"
        )
    )
    assert said == {"father": True, "step_parent": True}
    assert result.disputed_links == 4  # both statements, both ways round


def test_compatible_statements_are_not_a_disagreement(csc, school):
    from familyview.identity.models import LinkedRecord

    child, c1 = person(csc)
    gran, g1 = person(csc)
    c2, g2 = create_person_record(school), create_person_record(school)
    for record, owner in ((c2, child), (g2, gran)):
        create_person(record)
        LinkedRecord.objects.filter(person_record=record).update(person=owner)
    create_relationship(csc, c1, g1, "grandparent")
    create_relationship(school, c2, g2, "carer")
    build_families()
    assert not FamilyLink.objects.filter(disputed=True).exists()


def test_ended_relationships_and_unlinked_or_same_person_records_make_no_link(csc):
    child, c = person(csc)
    _other, o = person(csc)
    create_relationship(csc, c, o, "sibling", ended=True)
    unlinked = create_person_record(csc)
    create_relationship(csc, c, unlinked, "father")
    from familyview.identity.models import LinkedRecord

    second = create_person_record(csc)
    create_person(second)
    LinkedRecord.objects.filter(person_record=second).update(person=child)
    create_relationship(csc, c, second, "sibling")  # two records of one person
    build_families()
    assert not FamilyLink.objects.exists()


def test_no_link_crosses_authorities(authority, csc):
    elsewhere = create_import(create_source(create_authority("trafford"), code="TRF"))
    _child, c = person(csc)
    _far, f = person(elsewhere)
    create_relationship(csc, c, f, "mother")  # a source error: the records are another council's
    build_families()
    assert not FamilyLink.objects.exists()


# ---- siblings worked out from parents ------------------------------------------------------


def family(csc, *children, mother=None, father=None):
    for child_record in children:
        if mother is not None:
            create_relationship(csc, child_record, mother, "mother")
        if father is not None:
            create_relationship(csc, child_record, father, "father")


def test_children_of_the_same_two_parents_are_siblings(csc):
    (a, ar), (b, br) = person(csc), person(csc)
    (_m, mr), (_f, fr) = person(csc), person(csc)
    family(csc, ar, br, mother=mr, father=fr)
    result = build_families()
    assert links(basis="derived") == {
        (a.id, b.id, "sibling", "derived"),
        (b.id, a.id, "sibling", "derived"),
    }
    link = FamilyLink.objects.get(person=a, basis="derived")
    assert link.evidence == "the same two parents"
    assert link.source is None
    assert link.confidence == pytest.approx(0.85 * 0.95)
    assert result.derived_links == 2


def test_one_parent_in_common_and_another_each_makes_half_siblings(csc):
    (a, ar), (b, br) = person(csc), person(csc)
    (_m, mr), (_f1, f1), (_f2, f2) = person(csc), person(csc), person(csc)
    family(csc, ar, mother=mr, father=f1)
    family(csc, br, mother=mr, father=f2)
    build_families()
    assert links(basis="derived") == {
        (a.id, b.id, "half_sibling", "derived"),
        (b.id, a.id, "half_sibling", "derived"),
    }


def test_one_parent_known_in_common_makes_siblings_of_unknown_kind(csc):
    (a, ar), (_b, br) = person(csc), person(csc)
    (_m, mr) = person(csc)
    family(csc, ar, br, mother=mr)
    build_families()
    link = FamilyLink.objects.get(person=a, basis="derived")
    assert (link.relationship_type, link.evidence) == ("sibling", "a parent in common")


def test_a_step_parents_child_is_a_step_sibling(csc):
    (a, ar), (b, br) = person(csc), person(csc)
    (_m, mr), (_s, sr) = person(csc), person(csc)
    family(csc, ar, mother=mr)
    family(csc, br, father=sr)
    create_relationship(csc, ar, sr, "step_parent")
    build_families()
    assert links(basis="derived") == {
        (a.id, b.id, "step_sibling", "derived"),
        (b.id, a.id, "step_sibling", "derived"),
    }


def test_what_a_source_says_about_siblings_is_not_second_guessed(csc):
    (a, ar), (b, br) = person(csc), person(csc)
    (_m, mr), (_f, fr) = person(csc), person(csc)
    family(csc, ar, br, mother=mr, father=fr)
    create_relationship(csc, ar, br, "half_sibling")
    build_families()
    assert links(basis="derived") == set()
    assert (a.id, b.id, "half_sibling", "source") in links()


# ---- households ----------------------------------------------------------------------------


def test_the_same_uprn_at_overlapping_times_is_a_household(csc, school):
    a, _ = person(csc, uprn="100011000291", address_from=date(2020, 1, 1))
    b, _ = person(school, uprn="100011000291", address_from=date(2023, 6, 1))
    result = build_families()
    link = FamilyLink.objects.get(person=a)
    assert (link.related_person_id, link.relationship_type, link.basis, link.evidence) == (
        b.id,
        "household_member",
        "household",
        "uprn",
    )
    assert link.start_date == date(2023, 6, 1)  # together from when the second arrived
    assert link.end_date is None
    assert link.confidence == pytest.approx(0.8)
    assert result.household_links == 2


def test_the_same_address_written_differently_without_uprn_is_a_household(csc, school):
    a, _ = person(csc, address_line1="12 High St", postcode="sk1 3xe")
    b, _ = person(school, address_line1="12, High Street", postcode="SK13XE")
    build_families()
    link = FamilyLink.objects.get(person=a)
    assert (link.related_person_id, link.evidence) == (b.id, "address")
    assert link.confidence == pytest.approx(0.65)


def test_a_postcode_alone_or_a_street_alone_is_never_a_household(csc):
    person(csc, postcode="SK1 3XE")
    person(csc, postcode="SK1 3XE")
    person(csc, address_line1="High Street", postcode="SK2 1AA")
    person(csc, address_line1="High Street", postcode="SK2 1AA")
    build_families()
    assert not FamilyLink.objects.exists()


def test_different_flats_in_one_building_are_different_households(csc):
    person(csc, address_line1="Flat 1 Willow Mansions", postcode="SK4 4QY")
    person(csc, address_line1="Flat 2 Willow Mansions", postcode="SK4 4QY")
    build_families()
    assert not FamilyLink.objects.exists()


def test_someone_who_moved_away_before_another_arrived_is_not_their_household(csc, school):
    # A lived at the UPRN from 2015, and a later record says they moved in 2019.
    a, _ = person(csc, uprn="1001", address_from=date(2015, 1, 1))
    from familyview.identity.models import LinkedRecord

    moved = create_person_record(school, uprn="2002", address_from=date(2019, 3, 1))
    create_person(moved)
    LinkedRecord.objects.filter(person_record=moved).update(person=a)
    person(csc, uprn="1001", address_from=date(2021, 1, 1))  # arrived after A left
    b, _ = person(csc, uprn="1001", address_from=date(2018, 1, 1))  # overlapped with A
    build_families()
    assert {(x, y) for x, y, _t, _b in links(person=a)} == {(a.id, b.id)}
    assert FamilyLink.objects.get(person=a).end_date == date(2019, 3, 1)


def test_an_ended_record_ends_the_stay_it_recorded(csc):
    a, _ = person(csc, uprn="1001", address_from=date(2015, 1, 1), ended=True)
    FamilyLink.objects.all().delete()
    from familyview.sources.models import PersonRecord

    PersonRecord.objects.filter(link__person=a).update(ended_at=datetime(2019, 1, 1, tzinfo=UTC))
    person(csc, uprn="1001", address_from=date(2020, 1, 1))
    build_families()
    assert not FamilyLink.objects.exists()


def test_a_crowded_address_is_not_a_household(csc):
    for _ in range(9):  # one more than max_household_size
        person(csc, uprn="555", address_from=date(2024, 1, 1))
    person(csc, uprn="777")
    person(csc, uprn="777")
    result = build_families()
    assert FamilyLink.objects.count() == 2  # only the pair at 777
    assert result.crowded_addresses == 1


def test_a_shielded_persons_address_is_never_used_for_a_household(csc):
    person(csc, uprn="1001", restricted=True)
    person(csc, uprn="1001")
    build_families()
    assert not FamilyLink.objects.exists()


def test_a_shielded_persons_recorded_relationships_are_kept(csc):
    child, c = person(csc, restricted=True)
    _mother, m = person(csc)
    create_relationship(csc, c, m, "mother")
    build_families()
    assert FamilyLink.objects.filter(person=child).count() == 1


# ---- the rebuild ---------------------------------------------------------------------------


def test_a_rebuild_replaces_every_link_and_records_what_it_did(csc):
    _child, c = person(csc)
    _mother, m = person(csc)
    rel = create_relationship(csc, c, m, "mother")
    first = build_families()
    assert FamilyLink.objects.count() == 2
    again = build_families()
    assert FamilyLink.objects.count() == 2
    rel.delete()
    build_families()
    assert not FamilyLink.objects.exists()
    assert FamilyBuild.objects.count() == 3
    assert (first.persons, again.source_links) == (2, 2)
    assert first.seconds >= 0


def test_the_command_reports_the_build(csc, capsys):
    _child, c = person(csc)
    _mother, m = person(csc)
    create_relationship(csc, c, m, "mother")
    call_command("families", "build")
    out = capsys.readouterr().out
    assert "Families built for 2 persons: 2 links from sources" in out


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("max_household_size = 1", "max_household_size is 1; it should be greater than or equal"),
        ('max_household_size = "8"', 'max_household_size is "8"; it should be a whole number.'),
        ("uprn_confidence = true", "uprn_confidence is true; it should be a number."),
        (
            "max_houshold_size = 8",
            "max_houshold_size is not a setting; the settings here are address_confidence, ",
        ),
    ],
)
def test_a_wrong_building_rules_file_is_refused_and_the_families_stand(
    csc, tmp_path, settings, text, said
):
    _child, c = person(csc)
    _mother, m = person(csc)
    create_relationship(csc, c, m, "mother")
    build_families()
    rules = tmp_path / "building.toml"
    rules.write_text(text + "\n")
    settings.FAMILYVIEW_BUILDING_RULES = str(rules)
    with pytest.raises(CommandError) as refused:
        call_command("families", "build")
    assert str(refused.value).startswith(f"{rules}: {said}")
    assert refused.value.returncode == 1
    assert FamilyLink.objects.count() == 2
    assert FamilyBuild.objects.count() == 1


def test_a_councils_building_rules_change_only_what_they_name(tmp_path, settings):
    rules = tmp_path / "building.toml"
    rules.write_text("max_household_size = 6\n")
    settings.FAMILYVIEW_BUILDING_RULES = str(rules)
    rules_in_force = building.build_rules()
    assert rules_in_force.max_household_size == 6
    assert rules_in_force.uprn_confidence == 0.8  # from building.toml
