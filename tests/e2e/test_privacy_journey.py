"""The privacy officer's journey in a real browser: sign in, open the alert raised by a
practitioner looking up a namesake, fail then succeed to record an outcome, then answer a
subject access request (search, reference, report). Every page is checked with axe-core
and at 320 pixels wide (conftest.BrowserCheck)."""

import re

import pytest

from familyview.access.factories import TEST_TOTP_SECRET, create_staff
from familyview.access.models import Role
from familyview.access.policy import staff_for
from familyview.audit.events import Level, record_event
from familyview.identity.search import refresh_search_entries
from familyview.privacy.alerts.runs import run_alert_rules
from familyview.privacy.models import AlertStatus, PrivacyAlert
from tests.privacy.holdings import a_person, a_record, a_relationship, a_source, an_involvement
from tests.web.factories import create_authority

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def daytime_rules(settings, tmp_path):
    """The journey runs at any hour: the out-of-hours rule is off, so the only alert is the
    namesake's."""
    rules = tmp_path / "alert_rules.toml"
    rules.write_text("version = 1\n[out_of_hours]\nenabled = false\n", encoding="utf-8")
    settings.FAMILYVIEW_ALERT_RULES = str(rules)


@pytest.fixture
def world(transactional_db):
    authority = create_authority("stockport", "Stockport")
    csc = a_source(authority, "CSC")
    child_record = a_record(
        csc,
        source_record_id="CSC-1",
        given_name="Priya",
        family_name="Patel",
        birth_year=2015,
        birth_month=5,
        birth_day=6,
    )
    mother_record = a_record(csc, source_record_id="CSC-2", given_name="Meera", family_name="Shah")
    child = a_person(child_record).pk
    a_person(mother_record)
    a_relationship(csc, child_record, mother_record, "mother")
    an_involvement(csc, child_record, source_involvement_id="REF-1")
    refresh_search_entries()
    worker = create_staff(Role.PRACTITIONER, authority, first_name="Sam", last_name="Patel")
    record_event(
        staff_for(worker),
        "person.summary",
        level=Level.SUMMARY,
        subjects=[child],
        purpose="MASH triage",
        case_reference="MASH-9",
    )
    run_alert_rules()  # as the scheduled `familyview alerts run` would
    officer = create_staff(
        Role.PRIVACY_OFFICER,
        authority,
        username="iris.officer",
        password=PASSWORD,
        first_name="Iris",
        last_name="Grant",
        totp_secret=TEST_TOTP_SECRET,
    )
    return {"child": child, "officer": officer}


def test_the_privacy_officers_journey(check, world):
    page = check.page
    check.sign_in(world["officer"], PASSWORD)

    # The alert queue: the practitioner's lookup of a namesake is waiting.
    page.get_by_role("link", name="Privacy alerts").first.click()
    page.wait_for_url("**/privacy/alerts")
    check.page_ok()
    alert = PrivacyAlert.objects.get()
    page.get_by_role("link", name=f"Alert {alert.pk}").click()
    page.wait_for_url(f"**/privacy/alerts/{alert.pk}")
    check.page_ok()
    assert "Sam Patel's own surname" in page.locator("[data-testid=explanation]").inner_text()

    # An outcome needs a note.
    page.get_by_label("No concern").check()
    page.get_by_role("button", name="Save").click()
    check.page_ok()
    assert page.locator(".govuk-error-summary").is_visible()
    page.get_by_label("What did you find, and what was done?").fill(
        "Allocated MASH referral MASH-9: her own case"
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/privacy/alerts")
    check.page_ok()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.NO_CONCERN

    # Subject access: search, choose, give the reference, read the report.
    page.get_by_role("link", name="Subject access").first.click()
    page.wait_for_url("**/privacy/subject-access")
    check.page_ok()
    page.get_by_label("Name").fill("Priya Patel")
    page.get_by_label("Year").fill("2015")
    page.get_by_role("button", name="Search").click()
    check.page_ok()
    assert "priya" not in page.url.lower()
    page.get_by_role("link", name=world["child"]).click()
    page.wait_for_url(f"**/privacy/subject-access/{world['child']}")
    check.page_ok()
    page.get_by_label("What is the subject access request's reference?").fill("SAR-2026-7")
    page.get_by_role("button", name="Show the report").click()
    page.wait_for_url(re.compile(r"reference=SAR-2026-7"))
    check.page_ok()
    assert page.locator("h1").inner_text() == f"Person {world['child']}"
    viewed = page.locator("#report-viewings tbody").inner_text()
    assert "MASH-9" in viewed and "Sam Patel" in viewed
    assert page.get_by_role("link", name="Download the report as a spreadsheet (CSV)").count()

    visited = {re.sub(r"P[0-9A-F]{16}", "<id>", re.sub(r"\?.*", "", u)) for u in check.checked}
    for path in (
        "/privacy/alerts",
        "/privacy/alerts/<n>".replace("<n>", str(alert.pk)),
        "/privacy/subject-access",
        "/privacy/subject-access/<id>",
    ):
        assert path in visited, f"{path} was not checked"
