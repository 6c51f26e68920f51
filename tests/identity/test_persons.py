"""A person as their records show them (identity/persons.py): how disagreeing records are
read (name, date of birth, sex, current address), what is withheld where a shielded person
lives, and two queries for any number of persons."""

from datetime import date
from itertools import count

import pytest

from familyview.access.factories import create_authority
from familyview.families.factories import create_person
from familyview.identity.persons import person_details
from familyview.identity.search import refresh_search_entries
from familyview.sources.factories import create_import, create_person_record, create_source

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
_imports = count(1)


@pytest.fixture
def authority():
    return create_authority("stockport")


@pytest.fixture
def source(authority):
    return create_source(authority, "CSC", "Children's social care")


def a_record(source, **fields):
    """A record of its own (newer) import: later records are the latest word."""
    defaults = {"given_name": "Amelia", "family_name": "Hart", "birth_year": 2016}
    return create_person_record(create_import(source), **(defaults | fields))


def details_of(person, authority):
    return person_details([person.pk], [authority.pk], TODAY)[person.pk]


def born(text: str) -> dict:
    parts = [int(p) for p in text.split("-")] if text else []
    parts += [None] * (3 - len(parts))
    return dict(zip(("birth_year", "birth_month", "birth_day"), parts, strict=True))


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # A year alone does not contradict a day of that year.
        (["2016", "2016", "2016-03-09"], "2016-03-09"),
        (["2016-03-09", "2016-03-09", "2016-03-10"], "2016-03-09"),
        # As many each: the later.
        (["2016-03-09", "2016-03-10"], "2016-03-10"),
        # A full date does not outvote the year most records give.
        (["2015", "2016-03-09", "2015"], "2015"),
        (["2016-03-09", "2016-04", "2016-04"], "2016-04"),
        (["", "2016-03"], "2016-03"),
        (["", ""], ""),
    ],
)
def test_the_date_of_birth_is_the_most_precise_one_most_records_agree_with(
    source, authority, written, expected
):
    person = create_person(*(a_record(source, **born(text)) for text in written))

    assert details_of(person, authority).date_of_birth.iso == expected


def test_the_name_is_one_a_record_gives_most_often_or_latest(source, authority):
    person = create_person(
        a_record(source, given_name="Amelia", family_name="Hart"),
        a_record(source, given_name="Amelia", family_name="Jones"),
        a_record(source, given_name="Millie", family_name="Jones"),
    )
    twice = create_person(
        a_record(source, given_name="Amelia", family_name="Hart"),
        a_record(source, given_name="Millie", family_name="Hart"),
        a_record(source, given_name=" Amelia ", family_name="Hart"),
    )

    found = details_of(person, authority)
    # Given names say Amelia twice and family names Jones twice, but no record says
    # "Amelia Jones": each as many times, so the latest.
    assert (found.name, found.given_name, found.family_name) == ("Millie Jones", "Millie", "Jones")
    assert details_of(twice, authority).name == "Amelia Hart"


def test_every_surname_they_were_recorded_under_is_kept_for_the_privacy_alerts(source, authority):
    person = create_person(
        a_record(source, family_name="Hart-Jones", previous_names="Amelia Smith"),
        a_record(source, family_name="O'Brien", ended=True),
    )

    found = details_of(person, authority)
    assert found.surnames == {"hart", "jones", "smith", "obrien"}
    assert found.authority_id == authority.pk


def test_ended_records_speak_only_when_no_record_is_current(source, authority):
    school = create_source(authority, "SCH", "Schools", service_category="education")
    person = create_person(
        a_record(source, given_name="Amelia", sex="female", **born("2016-03-09")),
        a_record(school, given_name="Millie", sex="male", ended=True, **born("2015")),
        a_record(school, given_name="Millie", sex="male", ended=True, **born("2015")),
    )
    gone = create_person(a_record(source, given_name="Rosa", ended=True))

    found = details_of(person, authority)
    assert (found.name, found.sex, found.date_of_birth.words) == (
        "Amelia Hart",
        "female",
        "9 March 2016",
    )
    assert found.source_names == ("Children's social care",)
    assert (found.records, found.age, found.ages.oldest) == (3, 10, 10)
    assert details_of(gone, authority).name == "Rosa Hart"


