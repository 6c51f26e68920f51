"""A worker's "these are the same person": the report, and a pair of the two persons'
records in the data steward's review queue that the link runs leave waiting until a
steward decides it or the two are one person."""

import csv
import json
from pathlib import Path

import pytest

from familyview.access.models import Role
from familyview.families.factories import create_person, create_review_pair
from familyview.identity.models import LinkedRecord, ProblemReport, ReviewPair
from familyview.identity.problems import SamePersonRefused, report_problem
from familyview.pipeline.imports import ingest
from familyview.pipeline.linking import link
from familyview.pipeline.steward_changes import decide_pair
from familyview.sources.factories import create_import, create_person_record, create_source
from familyview.sources.registry import load_sources
from tests.web.factories import create_authority, create_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def authority():
    return create_authority("stockport", "Stockport")


@pytest.fixture
def worker(authority):
    return create_staff(Role.PRACTITIONER, authority)


@pytest.fixture
def two(authority):
    """Gurmeet Doyle in two sources, and Gurmeet Singh in one: three records, two persons."""
    csc = create_import(create_source(authority, code="CSC"))
    housing = create_import(create_source(authority, code="HOUSING", service_category="housing"))
    born = {"birth_year": 1981, "birth_month": 10, "birth_day": 1}
    doyle = [
        create_person_record(csc, given_name="Gurmeet", family_name="Doyle", **born),
        create_person_record(housing, given_name="Gurmeet", family_name="Doyle", **born),
    ]
    singh = create_person_record(housing, given_name="Gurmeet", family_name="Singh", **born)
    return {
        "doyle": create_person(*doyle),
        "singh": create_person(singh),
        "doyle_records": doyle,
        "singh_record": singh,
    }


def same_person(two, authority, worker, **kw) -> ProblemReport:
    return report_problem(
        person_id=two["doyle"].pk,
        authority_id=authority.pk,
        reporter=worker,
        kind="same_person",
        what="She married last year: Singh is her new name.",
        same_as=kw.pop("same_as", two["singh"].pk),
        **kw,
    )


def test_the_report_puts_a_pair_of_their_records_in_the_review_queue(two, authority, worker):
    report = same_person(two, authority, worker)

    assert (report.kind, report.same_as_id) == ("same_person", two["singh"].pk)
    (pair,) = ReviewPair.objects.all()
    assert pair.status == ReviewPair.Status.OPEN and pair.reported_in == report
    records = {pair.record_a_id, pair.record_b_id}
    assert two["singh_record"].pk in records
    assert records & {r.pk for r in two["doyle_records"]}
    assert pair.record_a_id < pair.record_b_id  # as the queue holds pairs
    assert pair.found_by_run is None


def test_a_pair_already_waiting_is_marked_as_reported_not_made_twice(two, authority, worker):
    waiting = create_review_pair(two["doyle_records"][1], two["singh_record"], probability=0.7)
    report = same_person(two, authority, worker)
    (pair,) = ReviewPair.objects.all()
    assert pair.pk == waiting.pk and pair.reported_in == report


def test_a_pair_no_longer_uncertain_waits_again(two, authority, worker):
    create_review_pair(two["doyle_records"][0], two["singh_record"], status=ReviewPair.Status.GONE)
    create_review_pair(
        two["doyle_records"][1], two["singh_record"], status=ReviewPair.Status.DECIDED
    )
    report = same_person(two, authority, worker)
    reopened = ReviewPair.objects.get(record_a=two["doyle_records"][0])
    assert reopened.status == ReviewPair.Status.OPEN and reopened.reported_in == report


def test_where_a_steward_decided_every_pair_the_report_stands_alone(two, authority, worker):
    for record in two["doyle_records"]:
        create_review_pair(record, two["singh_record"], status=ReviewPair.Status.DECIDED)
    report = same_person(two, authority, worker)
    assert report.pk and not ReviewPair.objects.filter(reported_in=report).exists()


