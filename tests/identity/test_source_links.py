"""How each source's records sit in the person index, on the data quality page's small
dataset whose figures are known (tests/sources/test_quality.py)."""

import pytest
from django.utils import timezone

from familyview.identity.source_links import data_quality
from familyview.sources.factories import create_import, create_quarantined_row, create_source
from tests.identity.test_stewardship import a_record
from tests.sources.test_quality import dataset  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def by_code(dataset):  # noqa: F811
    return {
        f.quality.source.code: f.links
        for f in data_quality([dataset["stockport"].pk], now=dataset["now"])
    }


def test_duplicates_within_a_source(dataset):  # noqa: F811
    csc, gp = by_code(dataset)["CSC"], by_code(dataset)["GP"]

    assert csc.possible_duplicate_pairs == 2  # waiting and not sure; not gone, not across
    assert csc.confirmed_duplicate_pairs == 1  # in force and "same"
    assert csc.persons_with_several_records == 1
    assert (gp.possible_duplicate_pairs, gp.confirmed_duplicate_pairs) == (0, 0)
    assert gp.persons_with_several_records == 0  # g2 is ended


def test_the_share_linked_to_another_source(dataset):  # noqa: F811
    csc, gp = by_code(dataset)["CSC"], by_code(dataset)["GP"]

    assert (csc.linked_elsewhere.count, csc.linked_elsewhere.total) == (1, 4)
    assert csc.linked_elsewhere.share_text == "25%"
    assert (gp.linked_elsewhere.count, gp.linked_elsewhere.total) == (1, 1)


def test_the_page_costs_a_fixed_number_of_queries_however_many_sources(
    dataset,  # noqa: F811
    django_assert_max_num_queries,
):
    for _ in range(10):
        imp = create_import(create_source(dataset["stockport"]), extracted_at=timezone.now())
        a_record(imp)
        create_quarantined_row(imp, field="postcode")

    # Sources, completeness, quarantine, two duplicate counts, persons, linked elsewhere.
    with django_assert_max_num_queries(7):
        figures = data_quality([dataset["stockport"].pk])
    assert len(figures) == 12
    assert {f.quality.source.code for f in figures} >= {"CSC", "GP"}
