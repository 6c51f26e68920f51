"""The review queue in the order stewards work it (children and their families first,
then the most likely match), and `familyview review export`."""

import csv
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from familyview.families.models import FamilyLink
from familyview.identity.queries import children_touched, queue_in_order, review_queue
from familyview.identity.review_export import CSV_HEADER
from tests.identity.test_stewardship import a_person, a_record, a_review_pair, a_run, a_source
from tests.web.factories import create_authority

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
CHILD, ADULT = THIS_YEAR - 9, THIS_YEAR - 40


@pytest.fixture
def authority():
    return create_authority("stockport", "Stockport")


@pytest.fixture
def queue(authority):
    """Five open pairs and one not sure:

    - `adults`: two adults, the strongest of all;
    - `child`: a child's records, weaker;
    - `parent`: two records of an adult whose person has a family link to a child;
    - `holds_child`: a record without a birth year whose person holds a child's record;
    - `weak_adults`: two adults, weakest;
    - `not_sure`: a child's pair a steward was not sure about.
    """
    csc, gp = a_source(authority, "CSC"), a_source(authority, "GP")
    run = a_run()
    adult_a, adult_b = a_record(csc, birth_year=ADULT), a_record(gp, birth_year=ADULT)
    a_person(run, adult_a), a_person(run, adult_b)
    child_a, child_b = a_record(csc, birth_year=CHILD), a_record(csc, birth_year=CHILD)
    kid, kid2 = a_person(run, child_a), a_person(run, child_b)
    mum_a, mum_b = a_record(csc, birth_year=ADULT), a_record(gp, birth_year=ADULT)
    mum = a_person(run, mum_a)
    a_person(run, mum_b)
    FamilyLink.objects.create(
        authority=authority,
        person=mum,
        related_person=kid,
        relationship_type="child",
        basis="source",
        confidence=1.0,
    )
    # An adult relative is no reason to come first, nor a child touched.
    FamilyLink.objects.create(
        authority=authority,
        person=mum,
        related_person=a_person(run, a_record(gp, birth_year=ADULT)),
        relationship_type="partner",
        basis="household",
        confidence=0.8,
    )
    no_year, other = a_record(gp, birth_year=None), a_record(csc, birth_year=None)
    holder = a_person(run, no_year, a_record(gp, birth_year=CHILD))
    a_person(run, other)
    weak_a, weak_b = a_record(csc, birth_year=ADULT), a_record(gp, birth_year=ADULT)
    a_person(run, weak_a), a_person(run, weak_b)
    later = a_record(gp, birth_year=CHILD)
    a_person(run, later)
    pairs = {
        "adults": a_review_pair(run, adult_a, adult_b, p=0.98, match_weight=6.5),
        "child": a_review_pair(run, child_a, child_b, p=0.7),
        "parent": a_review_pair(run, mum_a, mum_b, p=0.8, why_not_linked="born years apart"),
        "holds_child": a_review_pair(run, no_year, other, p=0.6),
        "weak_adults": a_review_pair(run, weak_a, weak_b, p=0.55),
        "not_sure": a_review_pair(run, child_a, later, p=0.99, status="not_sure"),
    }
    a_review_pair(run, weak_a, adult_b, p=0.97, status="decided")
    return pairs | {"kid": kid, "kid2": kid2, "holder": holder, "authority": authority}


def test_children_and_their_families_come_first_then_the_strongest(queue):
    page = review_queue([queue["authority"].pk])

    order = [p.pk for p in page]
    assert order == [
        queue[name].pk
        for name in ("parent", "child", "holds_child", "adults", "weak_adults", "not_sure")
    ]
    assert [p.children_last for p in page] == [0, 0, 0, 1, 1, 0]


def test_the_children_a_pair_touches(queue):
    pairs = list(queue_in_order([queue["authority"].pk]))

    touched = children_touched(pairs)

    assert touched[queue["parent"].pk] == [queue["kid"].pk]
    assert touched[queue["child"].pk] == sorted([queue["kid"].pk, queue["kid2"].pk])
    assert touched[queue["holds_child"].pk] == [queue["holder"].pk]
    assert touched[queue["adults"].pk] == []


def test_review_export_writes_the_queue_in_order(queue, tmp_path):
    parent = queue["parent"]
    parent.record_b.source_record_id = "+44 161"  # a source id a spreadsheet would run
    parent.record_b.save()
    out = tmp_path / "queue.csv"
    said = io.StringIO()

    call_command("review", "export", str(out), stdout=said)

    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == CSV_HEADER
    assert [int(r[0]) for r in rows[1:]] == [
        queue[name].pk
        for name in ("parent", "child", "holds_child", "adults", "weak_adults", "not_sure")
    ]
    by_pair = {int(r[0]): dict(zip(CSV_HEADER, r, strict=True)) for r in rows[1:]}
    first = by_pair[parent.pk]
    assert first == {
        "pair_id": str(parent.pk),
        "status": "open",
        "record_a_source": "CSC",
        "record_a_source_record_id": parent.record_a.source_record_id,
        "record_b_source": "GP",
        "record_b_source_record_id": "'+44 161",
        "within_one_source": "no",
        "match_probability": "0.800000",
        "match_weight": "3.20",
        "why_not_linked": "A rule keeps them apart: born years apart",
        "children_whose_family_it_touches": queue["kid"].pk,
    }
    adults = by_pair[queue["adults"].pk]
    assert adults["match_weight"] == "6.50"
    assert adults["why_not_linked"].startswith("The model's probability (98%) is below")
    assert adults["children_whose_family_it_touches"] == ""
    assert by_pair[queue["child"].pk]["within_one_source"] == "yes"
    assert by_pair[queue["not_sure"].pk]["status"] == "not_sure"
    assert said.getvalue().strip() == f"6 pairs waiting for review written to {out}"
