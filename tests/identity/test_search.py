"""Person search: typos, nicknames, hyphens, accents, dates, postcodes, identifiers."""

import pytest

from familyview.access.models import Authority
from familyview.identity.models import LinkedRecord, LinkRun, Person, SearchEntry
from familyview.identity.search import (
    PersonQuery,
    find_people,
    refresh_search_entries,
    search_people,
    soundex,
)
from familyview.pipeline.imports import ingest
from familyview.sources.models import PersonRecord, Source
from tests.sources.extracts import person, write_extract

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tmp_path) -> dict[str, str]:
    """Records in two authorities, each its own person; returns source id -> person id."""
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
        load(tmp_path / code, code, rows, authority=authority)
    results = each_record_its_own_person()
    # The link run made every record's search entry; none is left to make.
    assert refresh_search_entries() == 0
    assert SearchEntry.objects.count() == 5
    return results


def load(folder, code: str, rows: list[dict], authority: str = "stockport", **extract) -> None:
    """Import these people as source `code` (registered on first use) of `authority`."""
    auth, _ = Authority.objects.get_or_create(code=authority, defaults={"name": authority})
    Source.objects.get_or_create(
        authority=auth, code=code, defaults={"name": code, "service_category": "early_help"}
    )
    outcome = ingest(code, [write_extract(folder, code, people=rows, **extract)], "tests")
    assert outcome.ok, outcome.extract_import.message


def each_record_its_own_person() -> dict[str, str]:
    """Every record a person of its own in the index; source id -> person id."""
    run = LinkRun.objects.create(mode="full")
    persons = {}
    for record in PersonRecord.objects.all():
        p = Person.objects.create(created_by_run=run)
        LinkedRecord.objects.create(
            person_record=record, person=p, match_probability=1.0, basis="alone", linked_by_run=run
        )
        persons[record.source_record_id] = p.id
    refresh_search_entries()  # as a link run does
    return persons


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


@pytest.mark.parametrize("postcode", ["1012 AB", "D02 X285", "1100-148", "4223"])
def test_another_countrys_postcode_is_searched_whole(tmp_path, postcode):
    rows = [
        person("ABROAD", given_name="Anouk", family_name="Visser", postcode=postcode),
        # Another postcode of that country, like it but for its last characters.
        person("NEAR", given_name="Daan", family_name="Visser", postcode=postcode[:-1] + "9"),
    ]
    load(tmp_path / "gp", "GP", rows)
    persons = each_record_its_own_person()
    entry = SearchEntry.objects.get(source_record_id="ABROAD")
    assert entry.postcode == postcode.replace(" ", "")

    for typed in (postcode, postcode.lower().replace(" ", "")):
        found = search_people(PersonQuery(postcode=typed), stockport())
        assert [m.person_id for m in found] == [persons["ABROAD"]]
        assert found[0].reasons == ["postcode"]
    # Its parts are not a UK district: a name search ranks no one up for them.
    [*matches] = search_people(PersonQuery(name="Visser", postcode=postcode), stockport())
    near = next(m for m in matches if m.person_id == persons["NEAR"])
    assert "postcode district" not in near.reasons


def test_a_uk_postcode_district_still_counts(tmp_path):
    rows = [person("NEAR", given_name="Daan", family_name="Visser", postcode="SK4 9ZZ")]
    load(tmp_path / "gp", "GP", rows)
    each_record_its_own_person()
    [match] = search_people(PersonQuery(name="Visser", postcode="SK4 2AB"), stockport())
    assert "postcode district" in match.reasons


def test_a_search_entry_holds_a_postcode_as_wide_as_a_person_record():
    from familyview.sources.models import PersonRecord as Record

    widest = Record._meta.get_field("postcode").max_length
    assert SearchEntry._meta.get_field("postcode").max_length == widest


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


def test_an_import_that_shields_someone_withholds_their_housemates_address_at_once(tmp_path):
    """The search results' address check reads search entries: an import refreshes its
    own source's, so a record it has just shielded counts before the next link run."""
    home = {"address_line1": "12 Mill Lane", "postcode": "SK4 1AA"}
    rows = [
        person("MUM", given_name="Rose", family_name="Hidden", date_of_birth="1990-01-02", **home),
        person("KID", given_name="Amelia", family_name="Hidden", **home),
    ]
    load(tmp_path / "1", "GP", rows)
    each_record_its_own_person()
    query = PersonQuery(name="Amelia Hidden")
    [before] = [s for s in find_people(query, stockport()) if s.name == "Amelia Hidden"]
    assert before.address_words == "Mill Lane, SK4"

    rows[0] = {**rows[0], "restricted": "true"}
    load(tmp_path / "2", "GP", rows, extracted_at="2026-11-21T02:00:00Z")

    [after] = [s for s in find_people(query, stockport()) if s.name == "Amelia Hidden"]
    assert after.address_withheld
    assert after.address_words == "Address withheld"