def test_the_current_address_is_the_latest_as_fully_as_a_record_gives_it(source, authority):
    person = create_person(
        a_record(
            source,
            address_line1="3 Old Road",
            postcode="M1 1AE",
            uprn="100012345",
            address_from=date(2020, 1, 1),
        ),
        a_record(
            source, address_line1="12 Mill Lane", postcode="SK4 1AA", address_from=date(2024, 5, 1)
        ),
        # The latest: the postcode alone.
        a_record(source, postcode="sk4 1aa", address_from=date(2025, 1, 1)),
    )

    found = details_of(person, authority)
    assert found.partial_address == "Mill Lane, SK4"
    assert found.address_keys == {
        "u:100012345",
        "a:3 old road|M11AE",
        "a:12 mill lane|SK41AA",
    }


def test_no_address_is_shown_where_a_restricted_record_is(source, authority):
    child = create_person(a_record(source, address_line1="12 Mill Lane", postcode="SK4 1AA"))
    neighbour = create_person(a_record(source, address_line1="14 Mill Lane", postcode="SK4 1AA"))
    create_person(
        a_record(
            source,
            given_name="Rose",
            address_line1="12 Mill Ln",
            postcode="sk41aa",
            restricted=True,
        )
    )
    refresh_search_entries()

    found = details_of(child, authority)
    assert (found.address_withheld, found.partial_address) == (True, "")
    assert found.address_words == "Address withheld"
    assert details_of(neighbour, authority).partial_address == "Mill Lane, SK4"


def test_asked_for_together_no_address_is_shown_where_a_shielded_one_has_any_record(
    source, authority
):
    child = create_person(a_record(source, address_line1="12 Mill Lane", postcode="SK4 1AA"))
    # The mother is shielded by one record; another of hers says where she lives.
    mother = create_person(
        a_record(source, given_name="Rose", restricted=True, postcode="M1 1AE"),
        a_record(source, given_name="Rose", address_line1="12 Mill Lane", postcode="SK4 1AA"),
    )
    refresh_search_entries()

    family = person_details([child.pk, mother.pk], [authority.pk], TODAY)
    assert family[child.pk].address_withheld
    assert family[mother.pk].shielded and family[mother.pk].partial_address == ""


def test_a_shielded_record_not_yet_linked_withholds_the_address_too(source, authority):
    flat = {"address_line1": "Flat 2", "address_line2": "Vale Court", "postcode": "SK4 2BB"}
    child = create_person(a_record(source, **flat))
    create_person_record(create_import(source), given_name="Rose", restricted=True, **flat)
    child_at_property = create_person(
        a_record(source, uprn="100012345", address_line1="The Old Mill")  # no postcode
    )
    create_person(a_record(source, given_name="Jo", uprn="100012345", restricted=True))
    refresh_search_entries()

    assert details_of(child, authority).address_withheld
    assert details_of(child_at_property, authority).address_withheld


def test_a_shielded_person_shows_no_address(source, authority):
    person = create_person(a_record(source, address_line1="12 Mill Lane", restricted=True))

    found = details_of(person, authority)
    assert (found.shielded, found.address_withheld, found.partial_address) == (True, True, "")


def test_another_authoritys_person_is_not_there(source, authority):
    surrey = create_authority("surrey")
    theirs = create_person(a_record(create_source(surrey, "S-CSC", "Surrey CSC")))

    assert person_details([theirs.pk], [authority.pk], TODAY) == {}
    assert person_details([], [authority.pk], TODAY) == {}


def test_two_queries_for_any_number_of_persons(source, authority, django_assert_num_queries):
    people = [
        create_person(
            a_record(
                source, given_name=f"Child{n}", address_line1=f"{n} Mill Lane", postcode="SK4 1AA"
            ),
            a_record(source, given_name=f"Child{n}", uprn=f"1000{n}"),
        ).pk
        for n in range(30)
    ]
    create_person(
        a_record(source, address_line1="3 Mill Lane", postcode="SK4 1AA", restricted=True)
    )
    refresh_search_entries()

    # Their records; the restricted records at their postcodes and properties.
    with django_assert_num_queries(2):
        one = person_details(people[:1], [authority.pk], TODAY)
    with django_assert_num_queries(2):
        every = person_details(people, [authority.pk], TODAY)

    assert len(one) == 1
    assert len(every) == 30
    assert [p for p, found in every.items() if found.address_withheld] == [people[3]]
