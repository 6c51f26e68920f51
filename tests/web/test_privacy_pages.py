"""The privacy officer's pages: the alert queue (as the scheduled runs of the rules left
it: opening it raises nothing), one alert with its evidence and the outcome form, and
subject access (find a person by identifier or search, the reference, the report and its
CSV)."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client

from familyview.access.models import Role
from familyview.access.policy import staff_for
from familyview.audit.events import Level, record_event
from familyview.audit.models import AuditEvent
from familyview.identity.models import IdentityChange
from familyview.identity.search import refresh_search_entries
from familyview.privacy.alerts.runs import run_alert_rules
from familyview.privacy.models import (
    AlertCursor,
    AlertHandling,
    AlertStatus,
    PrivacyAlert,
    PrivacyAlertEvent,
)
from tests.privacy.holdings import a_person, a_record, a_relationship, a_source, an_involvement

from .factories import create_staff
from .pages import read, text, title

pytestmark = pytest.mark.django_db

PAGES = ["/privacy/alerts", "/privacy/alerts/1", "/privacy/subject-access"]


@pytest.fixture(autouse=True)
def audit_keys(settings, tmp_path):
    settings.AUDIT_KEY_FILE = tmp_path / "keys" / "checkpoint-key.pem"


@pytest.fixture(autouse=True)
def daytime_rules(settings, tmp_path):
    """The pages' tests run at any hour: the out-of-hours rule (tested with a fixed clock in
    tests/privacy/test_alerts.py) is off here, so what the pages show never depends on it."""
    rules = tmp_path / "alert_rules.toml"
    rules.write_text("version = 1\n[out_of_hours]\nenabled = false\n", encoding="utf-8")
    settings.FAMILYVIEW_ALERT_RULES = str(rules)


@pytest.fixture
def officer(authority):
    return create_staff(Role.PRIVACY_OFFICER, authority, first_name="Iris", last_name="Grant")


@pytest.fixture
def officer_client(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


@pytest.fixture
def worker(authority):
    return create_staff(Role.PRACTITIONER, authority, first_name="Sam", last_name="Patel")


@pytest.fixture
def held(authority):
    """A child recorded under the worker's surname, with a mother, an involvement and an
    old identifier merged in; the worker has looked her up."""
    csc = a_source(authority, "CSC")
    child_record = a_record(
        csc,
        source_record_id="CSC-1",
        given_name="Priya",
        family_name="Patel",
        birth_year=2015,
        birth_month=5,
        birth_day=6,
        postcode="SK4 1AA",
    )
    mother_record = a_record(csc, source_record_id="CSC-2", given_name="Meera", family_name="Shah")
    child, mother = a_person(child_record), a_person(mother_record)
    a_relationship(csc, child_record, mother_record, "mother")
    an_involvement(csc, child_record, source_involvement_id="REF-1", team="Duty and Assessment")
    IdentityChange.objects.create(
        kind="merge", person=child, other_persons=["P00000000000000AA"], records=[], reason="x"
    )
    refresh_search_entries()
    return {"child": child.pk, "mother": mother.pk}


@pytest.fixture
def looked_up(held, worker):
    return record_event(
        staff_for(worker),
        "person.summary",
        level=Level.SUMMARY,
        subjects=[held["child"]],
        purpose="MASH triage",
        case_reference="MASH-9",
    )


def summary(page) -> dict[str, str]:
    return {
        text(row.select_one(".govuk-summary-list__key")): text(
            row.select_one(".govuk-summary-list__value")
        )
        for row in page.select("#alert-summary .govuk-summary-list__row")
    }


def table(page, selector: str) -> list[list[str]]:
    return [[text(cell) for cell in row.select("td, th")] for row in page.select(f"{selector} tr")]


# Who may open the pages


@pytest.mark.parametrize("path", [*PAGES, "/privacy/subject-access/P0000000000000000"])
@pytest.mark.parametrize("client_fixture", ["practitioner_client", "steward_client"])
def test_only_privacy_officers_may_open_the_pages(request, client_fixture, path):
    response = request.getfixturevalue(client_fixture).get(path)

    assert response.status_code == 403
    assert text(read(response).select_one("h1")) == "You do not have access to this page"


def test_the_navigation_offers_the_pages_to_privacy_officers_only(
    officer_client, practitioner_client
):
    def navigation(client) -> dict[str, str]:
        page = read(client.get("/privacy/alerts" if client is officer_client else "/"))
        return {text(a): a["href"] for a in page.select(".govuk-service-navigation__link[href]")}

    assert navigation(officer_client)["Privacy alerts"] == "/privacy/alerts"
    assert navigation(officer_client)["Subject access"] == "/privacy/subject-access"
    practitioners = navigation(practitioner_client)
    assert "Search" in practitioners
    assert not {"Privacy alerts", "Subject access"} & set(practitioners)


# The alert queue


def test_opening_the_queue_writes_no_alert(officer_client, looked_up):
    events = AuditEvent.objects.count()

    response = officer_client.get("/privacy/alerts")

    assert response.status_code == 200
    assert not PrivacyAlert.objects.exists()
    assert not PrivacyAlertEvent.objects.exists()
    assert AlertCursor.objects.get().last_sequence == 0
    assert AuditEvent.objects.count() == events
    page = read(response)
    assert text(page.select_one("[data-testid=no-alerts]")) == (
        "There are no alerts waiting for an outcome."
    )
    assert "The alert rules have not run yet" in text(page.select_one("[data-testid=runs-overdue]"))


def test_the_queue_lists_the_alerts_the_rules_raised(officer_client, looked_up):
    run_alert_rules()

    response = officer_client.get("/privacy/alerts")

    assert response.status_code == 200
    page = read(response)
    assert text(page.select_one("title")) == title("Privacy alerts")
    [row] = table(page, "#alerts tbody")
    alert = PrivacyAlert.objects.get()
    assert row[0] == f"Alert {alert.pk}"
    assert row[1] == "Looked up someone with their own surname"
    assert row[2].startswith("Sam Patel")
    assert row[4] == "Open"
    assert (
        text(page.select_one("[data-testid=alert-counts]")) == "1 open, 0 under review, 0 closed."
    )
    assert "up to event 1" in text(page.select_one("[data-testid=rules-read-up-to]"))
    assert page.select_one("[data-testid=runs-overdue]") is None


def test_the_queue_says_when_the_rules_have_stopped_running(officer_client, looked_up):
    run_alert_rules()
    AlertCursor.objects.update(last_run_at=looked_up.occurred_at - timedelta(hours=2))

    page = read(officer_client.get("/privacy/alerts"))

    assert "alerts for what staff have done since are missing" in text(
        page.select_one("[data-testid=runs-overdue]")
    )


def test_a_broken_rules_file_is_reported_and_the_queue_still_shown(
    officer_client, looked_up, settings, tmp_path
):
    run_alert_rules()
    broken = tmp_path / "rules.toml"
    broken.write_text("version = 0\n", encoding="utf-8")
    settings.FAMILYVIEW_ALERT_RULES = str(broken)

    response = officer_client.get("/privacy/alerts")

    assert response.status_code == 200
    page = read(response)
    assert "version is 0; it should be greater than or equal to 1." in text(
        page.select_one("[data-testid=rules-problem]")
    )
    assert len(table(page, "#alerts tbody")) == 1


def test_another_authoritys_alerts_are_not_listed(officer_client, other_authority, looked_up):
    run_alert_rules()
    PrivacyAlert.objects.create(
        authority=other_authority,
        rule="volume_day",
        key="elsewhere",
        explanation="x",
        first_event_at=looked_up.occurred_at,
        last_event_at=looked_up.occurred_at,
        rules_version=1,
    )

    page = read(officer_client.get("/privacy/alerts"))

    assert len(table(page, "#alerts tbody")) == 1
    assert "Viewed unusually many people in a day" not in text(page.select_one("#alerts"))


def test_closed_alerts_are_listed_apart(officer_client, looked_up):
    run_alert_rules()
    PrivacyAlert.objects.update(status=AlertStatus.NO_CONCERN)

    waiting = read(officer_client.get("/privacy/alerts"))
    closed = read(officer_client.get("/privacy/alerts?show=closed"))

    assert text(waiting.select_one("[data-testid=no-alerts]")) == (
        "There are no alerts waiting for an outcome."
    )
    assert text(closed.select_one("h1")) == "Closed privacy alerts"
    assert len(table(closed, "#alerts tbody")) == 1


# One alert


@pytest.fixture
def alert(officer_client, looked_up) -> PrivacyAlert:
    run_alert_rules()
    return PrivacyAlert.objects.get()


def test_an_alert_shows_why_the_events_and_the_outcome_form(officer_client, alert, held):
    response = officer_client.get(f"/privacy/alerts/{alert.pk}")

    page = read(response)
    assert text(page.select_one("h1")) == "Looked up someone with their own surname"
    assert text(page.select_one("[data-testid=explanation]")) == alert.explanation
    facts = summary(page)
    assert facts["Member of staff"].startswith("Sam Patel (")
    assert (
        facts["People concerned"]
        == f"{held['child']} (subject access) : Priya Patel , born 6 May 2015"
    )
    [event] = table(page, "#alert-events tbody")
    assert event[0] == "1"
    assert event[2:] == [
        "person.summary",
        "Person summary viewed",
        held["child"],
        "MASH triage",
        "MASH-9",
    ]
    assert page.select_one("form input[name=status][value=no_concern]") is not None
    [viewed] = AuditEvent.objects.filter(action="privacy_alert.viewed")
    # The people shown are named, so their subject access reports list it; no level, so the
    # alert rules never raise an alert about an officer opening one.
    assert (viewed.subjects, viewed.level) == ([held["child"]], "")


def test_an_outcome_without_a_note_is_refused_with_an_error(officer_client, alert):
    response = officer_client.post(f"/privacy/alerts/{alert.pk}", {"status": "no_concern"})

    assert response.status_code == 200
    page = read(response)
    assert text(page.select_one("title")).startswith("Error: ")
    assert [text(a) for a in page.select(".govuk-error-summary__list a")] == [
        "Enter what you found and what was done"
    ]
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_recording_an_outcome_closes_the_alert_and_is_audited(officer_client, officer, alert):
    response = officer_client.post(
        f"/privacy/alerts/{alert.pk}",
        {"status": "no_concern", "note": "Allocated to her team: MASH referral"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/privacy/alerts"
    alert.refresh_from_db()
    assert (alert.status, alert.outcome_note, alert.handled_by) == (
        "no_concern",
        "Allocated to her team: MASH referral",
        officer,
    )
    handled = AuditEvent.objects.get(action="privacy_alert.handled")
    assert handled.user_id == officer.pk
    page = read(officer_client.get(f"/privacy/alerts/{alert.pk}"))
    assert "Allocated to her team: MASH referral" in text(page.select_one("[data-testid=handling]"))


def test_under_review_keeps_the_alert_in_the_queue(officer_client, alert):
    response = officer_client.post(f"/privacy/alerts/{alert.pk}", {"status": "under_review"})

    assert response.headers["Location"] == f"/privacy/alerts/{alert.pk}"
    alert.refresh_from_db()
    assert alert.status == AlertStatus.UNDER_REVIEW
    page = read(officer_client.get("/privacy/alerts"))
    assert table(page, "#alerts tbody")[0][4] == "Under review"


def test_an_alert_about_the_officer_has_no_form_and_cannot_be_handled(authority, held, officer):
    both = create_staff(Role.PRIVACY_OFFICER, authority, last_name="Patel")
    both.memberships.create(authority=authority, role=Role.PRACTITIONER)
    record_event(
        staff_for(both),
        "person.summary",
        level=Level.SUMMARY,
        subjects=[held["child"]],
        role="practitioner",
    )
    client = Client()
    client.force_login(both)
    run_alert_rules()
    alert = PrivacyAlert.objects.get()

    page = read(client.get(f"/privacy/alerts/{alert.pk}"))
    refused = client.post(
        f"/privacy/alerts/{alert.pk}", {"status": "no_concern", "note": "all fine"}
    )

    assert page.select_one("form input[name=status]") is None
    assert "another privacy officer must handle it" in text(page.select_one(".govuk-warning-text"))
    assert "another privacy officer must handle it" in text(
        read(refused).select_one(".govuk-error-summary")
    )
    assert not AlertHandling.objects.exists()


def test_another_authoritys_alert_is_not_found(alert, other_authority):
    client = Client()
    client.force_login(create_staff(Role.PRIVACY_OFFICER, other_authority))

    assert client.get(f"/privacy/alerts/{alert.pk}").status_code == 404
    assert client.post(f"/privacy/alerts/{alert.pk}", {"status": "under_review"}).status_code == 404
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


# Subject access


def test_finding_by_identifier_goes_to_the_person(officer_client, held):
    response = officer_client.get(f"/privacy/subject-access?person={held['child'].lower()}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/privacy/subject-access/{held['child']}"


def test_a_malformed_identifier_is_an_error(officer_client):
    page = read(officer_client.get("/privacy/subject-access?person=Priya"))

    assert [text(a) for a in page.select(".govuk-error-summary__list a")] == [
        "Enter a person identifier like P0003D6B3EF92D87D"
    ]


def test_a_search_is_posted_and_lists_the_people_found(officer_client, held):
    response = officer_client.post(
        "/privacy/subject-access",
        {"name": "Priya Patel", "birth_day": "6", "birth_month": "5", "birth_year": "2015"},
    )

    assert response.status_code == 200
    rows = table(read(response), "#subject-results tbody")
    assert rows[0][:3] == [held["child"], "Priya Patel", "6 May 2015"]
    assert AuditEvent.objects.get(action="subject_access.search").level == "results"


def test_an_empty_search_asks_for_something_to_search_by(officer_client):
    page = read(officer_client.post("/privacy/subject-access", {}))

    assert [text(a) for a in page.select(".govuk-error-summary__list a")] == [
        "Enter a name, date of birth, postcode, NHS number or source record identifier"
    ]
    assert not AuditEvent.objects.exists()


def test_the_report_asks_for_the_request_reference_first(officer_client, held):
    response = officer_client.get(f"/privacy/subject-access/{held['child']}")

    page = read(response)
    assert text(page.select_one("h1")) == "What is the subject access request's reference?"
    assert page.select_one("form[method=get] input[name=reference]") is not None
    assert not AuditEvent.objects.exists()
    missing = read(officer_client.get(f"/privacy/subject-access/{held['child']}?reference="))
    assert [text(a) for a in missing.select(".govuk-error-summary__list a")] == [
        "Enter the subject access request reference"
    ]


def test_the_report_shows_what_is_held_and_who_viewed_it(officer_client, held, looked_up):
    response = officer_client.get(f"/privacy/subject-access/{held['child']}?reference=SAR-3")

    assert response.status_code == 200
    page = read(response)
    assert text(page.select_one("h1")) == f"Person {held['child']}"
    records = text(page.select_one("[data-testid=records]"))
    assert "Priya" in records and "SK4 1AA" in records
    assert "Duty and Assessment" in text(page.select_one("[data-testid=involvements]"))
    relationships = text(page.select_one("[data-testid=relationships]"))
    assert f"Person {held['mother']} is their mother" in relationships
    assert "Meera" not in relationships
    viewings = table(page, "#report-viewings tbody")
    assert [row[0] for row in viewings] == ["1", "2"]
    assert viewings[0][2].startswith("Sam Patel")
    assert viewings[0][6:8] == ["MASH triage", "MASH-9"]
    assert viewings[1][4] == "subject_access.report"
    event = AuditEvent.objects.get(action="subject_access.report")
    assert (event.case_reference, event.subjects) == ("SAR-3", [held["child"]])
    download = page.select_one("a[download]")["href"]
    assert download == f"/privacy/subject-access/{held['child']}/download?reference=SAR-3"


def test_the_report_downloads_as_formula_safe_csv(officer_client, held):
    response = officer_client.get(
        f"/privacy/subject-access/{held['child']}/download?reference=%2BSAR-3"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="subject-access-{held["child"]}.csv"'
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert ["Report", "", "Request reference", "'+SAR-3"] in rows
    assert ["Source records", "CSC CSC-1", "Date of birth", "6 May 2015"] in rows
    assert AuditEvent.objects.get().details == {"output": "csv"}


def test_another_authoritys_person_is_not_found(held, other_authority):
    client = Client()
    client.force_login(create_staff(Role.PRIVACY_OFFICER, other_authority))

    for path in (
        f"/privacy/subject-access/{held['child']}",
        f"/privacy/subject-access/{held['child']}?reference=SAR-1",
        f"/privacy/subject-access/{held['child']}/download",
        f"/privacy/subject-access/{held['child']}/download?reference=SAR-1",
    ):
        assert client.get(path).status_code == 404, path
    assert not AuditEvent.objects.filter(action="subject_access.report").exists()


def test_a_merged_identifier_points_to_the_person(officer_client, held):
    response = officer_client.get("/privacy/subject-access/P00000000000000AA")

    assert response.status_code == 404
    page = read(response)
    assert text(page.select_one("h1")) == (
        "Person P00000000000000AA was merged into another person"
    )
    assert page.select_one(f"a[href='/privacy/subject-access/{held['child']}']") is not None


def test_searches_are_posted_so_no_personal_data_reaches_a_url(officer_client, held):
    page = read(
        officer_client.post("/privacy/subject-access", {"name": "Priya", "birth_year": "2015"})
    )

    forms = page.select("main form")
    by_method = {
        f["method"]: sorted(i["name"] for i in f.select("input") if i.get("name")) for f in forms
    }
    assert by_method["get"] == ["person"]
    assert by_method["post"] == [
        "birth_day",
        "birth_month",
        "birth_year",
        "csrfmiddlewaretoken",
        "name",
        "nhs_number",
        "postcode",
        "source_record_id",
    ]
    for link in page.select("a[href]"):
        assert "Priya" not in link["href"] and "2015" not in link["href"]
