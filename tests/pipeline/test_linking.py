"""A link run, then the families: identity/ writes the person index only, and the
pipeline updates the families of what the run changed."""

import pytest

from familyview.access.models import Authority
from familyview.families.models import FamilyBuild, FamilyLink
from familyview.identity import linkage
from familyview.identity.models import LinkedRecord
from familyview.pipeline.imports import ingest
from familyview.pipeline.linking import link
from familyview.sources.models import Source
from tests.sources.extracts import person, write_extract

pytestmark = pytest.mark.django_db

MUM = person("MUM", given_name="Rose", family_name="Hart", date_of_birth="1990-01-02")
KID = person("KID", given_name="Amelia", family_name="Hart", date_of_birth="2016-03-09")
MOTHER = {"person_source_id": "KID", "related_source_id": "MUM", "relationship_type": "mother"}


@pytest.fixture
def a_family(tmp_path):
    authority = Authority.objects.create(code="stockport", name="Stockport")
    Source.objects.create(
        authority=authority, code="CSC", name="CSC", service_category="childrens_social_care"
    )
    folder = write_extract(tmp_path / "CSC", "CSC", people=[MUM, KID], relationships=[MOTHER])
    assert ingest("CSC", [folder], "tests").ok
    return tmp_path


def person_of(source_record_id: str) -> str:
    return LinkedRecord.objects.get(person_record__source_record_id=source_record_id).person_id


def test_a_link_run_on_its_own_writes_the_index_and_no_family(a_family):
    linked = linkage.link()

    assert linked.run.persons == 2
    assert linked.changed is None  # a full run: anyone's family may have changed
    assert not FamilyBuild.objects.exists()
    assert not FamilyLink.objects.exists()


def test_the_pipeline_builds_the_families_after_the_index(a_family):
    run = link()

    assert FamilyBuild.objects.get().link_run_to == run.pk
    kid, mum = person_of("KID"), person_of("MUM")
    assert set(FamilyLink.objects.values_list("person", "related_person", "relationship_type")) >= {
        (kid, mum, "mother"),
        (mum, kid, "child"),
    }


def test_an_incremental_run_names_the_persons_it_changed(a_family, tmp_path):
    link()
    dad = person("DAD", given_name="Tom", family_name="Hart", date_of_birth="1988-05-05")
    folder = write_extract(
        tmp_path / "again",
        "CSC",
        people=[MUM, KID, dad],
        relationships=[
            MOTHER,
            {"person_source_id": "KID", "related_source_id": "DAD", "relationship_type": "father"},
        ],
        extracted_at="2026-11-21T02:00:00Z",
    )
    assert ingest("CSC", [folder], "tests").ok

    linked = linkage.link()

    assert linked.changed == {person_of("DAD")}
