"""The page a worker lands on after signing in, the search: the families they opened this
session under it (audited as a result list), the results first with the focus on them,
and news of their "something looks wrong" reports the steward has resolved, told once."""

import pytest
from django.test import Client
from django.urls import reverse

from familyview.access.models import Role
from familyview.access.purpose import PurposeOfAccess, remember_purpose
from familyview.audit.models import AuditEvent
from familyview.identity.models import ProblemReport

from .factories import create_staff
from .frontline_family import a_family
from .pages import read, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(authority):
    return a_family(authority)


def give_purpose(client: Client, person_id: str, reference: str) -> None:
    session = client.session
    remember_purpose(session, person_id, PurposeOfAccess("early_help_assessment", "", reference))
    session.save()


def test_the_families_opened_this_session_are_under_the_search_box(practitioner_client, family):
    give_purpose(practitioner_client, family.sibling, "EH-1")
    give_purpose(practitioner_client, family.child, "EH-2")

    page = read(practitioner_client.get(reverse("web:search")))

    recent = page.select("[data-testid=recent-families] li")
    assert [text(li.select_one("a")) for li in recent] == ["Amelia Thornbury", "Jack Thornbury"]
    assert recent[0].select_one("a")["href"] == reverse("web:family", args=[family.child])
    assert "Early help assessment, EH-2" in text(recent[0])
    # Names shown are a result list, audited as one.
    event = AuditEvent.objects.filter(action="search.recent_families").get()
    assert (event.level, event.subjects) == ("results", [family.child, family.sibling])


def test_no_families_no_list_and_nothing_recorded(practitioner_client, family):
    page = read(practitioner_client.get(reverse("web:search")))

    assert page.select_one("[data-testid=recent-families]") is None
    assert not AuditEvent.objects.filter(action="search.recent_families").exists()


def test_results_come_first_with_the_focus_on_their_heading(practitioner_client, family):
    posted = practitioner_client.post(reverse("web:search"), {"name": "Amelia Thornbury"})

    page = read(practitioner_client.get(posted["Location"]))

    heading = page.select_one("#results")
    assert heading.has_attr("autofocus") and heading["tabindex"] == "-1"
    assert text(heading) == "4 people found"  # Amelia first, then her family
    # Above the form to search again.
    assert str(page).index('id="results"') < str(page).index('action="/search"')


def test_a_resolved_report_is_told_to_its_reporter_once(
    practitioner_client, steward_client, family, authority
):
    practitioner_client.post(
        reverse("web:report-problem", args=[family.child]),
        {"kind": "wrong_detail", "what": "The social worker changed."},
    )
    report = ProblemReport.objects.get()
    colleague = Client()
    colleague.force_login(create_staff(Role.PRACTITIONER, authority))
    before = read(practitioner_client.get(reverse("web:search")))
    steward_client.post(
        reverse("web:steward-problem", args=[report.pk]), {"note": "Told the CSC team."}
    )

    told = read(practitioner_client.get(reverse("web:search")))
    again = read(practitioner_client.get(reverse("web:search")))

    assert before.select("[data-testid=resolution]") == []
    banner = told.select_one("[data-testid=resolution]")
    words = text(banner)
    assert f"The data steward has dealt with your report {report.pk}" in words
    assert "a detail is wrong or out of date" in words
    assert "Told the CSC team." in words
    assert "Amelia" not in words  # the report by its number, not the person's name
    assert again.select("[data-testid=resolution]") == []
    assert read(colleague.get(reverse("web:search"))).select("[data-testid=resolution]") == []


def test_without_a_purpose_a_report_is_about_the_person_alone(practitioner_client, family):
    url = reverse("web:report-problem", args=[family.child])

    page = read(practitioner_client.get(url))
    guessed = practitioner_client.get(url, {"involvement": family.child_involvement})
    practitioner_client.post(url, {"kind": "other", "what": "The name is misspelt."})

    # No purpose for her case: her services are neither listed nor chosen.
    assert page.select("input[name=involvement]") == []
    assert guessed.status_code == 404
    assert AuditEvent.objects.filter(action="problem.form").last().level == "summary"
    assert ProblemReport.objects.get().involvement_id is None


def test_a_report_left_on_the_person_is_about_the_person(practitioner_client, family):
    give_purpose(practitioner_client, family.child, "EH-3")
    url = reverse("web:report-problem", args=[family.child])

    page = read(practitioner_client.get(url))
    practitioner_client.post(url, {"involvement": "", "kind": "other", "what": "Wrong school."})

    assert page.select_one("input[name=involvement]:checked")["value"] == ""
    assert ProblemReport.objects.get().involvement_id is None
