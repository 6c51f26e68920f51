"""NUL bytes and other control characters in an extract: a value holding one is held back
with its file, row, column and reason (the rest of the record loads); a column name
holding one rejects the file, saying where; never a traceback."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.involvements.models import Involvement
from familyview.sources.models import PersonRecord

from .extracts import PEOPLE_COLUMNS, involvement, person, write_csv, write_extract
from .test_ingest import quarantined, run

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_csv_value_holds_back_that_value_and_keeps_the_person(source, tmp_path):
    folder = write_extract(tmp_path / "x", people=[person("P1"), person("P2", given_name="A\x00B")])
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    (held,) = quarantined(imp)
    assert (held.file_name, held.row_number, held.field, held.row_kept) == (
        "people.csv",
        3,
        "given_name",
        True,
    )
    assert held.reason == "given_name holds a NUL character, which text cannot hold"
    assert held.value == "A\\x00B"
    assert PersonRecord.objects.filter(source_record_id="P2").exists()


def test_other_control_characters_in_a_csv_value_are_held_back_too(source, tmp_path):
    folder = write_extract(
        tmp_path / "x",
        people=[person("P1", family_name="Ex\x1bample")],
        involvements=[involvement("I1", "P1", team="North\x07Team")],
    )
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    assert sorted((q.file_name, q.row_number, q.field, q.reason) for q in quarantined(imp)) == [
        (
            "involvements.csv",
            2,
            "team",
            "team holds a control character (U+0007), which text cannot hold",
        ),
        (
            "people.csv",
            2,
            "family_name",
            "family_name holds a control character (U+001B), which text cannot hold",
        ),
    ]
    assert PersonRecord.objects.get().family_name == ""
    assert Involvement.objects.get().team == ""


def test_tabs_and_line_ends_in_a_csv_value_are_text(source, tmp_path):
    folder = write_extract(
        tmp_path / "x",
        people=[person("P1", address_line1="12 Mill Lane\r\nHeaton", previous_names="A\tB")],
    )
    imp = run(folder)
    assert (imp.status, quarantined(imp)) == ("loaded", [])
    record = PersonRecord.objects.get()
    assert (record.address_line1, record.previous_names) == ("12 Mill Lane\r\nHeaton", "A\tB")


def test_a_nul_in_a_csv_column_name_rejects_the_file_saying_where(source, tmp_path):
    folder = write_extract(tmp_path / "x")
    write_csv(folder / "people.csv", [*PEOPLE_COLUMNS, "no\x00tes"], [person("P1")])
    imp = run(folder)
    assert imp.status == "rejected"
    column = len(PEOPLE_COLUMNS) + 1
    assert imp.message == (
        f"people.csv: row 1 (the header), column {column}: its name holds a NUL character, "
        "which a column name cannot hold"
    )
    assert not PersonRecord.objects.exists()


def test_the_command_says_so_without_a_traceback(source, tmp_path):
    folder = write_extract(tmp_path / "x")
    write_csv(folder / "people.csv", [*PEOPLE_COLUMNS, "no\x00tes"], [person("P1")])
    with pytest.raises(CommandError, match=r"people.csv: row 1 \(the header\), column"):
        call_command("ingest", "--source", "CSC", "--quiet", str(folder))


def test_a_json_lines_key_with_a_nul_quarantines_its_line(source, tmp_path):
    folder = write_extract(tmp_path / "x")
    lines = [person("P1"), {**person("P2"), "given\x00name": "Ann"}]
    (folder / "people.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    imp = run(folder)
    assert imp.status == "loaded", imp.message
    (held,) = quarantined(imp)
    assert (held.file_name, held.row_number, held.row_kept) == ("people.jsonl", 2, False)
    assert held.reason == "line has a key holding a NUL character, which a column name cannot hold"
    assert list(PersonRecord.objects.values_list("source_record_id", flat=True)) == ["P1"]


def test_a_rejection_never_carries_a_nul_into_the_import_history(source, tmp_path):
    folder = write_extract(tmp_path / "x")
    meta = json.loads((folder / "extract.json").read_text())
    (folder / "extract.json").write_text(json.dumps({**meta, "no\x00tes": "x"}))
    imp = run(folder)
    assert imp.status == "rejected"
    assert "\x00" not in imp.message and "no\\x00tes" in imp.message
