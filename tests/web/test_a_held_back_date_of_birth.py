"""A child whose date of birth the source got wrong (30 February) is still a child a worker
can find: the record is kept and linked, search finds her by name, her family page shows
her and her service, and the data steward's import page says which value was held back."""

import pytest
from django.test import Client
from django.urls import reverse

from familyview.access.purpose import PurposeOfAccess, remember_purpose
from familyview.identity.models import LinkedRecord
from familyview.pipeline.imports import ingest
from familyview.pipeline.linking import link
from familyview.sources.factories import create_source
from familyview.sources.models import ExtractImport
from tests.sources.extracts import involvement, person, write_extract

from .pages import read, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(authority, tmp_path) -> ExtractImport:
    """A case system's extract: Poppy Featherstone born '2016-02-30', and her mother."""
    create_source(authority, code="CSC", name="Children's social care case system")
    folder = write_extract(
        tmp_path / "csc",
        people=[
            person(
                "CHILD", given_name="Poppy", family_name="Featherstone", date_of_birth="2016-02-30"
            ),
            person(
                "MUM", given_name="Hannah", family_name="Featherstone", date_of_birth="1989-07-14"
            ),
        ],
        involvements=[involvement("I1", "CHILD", team="Child in Need Team East")],
        relationships=[
            {"person_source_id": "CHILD", "related_source_id": "MUM", "relationship_type": "mother"}
        ],
    )
    imp = ingest("CSC", [folder], "data.steward").extract_import
    assert imp.status == ExtractImport.Status.LOADED, imp.message
    link()
    return imp


def the_child() -> str:
    return LinkedRecord.objects.get(person_record__source_record_id="CHILD").person_id


def test_the_child_is_in_the_person_index(imported):
    linked = LinkedRecord.objects.select_related("person_record").get(
        person_record__source_record_id="CHILD"
    )
    assert linked.person_record.given_name == "Poppy"
    assert linked.person_record.birth_year is None


def test_a_worker_finds_the_child_by_name(practitioner_client, imported):
    posted = practitioner_client.post(reverse("web:search"), {"name": "Poppy Featherstone"})
    assert posted.status_code == 302

    page = read(practitioner_client.get(posted["Location"]))

    found = {
        text(r.select_one("h3")): r.select_one("h3 a")["href"]
        for r in page.select("[data-testid=result]")
    }
    assert found["Poppy Featherstone"] == reverse("web:purpose", args=[the_child()])


def test_the_family_page_shows_the_child_her_service_and_no_age(
    practitioner_client: Client, imported
):
    child = the_child()
    session = practitioner_client.session
    remember_purpose(session, child, PurposeOfAccess("section_47_enquiry", "", "REF-1"))
    session.save()

    page = read(practitioner_client.get(reverse("web:family", args=[child])))

    members = page.select("[data-testid=member]")
    assert text(members[0].select_one("[data-testid=member-name]")) == "Poppy Featherstone"
    assert "Hannah Featherstone" in [
        text(m.select_one("[data-testid=member-name]")) for m in members[1:]
    ]
    first = {
        text(p.select_one("h3")): text(p.select_one("p"))
        for p in page.select("[data-testid=first-screen-person]")
    }
    assert first["Poppy Featherstone"] == "The child"  # no age to give
    facts = text(members[0].select_one(".govuk-summary-list"))
    assert "Age Not known" in facts
    assert "born" not in facts and "30 February" not in facts
    [service] = members[0].select("[data-testid=involvement]")
    assert "Child in Need Team East" in text(service)
    assert "Current" in text(service)


def test_the_stewards_import_page_says_the_date_was_held_back(steward_client, imported):
    page = read(steward_client.get(f"/imports/{imported.pk}"))

    summary = {
        text(row.select_one("dt")): text(row.select_one("dd"))
        for row in page.select(".govuk-summary-list__row")
    }
    assert summary["Values held back"] == "1"
    assert summary["Rows quarantined"] == "0"
    assert "2 people" in summary["Rows accepted"]
    [held] = page.select("#values-held-back ~ .app-table-container tbody tr")
    cells = [text(td) for td in held.select("td")]
    assert cells[:3] == ["people.csv", "2", "date_of_birth"]
    assert cells[4] == "2016-02-30"
    assert "date" in cells[3].lower()