def test_a_mistyped_given_name_is_found_among_many_namesakes(tmp_path):
    """A common surname can hold more people born in one year than search scores: the
    database's rough ranking must still put a near spelling of the given name first."""
    given = ["Oliver", "Harry", "George", "Noah", "Jack", "Leo", "Arthur", "Muhammad", "Oscar"]
    rows = [
        person(
            f"S{n}",
            given_name=given[n % len(given)],
            family_name="Smith",
            date_of_birth=f"2014-{1 + n % 12:02d}-{1 + n % 28:02d}",
        )
        for n in range(150)
    ]
    rows.append(
        person("CAT", given_name="Catherine", family_name="Smith", date_of_birth="2014-03-07")
    )
    load(tmp_path / "gp", "GP", rows)
    cat = each_record_its_own_person()["CAT"]

    for typed in ("Cathrine Smith", "Catherin Smith"):
        assert first(PersonQuery(name=typed, birth_year=2014)) == cat
        assert first(PersonQuery(name=typed, birth_year=2014, birth_month=3, birth_day=7)) == cat


def test_a_changed_nickname_table_makes_every_entry_again(people, monkeypatch):
    from familyview.identity import search

    assert refresh_search_entries() == 0
    monkeypatch.setattr(search, "names_version", lambda: "a newer table")
    assert refresh_search_entries() == 5
    assert set(SearchEntry.objects.values_list("names_version", flat=True)) == {"a newer table"}
    assert refresh_search_entries() == 0


def test_an_import_makes_search_entries_only_where_search_needs_them_before_linking(tmp_path):
    # New records join persons only in the next link run, and search finds persons: an
    # import makes the entries of its shielded records (their housemates' addresses are
    # withheld at once) and of records already indexed, not of every new record.
    load(
        tmp_path / "first",
        "CSC",
        [
            person("OPEN", given_name="Amelia", family_name="Hart"),
            person("SHIELDED", given_name="Ben", family_name="Hart", restricted="true"),
        ],
    )
    assert list(SearchEntry.objects.values_list("person_record__source_record_id", flat=True)) == [
        "SHIELDED"
    ]
    each_record_its_own_person()
    assert SearchEntry.objects.count() == 2
    load(
        tmp_path / "second",
        "CSC",
        [
            person("OPEN", given_name="Amelia", family_name="Hart-Lowe"),
            person("SHIELDED", given_name="Ben", family_name="Hart", restricted="true"),
            person("NEW", given_name="Cara", family_name="Hart"),
        ],
    )
    entries = dict(SearchEntry.objects.values_list("person_record__source_record_id", "family"))
    assert entries == {"OPEN": "hartlowe", "SHIELDED": "hart"}


def test_part_of_a_surname_is_looked_up_in_the_index_of_surnames_as_words(people):
    """On PostgreSQL, "Jones" finds Catherine Smith-Jones through the index of other
    surnames as words: the trigram index it replaced read most records with other
    surnames for a short name's common trigrams."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's")
    with CaptureQueriesContext(connection) as captured:
        found = search_people(PersonQuery(name="Jones"), stockport())
    assert people["A"] in {m.person_id for m in found}
    look_up = next(q["sql"] for q in captured if "other_surnames" in q["sql"])
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: force the index
        cur.execute(f"EXPLAIN {look_up}")
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "identity_searchentry_other_surnames_words" in plan


def test_new_search_entries_are_in_the_indexes_trees_not_a_list_each_look_up_reads(people):
    """On PostgreSQL, the entries a link run or an import writes are moved out of the GIN
    indexes' pending lists (which every trigram look-up reads through) at once, not when
    autovacuum next comes by."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's GIN indexes")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, gin_clean_pending_list(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE i.indrelid = 'identity_searchentry'::regclass AND a.amname = 'gin'"
        )
        left = dict(cur.fetchall())
    assert left and set(left.values()) == {0}, left


def test_a_role_that_does_not_own_the_indexes_still_refreshes_search_entries(people):
    """Production runs as a role that owns no table (docs/deploying.md): only the owner
    may clean an index's pending list, so the refresh leaves that to autovacuum."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's roles")
    PersonRecord.objects.filter(source_record_id="B").update(row_hash="changed")
    with connection.cursor() as cur:
        cur.execute("CREATE ROLE familyview_test_not_owner")
        cur.execute(
            "GRANT SELECT, INSERT, DELETE ON identity_searchentry, sources_personrecord, "
            "sources_source TO familyview_test_not_owner"
        )
        cur.execute("SET LOCAL ROLE familyview_test_not_owner")
    try:
        assert refresh_search_entries() == 1
    finally:
        with connection.cursor() as cur:
            cur.execute("RESET ROLE")
