"""Duplicates within a source, read from the person index, and the CSV for the source's
owner (`source_duplicates`, `familyview duplicates`)."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from familyview.identity.duplicates import (
    CSV_HEADER,
    duplicate_count,
    duplicates_csv_lines,
    source_duplicates,
    source_duplicates_page,
    visible_source,
)
from familyview.sources.models import Source
from tests.identity.test_stewardship import a_person, a_record, a_run, a_source
from tests.web.factories import create_authority

pytestmark = pytest.mark.django_db


@pytest.fixture
def authority():
    return create_authority("stockport", "Stockport")


@pytest.fixture
def index(authority):
    """CSC holds person `twice` in two records and `thrice` in three; `across` holds one
    CSC and one GP record (not a CSC duplicate); `ended` two CSC records, one ended."""
    csc, gp = a_source(authority, "CSC"), a_source(authority, "GP")
    run = a_run()
    r = {
        "c1": a_record(csc, source_record_id="C-200"),
        "c2": a_record(csc, source_record_id="C-201"),
        "c3": a_record(csc, source_record_id="=HYPERLINK(1)"),
        "c4": a_record(csc, source_record_id="C-101"),
        "c5": a_record(csc, source_record_id="C-102"),
        "c6": a_record(csc, source_record_id="C-300"),
        "g1": a_record(gp, source_record_id="G-1"),
        "c7": a_record(csc, source_record_id="C-400"),
        "c8": a_record(csc, source_record_id="C-401", ended=True),
    }
    twice = a_person(run, r["c1"], r["c2"], basis="model")
    thrice = a_person(run, r["c3"], r["c4"], r["c5"], basis="deterministic")
    across = a_person(run, r["c6"], r["g1"])
    ended = a_person(run, r["c7"], r["c8"])
    return {"csc": csc.source, "gp": gp.source, "run": run, **r} | {
        "twice": twice,
        "thrice": thrice,
        "across": across,
        "ended": ended,
    }


def test_each_person_held_twice_by_a_source_is_a_group(index):
    groups = source_duplicates(index["csc"])

    # In the order of the source's own ids ("=HYPERLINK(1)" sorts first).
    assert [g.person_id for g in groups] == [index["thrice"].pk, index["twice"].pk]
    thrice = groups[0]
    assert [r.source_record_id for r in thrice.records] == ["=HYPERLINK(1)", "C-101", "C-102"]
    assert {(r.basis, r.how_linked, r.match_probability) for r in thrice.records} == {
        ("deterministic", "The same valid NHS number and date of birth", 0.995)
    }
    assert duplicate_count(index["csc"]) == 2
    # Records of two sources under one person are linkage, not a duplicate; GP holds no one
    # twice.
    assert source_duplicates(index["gp"]) == []
    assert duplicate_count(index["gp"]) == 0


def test_a_page_of_groups(index):
    first = source_duplicates_page(index["csc"], 1, per_page=1)
    second = source_duplicates_page(index["csc"], 2, per_page=1)

    assert first.page.paginator.count == 2
    assert [g.person_id for g in first.groups] == [index["thrice"].pk]
    assert [g.person_id for g in second.groups] == [index["twice"].pk]


def test_the_csv_names_records_by_the_owners_ids_and_runs_no_formula(index):
    rows = list(csv.reader(io.StringIO("".join(duplicates_csv_lines(index["csc"])))))

    assert tuple(rows[0]) == CSV_HEADER
    assert rows[1] == [
        "CSC",
        "'=HYPERLINK(1)",
        index["thrice"].pk,
        "3",
        "The same valid NHS number and date of birth",
        "0.995000",
    ]
    assert [row[1] for row in rows[1:]] == ["'=HYPERLINK(1)", "C-101", "C-102", "C-200", "C-201"]
    # No names or dates of birth: the owner's system has them.
    assert "Ann" not in "".join(",".join(r) for r in rows)


def test_another_authoritys_source_is_not_visible(index):
    leeds = create_authority("leeds", "Leeds")

    assert visible_source("CSC", [index["csc"].authority_id]) == index["csc"]
    with pytest.raises(Source.DoesNotExist):
        visible_source("CSC", [leeds.pk])


def test_the_command_writes_the_same_csv(index, tmp_path):
    out = tmp_path / "csc-duplicates.csv"
    said = io.StringIO()

    call_command("duplicates", "CSC", str(out), stdout=said)

    assert out.read_bytes().decode("utf-8") == "".join(duplicates_csv_lines(index["csc"]))
    assert said.getvalue().strip() == (
        f"2 people held more than once by CSC (5 records) written to {out}"
    )
    with pytest.raises(CommandError, match="There is no source 'NOPE'"):
        call_command("duplicates", "NOPE", str(out))
