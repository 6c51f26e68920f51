"""`familyview link` on extracts that give the model little to learn from: no postcodes,
one source alone, a handful of records, duplicates within one source. Each links, or says
in one line what it could not learn, and never ends in a traceback."""

import csv
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from familyview.identity.linkage import link
from familyview.identity.models import LinkedRecord
from familyview.sources.ingest import ingest
from familyview.sources.registry import load_sources

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

COLUMNS = ["source_id", "given_name", "family_name", "date_of_birth", "address_line1", "town"]


def write_source(root: Path, code: str, rows: list[dict], category: str = "police") -> None:
    folder = root / code
    folder.mkdir(parents=True)
    (folder / "extract.json").write_text(
        json.dumps({"source": code, "extracted_at": "2026-11-01T00:00:00+00:00", "kind": "full"})
    )
    with (folder / "people.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with (root / "sources.toml").open("a", encoding="utf-8") as f:
        f.write(
            f'[[source]]\ncode = "{code}"\nname = "{code}"\nauthority = "stockport"\n'
            f'service_category = "{category}"\norganisation = "Test"\n'
            'expected_every_days = 1\nmapping = "canonical"\n\n'
        )


def load(root: Path) -> None:
    for source in load_sources(root / "sources.toml"):
        outcome = ingest(source.code, [root / source.code], "tests")
        assert outcome.ok, outcome.extract_import.message


def person(i: int, given: str, family: str, dob: str = "", street: str = "") -> dict:
    return {
        "source_id": f"R{i}",
        "given_name": given,
        "family_name": family,
        "date_of_birth": dob,
        "address_line1": street,
        "town": "Stockport",
    }


def persons_of(*source_ids: str) -> set[str]:
    return set(
        LinkedRecord.objects.filter(person_record__source_record_id__in=source_ids).values_list(
            "person_id", flat=True
        )
    )


def test_one_small_source_without_postcodes_links_and_says_what_it_could_not_learn(
    tmp_path, capsys
):
    names = ["Amy", "Ben", "Cara", "Dev", "Ella", "Finn", "Gita", "Hugo", "Isla", "Jack"]
    families = ["Britten", "Noyce", "Coppock", "Whishaw", "Gazzola", "Hauser"]
    rows = [
        person(
            i,
            names[i % 10],
            families[i % 6],
            f"19{50 + 3 * i}-0{1 + i % 9}-1{i % 9}",
            f"{i + 1} {families[(i + 2) % 6]} Road",
        )
        for i in range(12)
    ]
    write_source(tmp_path, "POLICE", rows)
    load(tmp_path)

    call_command("link")

    said = capsys.readouterr()
    assert LinkedRecord.objects.count() == 12
    assert len(persons_of(*(f"R{i}" for i in range(12)))) == 12
    assert "Not enough data to learn the nhs number weights" in said.err
    assert "Traceback" not in said.out + said.err


def test_a_handful_of_records_in_two_sources_links(tmp_path):
    write_source(tmp_path, "A", [person(1, "Amy", "Britten", "1980-04-02", "4 Whiteside Court")])
    write_source(tmp_path, "B", [person(1, "Amy", "Britten", "1980-04-02", "4 Whiteside Court")])
    load(tmp_path)

    run = link()

    assert run.records == 2
    assert LinkedRecord.objects.count() == 2


def test_a_duplicate_within_one_source_links_only_above_the_stricter_bar(tmp_path, monkeypatch):
    # Two records of one source, one person twice: everything agrees.
    twice = [
        person(1, "Oliver", "Whishaw", "1975-10-21", "25 Ashcroft Crescent"),
        person(2, "Oliver", "Whishaw", "1975-10-21", "25 Ashcroft Crescent"),
    ]
    others = [
        person(i, f"Given{i}", f"Other{i}", f"19{60 + i}-02-03", f"{i} Road") for i in range(3, 40)
    ]
    write_source(tmp_path, "HOUSING", twice + others, category="housing")
    write_source(
        tmp_path, "POLICE", [person(1, "Oliver", "Whishaw", "1975-10-21", "25 Ashcroft Crescent")]
    )
    load(tmp_path)
    council = tmp_path / "council.toml"

    # Just over the bar: the source's two records are one person.
    council.write_text("duplicates_upper = 0.99999\n")
    monkeypatch.setenv("FAMILYVIEW_LINKAGE_SETTINGS", str(council))
    link(retrain=True, incremental=False)
    assert len(persons_of("R1", "R2")) == 1

    # Just under it (a bar no pair can clear): they wait for a steward.
    council.write_text("duplicates_upper = 1.0\n")
    link(incremental=False)
    assert len(persons_of("R1", "R2")) == 2
