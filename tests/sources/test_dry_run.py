"""`familyview ingest --dry-run`: what would load and what would be held back, with
nothing written: no records, no import in the history, no search entries, no files."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.identity.models import SearchEntry
from familyview.involvements.models import Involvement
from familyview.sources.models import (
    ExtractImport,
    PersonRecord,
    QuarantinedRow,
    SourceRelationship,
)
from tests.sources.extracts import involvement, person, write_extract

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("source")]


def everything_written() -> dict:
    return {
        "people": sorted(PersonRecord.objects.values_list()),
        "involvements": sorted(Involvement.objects.values_list()),
        "relationships": sorted(SourceRelationship.objects.values_list()),
        "quarantine": sorted(QuarantinedRow.objects.values_list()),
        "imports": sorted(ExtractImport.objects.values_list()),
        "search": sorted(SearchEntry.objects.values_list("person_record_id", "row_hash")),
        "files": sorted(str(p) for p in Path(settings.LINKAGE_STORE_DIR).rglob("*")),
    }


def ingest(folder: Path, *options: str) -> str:
    out = StringIO()
    call_command("ingest", "--source", "CSC", "--quiet", *options, str(folder), stdout=out)
    return out.getvalue()


def an_extract(folder: Path, extracted_at: str = "2026-11-20T02:00:00Z", **changes) -> Path:
    people = [
        person("P1"),
        person("P2", given_name="Jo", date_of_birth="1988-06-01"),
        person("P3", date_of_birth="2019-11-31"),  # no such day: held back, P3 kept
        person("", given_name="Nobody"),  # no identifier: the row is quarantined whole
    ]
    return write_extract(
        folder,
        people=changes.get("people", people),
        involvements=[involvement("I1", "P1"), involvement("I2", "P3", status="Not Specified")],
        relationships=[
            {"person_source_id": "P1", "related_source_id": "P2", "relationship_type": "mother"}
        ],
        extracted_at=extracted_at,
    )


def test_a_dry_run_says_what_would_load_and_what_would_be_held_back_and_writes_nothing(
    tmp_path,
):
    extract = an_extract(tmp_path / "first")
    before = everything_written()

    printed = ingest(extract, "--dry-run")

    assert everything_written() == before
    lines = printed.splitlines()
    assert lines[0] == (
        "CSC: dry run, nothing written. Would load 3 people, 2 involvements, 1 relationships "
        "(6 added, 0 changed, 0 ended); would hold back 1 rows whole and 1 values (their rows "
        "would load without them)"
    )
    assert lines[1].startswith("  people.csv row 4, column date_of_birth: '2019-11-31' held back")
    assert lines[2] == "  people.csv row 5: source_id is required"
    # What the dry run said is what the import then does.
    loaded = ingest(extract)
    assert "3 people, 2 involvements, 1 relationships; 6 added" in loaded
    assert "1 rows quarantined, 1 values held back" in loaded


def test_a_dry_run_against_what_is_held_counts_changes_and_endings(tmp_path):
    ingest(an_extract(tmp_path / "first"))
    before = everything_written()
    changed = an_extract(
        tmp_path / "second",
        extracted_at="2026-11-27T02:00:00Z",
        people=[person("P1", family_name="Changed"), person("P2", given_name="Jo")],
    )

    printed = ingest(changed, "--dry-run")

    assert everything_written() == before
    assert "Would load 2 people" in printed
    assert "0 added, 2 changed, 1 ended" in printed
    # P3 is not in the snapshot: its involvement points at nobody.
    assert "involvements.csv row 3: points at person P3" in printed


def test_a_dry_run_of_an_extract_already_loaded_would_change_nothing(tmp_path):
    extract = an_extract(tmp_path / "first")
    ingest(extract)
    before = everything_written()

    printed = ingest(extract, "--dry-run")

    assert everything_written() == before
    assert printed.startswith("CSC: dry run: would change nothing. The same extract was loaded")


def test_a_dry_run_of_a_rejected_extract_says_why_and_records_no_import(tmp_path):
    extract = an_extract(tmp_path / "first")
    (extract / "people.csv").write_bytes(b"source_id,shoe_size\nP1,9\n")
    before = everything_written()

    with pytest.raises(CommandError) as rejected:
        ingest(extract, "--dry-run")

    assert str(rejected.value).startswith(
        "CSC: dry run: would be rejected, nothing loaded: people.csv: unknown column(s) shoe_size"
    )

    assert everything_written() == before
