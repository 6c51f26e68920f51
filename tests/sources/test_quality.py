"""Data quality per source on a small dataset whose figures are known (its links in the
person index: tests/identity/test_source_links.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from familyview.access.models import Role
from familyview.identity.models import StewardDecision
from familyview.sources.factories import create_import, create_quarantined_row, create_source
from familyview.sources.quality import percent, source_quality
from tests.identity.test_stewardship import a_person, a_record, a_review_pair, a_run
from tests.web.factories import create_authority, create_staff

pytestmark = pytest.mark.django_db

FULL = {"birth_year": 2010, "birth_month": 4, "birth_day": 2}


@pytest.fixture
def dataset():
    now = timezone.now()
    stockport = create_authority("stockport", "Stockport")
    leeds = create_authority("leeds", "Leeds")
    csc = create_source(stockport, code="CSC", expected_every_days=7)
    gp = create_source(stockport, code="GP", expected_every_days=1)
    theirs = create_source(leeds, code="LEEDS-CSC")
    older = create_import(csc, extracted_at=now - timedelta(days=10))
    last = create_import(csc, extracted_at=now - timedelta(days=3))
    create_import(csc, status="rejected", extracted_at=now - timedelta(days=1))
    gp_import = create_import(gp, extracted_at=now - timedelta(days=2))
    leeds_import = create_import(theirs, extracted_at=now)

    # The last loaded CSC extract quarantined two postcodes, one NHS number and a whole row;
    # an involvement and the older extract's rows do not count.
    create_quarantined_row(last, field="postcode")
    create_quarantined_row(last, field="nhs_number, postcode")
    create_quarantined_row(last, field="")
    create_quarantined_row(last, field="person_source_id", record_kind="involvements")
    create_quarantined_row(older, field="postcode")

    r = {
        # Everything filled in.
        "c1": a_record(
            last,
            sex="female",
            postcode="SK4 1AA",
            uprn="100011000001",
            nhs_number="9434765919",
            **FULL,
        ),
        # Year only, sex unknown, no address or NHS number.
        "c2": a_record(last, sex="unknown", birth_year=2011),
        # Year and month; no given name.
        "c3": a_record(
            last, given_name="", sex="male", birth_year=2012, birth_month=5, postcode="SK4 1AB"
        ),
        # No date of birth, no family name.
        "c4": a_record(last, family_name="", birth_year=None, sex=""),
        # Ended: not counted anywhere.
        "c5": a_record(last, ended=True, postcode="SK1 1AA", **FULL),
        "g1": a_record(gp_import, **FULL),
        "g2": a_record(gp_import, ended=True, **FULL),
        "l1": a_record(leeds_import, **FULL),
    }
    run = a_run()
    a_person(run, r["c1"], r["g1"])  # linked to another source, current
    a_person(run, r["c2"], r["g2"])  # only to an ended record: not linked elsewhere
    a_person(run, r["c3"], r["c4"])  # two CSC records in one person
    a_person(run, r["l1"])
    # Pairs within CSC: one waiting, one not sure, one gone; decisions: one same in force,
    # one withdrawn, one different.
    a_review_pair(run, r["c1"], r["c2"])
    a_review_pair(run, r["c1"], r["c3"], status="not_sure")
    a_review_pair(run, r["c2"], r["c3"], status="gone")
    a_review_pair(run, r["c1"], r["g1"])  # across sources: not a duplicate
    steward = create_staff(Role.DATA_STEWARD, stockport)
    for a, b, ruling, withdrawn in [
        ("c3", "c4", "same", None),
        ("c1", "c4", "same", now),
        ("c2", "c4", "different", None),
    ]:
        StewardDecision.objects.create(
            record_a=r[a],
            record_b=r[b],
            ruling=ruling,
            reason="x",
            decided_by=steward,
            withdrawn_at=withdrawn,
        )
    return {"stockport": stockport, "now": now}


def by_code(dataset):
    return {q.source.code: q for q in source_quality([dataset["stockport"].pk], now=dataset["now"])}


def test_only_the_authoritys_sources_are_reported(dataset):
    assert list(by_code(dataset)) == ["CSC", "GP"]


def test_completeness_counts_current_records_with_each_field(dataset):
    csc = by_code(dataset)["CSC"]

    assert csc.current_records == 4
    assert {f.field: f.count for f in csc.completeness} == {
        "given_name": 3,
        "family_name": 3,
        "full_date_of_birth": 1,
        "partial_date_of_birth": 2,
        "sex": 2,  # "unknown" and empty are not a sex
        "postcode": 2,
        "postcode_outside_uk": 0,
        "uprn": 1,
        "nhs_number": 1,
    }
    assert {f.field: f.share_text for f in csc.completeness}["given_name"] == "75%"


def test_validity_compares_values_held_with_rows_quarantined_last_time(dataset):
    csc = by_code(dataset)["CSC"]

    assert csc.quarantined_by_field == {"postcode": 2, "nhs_number": 1, "": 1}
    validity = {v.field: (v.passed, v.failed, v.share_text) for v in csc.validity}
    assert validity == {"postcode": (2, 2, "50%"), "nhs_number": (1, 1, "50%")}
    gp = by_code(dataset)["GP"]
    assert gp.quarantined_by_field == {}
    assert {v.field: v.share for v in gp.validity} == {"postcode": None, "nhs_number": None}


def test_postcodes_of_other_countries_are_counted_apart(dataset):
    imp = create_import(create_source(dataset["stockport"], code="ABROAD"))
    a_record(imp, postcode="SK4 1AA")
    a_record(imp, postcode="1012 AB")
    a_record(imp, postcode="4223")
    a_record(imp)
    abroad = by_code(dataset)["ABROAD"]

    filled = {f.field: f.count for f in abroad.completeness}
    assert (filled["postcode"], filled["postcode_outside_uk"]) == (3, 2)
    # Valid UK postcodes: only the UK one passes; the others are not failures either.
    assert {v.field: (v.passed, v.failed) for v in abroad.validity}["postcode"] == (1, 0)


def test_the_age_of_the_last_loaded_extract(dataset):
    csc, gp = by_code(dataset)["CSC"], by_code(dataset)["GP"]

    assert (csc.extract_age_days, csc.overview.stale) == (3, False)  # the rejected one is newer
    assert (gp.extract_age_days, gp.overview.stale) == (2, True)  # expected every day


def test_a_fixed_number_of_queries_however_many_sources(dataset, django_assert_max_num_queries):
    for _ in range(10):
        imp = create_import(create_source(dataset["stockport"]), extracted_at=timezone.now())
        a_record(imp)
        create_quarantined_row(imp, field="postcode")

    # Sources, completeness, quarantine.
    with django_assert_max_num_queries(3):
        assert len(source_quality([dataset["stockport"].pk])) == 12


@pytest.mark.parametrize(
    ("share", "words"),
    [
        (None, "No records"),
        (0, "0%"),
        (0.001, "less than 1%"),
        (0.5, "50%"),
        (0.996, "99%"),
        (1, "100%"),
    ],
)
def test_percent(share, words):
    assert percent(share) == words
