"""Person search: typos, nicknames, hyphens, accents, dates, postcodes, identifiers."""

import pytest

from familyview.access.models import Authority
from familyview.identity.models import LinkedRecord, LinkRun, Person
from familyview.identity.search import PersonQuery, refresh_search_entries, search_people, soundex
from familyview.sources.ingest import ingest
from familyview.sources.models import PersonRecord, Source
from tests.sources.extracts import person, write_extract

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tmp_path) -> dict[str, str]:
    """Records in two authorities, each its own person; returns source id -> person id."""
    results = {}
    for code, authority, rows in [
        (
            "CSC",
            "stockport",
            [
                person(
                    "A",
                    given_name="Catherine",
                    family_name="Smith-Jones",
                    date_of_birth="2014-03-07",
                    postcode="SK4 2AB",
                ),
                person("B", given_name="Zoë", family_name="Müller", date_of_birth="2016-11-02"),
                person(
                    "C",
                    given_name="Robert",
                    family_name="Taylor",
                    date_of_birth="1980",
                    nhs_number="943 476 5919",
                ),
                person(
                    "D", given_name="Catherine", family_name="Smith", date_of_birth="1961-05-05"
                ),
            ],
        ),
        ("OTHER", "surrey", [person("E", given_name="Catherine", family_name="Smith-Jones")]),
    ]:
        auth, _ = Authority.objects.get_or_create(code=authority, defaults={"name": authority})
        Source.objects.create(authority=auth, code=code, name=code, service_category="early_help")
        outcome = ingest(code, [write_extract(tmp_path / code, code, people=rows)], "tests")
        assert outcome.ok, outcome.extract_import.message
    run = LinkRun.objects.create(mode="full")
    for record in PersonRecord.objects.all():
        p = Person.objects.create(created_by_run=run)
        LinkedRecord.objects.create(
            person_record=record, person=p, match_probability=1.0, basis="alone", linked_by_run=run
        )
        results[record.source_record_id] = p.id
    assert refresh_search_entries() == 5
    return results


def stockport() -> list[int]:
    return [Authority.objects.get(code="stockport").pk]


def first(query: PersonQuery) -> str | None:
    found = search_people(query, stockport())
    return found[0].person_id if found else None


@pytest.mark.parametrize(
    "name",
    [
        "Catherine Smith-Jones",
        "Kate Smith Jones",
        "Katie Jones",
        "Catherine Smtih-Jones",
        "kate smith-jones",
    ],
)
def test_names_with_nicknames_hyphens_and_typos(people, name):
    assert first(PersonQuery(name=name, birth_year=2014)) == people["A"]


def test_accents_do_not_matter(people):
    assert first(PersonQuery(name="Zoe Muller")) == people["B"]
    assert first(PersonQuery(name="Zoë Müller")) == people["B"]


def test_a_date_of_birth_tells_namesakes_apart(people):
    assert (
        first(PersonQuery(name="Catherine Smith", birth_year=1961, birth_month=5, birth_day=5))
        == people["D"]
    )
    found = search_people(PersonQuery(name="Catherine Smith", birth_year=2014), stockport())
    assert found[0].person_id == people["A"]


def test_by_nhs_number_source_id_postcode_or_date(people):
    assert first(PersonQuery(nhs_number="9434765919")) == people["C"]
    assert first(PersonQuery(source_record_id="B")) == people["B"]
    assert first(PersonQuery(postcode="sk42ab")) == people["A"]
    assert first(PersonQuery(birth_year=2016, birth_month=11, birth_day=2)) == people["B"]


def test_another_authoritys_people_are_never_found(people):
    found = search_people(PersonQuery(name="Catherine Smith-Jones"), stockport())
    assert people["E"] not in {m.person_id for m in found}
    surrey = [Authority.objects.get(code="surrey").pk]
    assert [
        m.person_id for m in search_people(PersonQuery(name="Catherine Smith-Jones"), surrey)
    ] == [people["E"]]


def test_nothing_asked_nothing_found(people):
    assert search_people(PersonQuery(), stockport()) == []
    # "n/a" in the NHS number box is no NHS number, not "everyone without one".
    assert search_people(PersonQuery(nhs_number="n/a"), stockport()) == []
    assert search_people(PersonQuery(name="Nobody Atall"), stockport()) == []


def test_results_say_why_they_fit(people):
    [match, *_] = search_people(PersonQuery(name="Kate Smith-Jones", birth_year=2014), stockport())
    assert "given name in another form" in match.reasons
    assert "year of birth" in match.reasons


def test_soundex():
    assert soundex("smith") == soundex("smyth") == "s530"
    assert soundex("robert") == "r163"
