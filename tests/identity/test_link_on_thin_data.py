"""`familyview link` on extracts that give the model little to learn from: no postcodes,
one source alone, a handful of records, duplicates within one source. Each links, or says
in one line what it could not learn, and never ends in a traceback."""

import csv
import json
import math
from pathlib import Path

import pytest
from django.core.management import call_command

from familyview.identity.configuration import thresholds
from familyview.identity.model import comparisons_changed
from familyview.identity.models import LinkageModel, LinkedRecord, ReviewPair
from familyview.pipeline.imports import ingest
from familyview.pipeline.linking import link
from familyview.sources.models import PersonRecord
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


def test_a_duplicate_within_one_source_links_only_above_the_stricter_bar(tmp_path, settings):
    # Two records of one source, one person twice: everything agrees.
    twice = [
        person(1, "Oliver", "Whishaw", "1975-10-21", "25 Ashcroft Crescent"),
        person(2, "Oliver", "Whishaw", "1975-10-21", "25 Ashcroft Crescent"),
    ]
    given = ["Amy", "Ben", "Cara", "Dev", "Ella", "Finn", "Gita", "Hugo", "Isla", "Jack"]
    family = ["Britten", "Noyce", "Coppock", "Gazzola", "Hauser", "Meeking", "Quast"]
    others = [
        person(i, given[i % 10], family[i % 7], f"19{20 + i}-0{1 + i % 9}-1{i % 9}", f"{i} Road")
        for i in range(3, 70)
    ]
    write_source(tmp_path, "HOUSING", twice + others, category="housing")
    write_source(
        tmp_path, "POLICE", [person(1, "Oliver", "Whishaw", "1975-10-21", "25 Ashcroft Crescent")]
    )
    load(tmp_path)
    council = tmp_path / "council.toml"
    settings.FAMILYVIEW_LINKAGE_SETTINGS = str(council)
    housing = dict(
        PersonRecord.objects.filter(source__code="HOUSING").values_list("source_record_id", "pk")
    )

    # A bar no pair can clear: the two records wait for a steward, with their probability.
    council.write_text("duplicates_upper = 1.0\n")
    link(incremental=False)
    assert len(persons_of("R1", "R2")) == 2
    waiting = ReviewPair.objects.get(
        record_a__in=[housing["R1"], housing["R2"]], record_b__in=[housing["R1"], housing["R2"]]
    )
    p = waiting.match_probability
    assert thresholds().upper <= p < 1.0
    assert "one source (HOUSING)" in waiting.why_not_linked

    # Just above the pair's probability: still for a steward.
    council.write_text(f"duplicates_upper = {math.nextafter(p, 1.0)!r}\n")
    link(incremental=False)
    assert len(persons_of("R1", "R2")) == 2

    # At it: the source's two records are one person, a duplicate for its owner to fix.
    council.write_text(f"duplicates_upper = {p!r}\n")
    link(incremental=False)
    assert len(persons_of("R1", "R2")) == 1


def test_a_model_saved_by_a_version_with_other_comparisons_is_trained_again(tmp_path, capsys):
    write_source(tmp_path, "A", [person(1, "Amy", "Britten", "1980-04-02", "4 Whiteside Court")])
    write_source(tmp_path, "B", [person(1, "Amy", "Britten", "1980-04-02", "4 Whiteside Court")])
    load(tmp_path)
    first = link()
    saved = first.model
    assert not comparisons_changed(saved.splink_settings)
    # As an older version saved it: one comparison fewer.
    saved.splink_settings = {
        **saved.splink_settings,
        "comparisons": saved.splink_settings["comparisons"][:-1],
    }
    saved.save()
    assert comparisons_changed(saved.splink_settings)

    call_command("link")

    assert LinkageModel.objects.order_by("-version").first().version == saved.version + 1
    assert "compares records otherwise than this version" in capsys.readouterr().err


def trained_m(comparison: str) -> list[float | None]:
    """The m probabilities the saved model holds for one comparison's levels."""
    saved = LinkageModel.objects.order_by("-version").first().splink_settings
    (found,) = [c for c in saved["comparisons"] if c["output_column_name"] == comparison]
    return [
        lv.get("m_probability") for lv in found["comparison_levels"] if not lv.get("is_null_level")
    ]


def test_every_comparison_the_records_can_teach_is_learned_given_names_included(tmp_path):
    # The given-name comparison reads the family name too (for swapped names): a training
    # session blocked on the family name holds it fixed. It used to be left at Splink's
    # defaults on every corpus.
    given = ["Amy", "Ben", "Cara", "Dev", "Ella", "Finn", "Gita", "Hugo", "Isla", "Jack"]
    families = ["Britten", "Noyce", "Coppock", "Whishaw", "Gazzola", "Hauser", "Lund"]
    a, b = [], []
    for i in range(120):
        row = person(
            i,
            given[i % 10],
            families[i % 7],
            f"19{40 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            f"{i + 1} {families[(i + 3) % 7]} Road",
        )
        a.append(row)
        # One in four of the other source's copies has the given name recorded otherwise.
        b.append({**row, "given_name": given[(i + 1) % 10] if i % 4 == 0 else row["given_name"]})
    write_source(tmp_path, "A", a)
    write_source(tmp_path, "B", b, category="housing")
    load(tmp_path)

    link()

    for comparison in ("given_name", "family_name", "date_of_birth", "address"):
        assert any(m is not None for m in trained_m(comparison)), comparison


def test_given_and_family_names_swapped_with_a_typo_count_as_swapped():
    import duckdb

    from familyview.identity.model import _given_name

    levels = _given_name().get_comparison("duckdb").as_dict()["comparison_levels"]
    (swapped,) = [lv for lv in levels if lv["label_for_charts"] == "Given and family names swapped"]
    sql = (
        f"SELECT coalesce(({swapped['sql_condition']}), false) FROM (SELECT ? AS given_name_l, "
        "? AS family_name_l, ? AS given_name_r, ? AS family_name_r)"
    )
    con = duckdb.connect()
    assert con.execute(sql, ["sean", "hewson", "hewson", "seanb"]).fetchone()[0]
    assert con.execute(sql, ["caitlin", "papanotis", "papanortis", "caitlin"]).fetchone()[0]
    assert con.execute(sql, ["chloe", "ryan", "ryna", "chloe"]).fetchone()[0]
    assert not con.execute(sql, ["sean", "hewson", "hewitt", "sean"]).fetchone()[0]
