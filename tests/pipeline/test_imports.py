"""An import, then its source's search entries: sources/ does its own step only, and the
pipeline refreshes the entries inside the import's transaction."""

import pytest

from familyview.access.models import Authority
from familyview.identity.models import SearchEntry
from familyview.pipeline import imports
from familyview.sources import ingest as sources_ingest
from familyview.sources.models import PersonRecord, Source
from tests.sources.extracts import person, write_extract

pytestmark = pytest.mark.django_db

PEOPLE = [
    person("OPEN", given_name="Amelia", family_name="Hart"),
    person("SHIELDED", given_name="Ben", family_name="Hart", restricted="true"),
]


@pytest.fixture
def extract(tmp_path):
    authority = Authority.objects.create(code="stockport", name="Stockport")
    Source.objects.create(
        authority=authority, code="CSC", name="CSC", service_category="childrens_social_care"
    )
    return write_extract(tmp_path / "CSC", "CSC", people=PEOPLE)


def test_an_import_on_its_own_writes_no_search_entry(extract):
    # The person index's search entries are not the sources' to write, even for a
    # shielded record.
    outcome = sources_ingest.ingest("CSC", [extract], "tests")

    assert outcome.ok
    assert PersonRecord.objects.count() == 2
    assert not SearchEntry.objects.exists()


def test_the_pipeline_refreshes_the_shielded_records_entries_with_the_import(extract):
    outcome = imports.ingest("CSC", [extract], "tests")

    assert outcome.ok
    # The new open record waits for the next link run; the shielded one counts at once.
    assert list(
        SearchEntry.objects.values_list("person_record__source_record_id", "restricted")
    ) == [("SHIELDED", True)]


def test_the_refresh_is_part_of_the_imports_transaction(extract):
    # A dry run rolls its one transaction back: the entries the refresh wrote go with it.
    outcome = imports.ingest("CSC", [extract], "tests", dry_run=True)

    assert outcome.dry_run and outcome.extract_import.people_accepted == 2
    assert not PersonRecord.objects.exists()
    assert not SearchEntry.objects.exists()