@pytest.mark.parametrize(
    ("same_as", "message"),
    [
        ("", "Select who in the family this is the same person as"),
        ("self", "Select someone else in the family"),
        ("PNOSUCHPERSON0000", "Select someone else in the family"),
    ],
)
def test_the_same_person_as_no_one_is_refused(two, authority, worker, same_as, message):
    same_as = two["doyle"].pk if same_as == "self" else same_as
    with pytest.raises(SamePersonRefused, match=message):
        same_person(two, authority, worker, same_as=same_as)
    assert not ProblemReport.objects.exists() and not ReviewPair.objects.exists()


def test_another_kind_of_report_names_no_one_else(two, authority, worker):
    report = report_problem(
        person_id=two["doyle"].pk,
        authority_id=authority.pk,
        reporter=worker,
        kind="wrong_detail",
        what="Her address is out of date.",
        same_as=two["singh"].pk,
    )
    assert report.same_as_id is None and not ReviewPair.objects.exists()


# Through link runs


def write_source(root: Path, code: str, rows: list[dict]) -> None:
    folder = root / code
    folder.mkdir(parents=True)
    (folder / "extract.json").write_text(
        json.dumps({"source": code, "extracted_at": "2026-11-01T00:00:00+00:00", "kind": "full"})
    )
    with (folder / "people.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with (root / "sources.toml").open("a", encoding="utf-8") as f:
        f.write(
            f'[[source]]\ncode = "{code}"\nname = "{code}"\nauthority = "stockport"\n'
            'service_category = "housing"\norganisation = "Test"\n'
            'expected_every_days = 1\nmapping = "canonical"\n\n'
        )


def person_of(source_id: str) -> str:
    return LinkedRecord.objects.get(person_record__source_record_id=source_id).person_id


@pytest.mark.slow
def test_link_runs_leave_a_reported_pair_waiting_until_a_steward_decides(
    tmp_path, authority, worker
):
    given = ["Amy", "Ben", "Cara", "Dev", "Ella", "Finn", "Gita", "Hugo", "Isla", "Jack"]
    family = ["Britten", "Noyce", "Coppock", "Gazzola", "Hauser", "Meeking", "Quast"]
    rows = [
        {
            "source_id": f"R{i}",
            "given_name": given[i % 10],
            "family_name": family[i % 7],
            "date_of_birth": f"19{20 + i}-0{1 + i % 9}-1{i % 9}",
            "address_line1": f"{i} Road",
        }
        for i in range(3, 40)
    ]
    doyle = {"given_name": "Gurmeet", "date_of_birth": "1981-10-01", "address_line1": "4 Rd"}
    elsewhere = {"address_line1": "9 Lane", "date_of_birth": "1981-01-10"}
    rows += [
        {"source_id": "R1", **doyle, "family_name": "Doyle"},
        # Known by her second name, under her new surname, elsewhere: nothing to link by.
        {**doyle, **elsewhere, "source_id": "R2", "given_name": "Kiran", "family_name": "Singh"},
    ]
    write_source(tmp_path, "HOUSING", rows)
    for source in load_sources(tmp_path / "sources.toml"):
        assert ingest(source.code, [tmp_path / source.code], "tests").ok
    link(incremental=False)
    doyle_id, singh_id = person_of("R1"), person_of("R2")
    assert doyle_id != singh_id
    ReviewPair.objects.all().delete()  # whatever the run found: only the worker's pair
    report = report_problem(
        person_id=doyle_id,
        authority_id=authority.pk,
        reporter=worker,
        kind="same_person",
        what="One woman",
        same_as=singh_id,
    )
    (pair,) = ReviewPair.objects.filter(reported_in=report)

    for incremental in (False, True):
        link(incremental=incremental)
        waiting = ReviewPair.objects.get(reported_in=report)
        assert waiting.status == ReviewPair.Status.OPEN
        assert {waiting.record_a_id, waiting.record_b_id} == {pair.record_a_id, pair.record_b_id}

    steward = create_staff(Role.DATA_STEWARD, authority)
    decide_pair(waiting.pk, "same", steward, "Checked with housing: one tenant")
    link(incremental=False)
    assert person_of("R1") == person_of("R2")
    assert ReviewPair.objects.get(reported_in=report).status == ReviewPair.Status.DECIDED
