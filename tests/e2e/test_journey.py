"""The front-line journey in a real browser: sign in, search with a typo, pick the child,
give a purpose, see the family, open a contact, report something wrong, and see the
report in the data steward's queue. Every page is checked with axe-core and at 320 pixels
wide (conftest.BrowserCheck); a second journey uses the keyboard alone."""

import re

import pytest

from familyview.access.factories import TEST_TOTP_SECRET, create_staff, second_factor_code
from familyview.access.models import Role
from familyview.identity.models import ProblemReport
from familyview.involvements.categories import load_categories
from tests.web.factories import create_authority
from tests.web.frontline_family import CHILD_LEAD, a_family

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def world(transactional_db):
    # A flushed database (after an earlier test that committed) has lost what data
    # migrations put there: the service categories, and so which ones are sensitive.
    load_categories()
    authority = create_authority("stockport", "Stockport")
    family = a_family(authority)
    practitioner = create_staff(
        Role.PRACTITIONER,
        authority,
        username="pat.practitioner",
        password=PASSWORD,
        first_name="Pat",
        last_name="Okafor",
        totp_secret=TEST_TOTP_SECRET,
    )
    steward = create_staff(
        Role.DATA_STEWARD,
        authority,
        username="sam.steward",
        password=PASSWORD,
        first_name="Sam",
        last_name="Steward",
        totp_secret=TEST_TOTP_SECRET,
    )
    return {"family": family, "practitioner": practitioner, "steward": steward}


def test_the_front_line_journey(check, world):
    page = check.page
    family = world["family"]

    check.sign_in(world["practitioner"], PASSWORD)

    # Straight to the search; search with a typo in the family name.
    assert page.url.endswith("/search")
    page.get_by_label("Name").fill("Amelia Thornbery")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search\?results="))
    check.page_ok()
    assert "thornb" not in page.url.lower()
    results = page.locator("[data-testid=result]")
    assert results.first.locator("h3").inner_text() == "Amelia Thornbury"

    # Pick the child: the purpose comes before any family data.
    results.first.get_by_role("link", name="Amelia Thornbury").click()
    page.wait_for_url(f"**/people/{family.child}/purpose")
    check.page_ok()
    page.get_by_role("button", name="Continue to the family").click()
    check.page_ok()  # the error summary, checked like any page
    assert page.locator(".govuk-error-summary").is_visible()
    page.get_by_label("Other").check()
    page.get_by_label("Describe the purpose").fill("Strategy discussion")
    page.get_by_label("Case or referral reference").fill("MASH-2026-0042")
    page.get_by_role("button", name="Continue to the family").click()

    # The family.
    page.wait_for_url(f"**/people/{family.child}/family")
    check.page_ok()
    assert page.locator("h1").inner_text() == "Amelia Thornbury's family"
    assert "MASH-2026-0042" in page.locator("[data-testid=purpose]").inner_text()
    members = page.locator("[data-testid=member] [data-testid=member-name]").all_inner_texts()
    assert members[0] == "Amelia Thornbury"
    assert {"Claire Thornbury", "Mark Thornbury", "Jack Thornbury"} <= set(members)

    # Open the child's section (her name on the first screen) and a contact: the lead
    # professional's phone and email are links.
    page.locator("[data-testid=first-screen]").get_by_role(
        "link", name="Amelia Thornbury", exact=True
    ).click()
    current = page.locator("[data-testid=involvement]").first
    phone = current.get_by_role("link", name=CHILD_LEAD["lead_phone"])
    email = current.get_by_role("link", name=CHILD_LEAD["lead_email"])
    assert phone.get_attribute("href") == "tel:+441614960100"
    assert email.get_attribute("href") == f"mailto:{CHILD_LEAD['lead_email']}"
    page.get_by_role("link", name="Who to call (to print)").click()
    page.wait_for_url(f"**/people/{family.child}/who-to-call")
    check.page_ok()
    sheet = page.locator("main").inner_text()
    assert "Jo Bloggs, Social Worker" in sheet
    assert "Pat Okafor" in sheet
    assert page.get_by_role("link", name=CHILD_LEAD["lead_phone"]).first.get_attribute("href") == (
        "tel:+441614960100"
    )

    # The ecomap and timeline, and why the system thinks the records are one person.
    page.get_by_role("link", name="Ecomap and timeline").click()
    page.wait_for_url(f"**/people/{family.child}/ecomap")
    check.page_ok()
    assert page.locator("figure svg[role=img]").count() == 1
    page.get_by_role("link", name="Family and services").click()
    page.wait_for_url(f"**/people/{family.child}/family")
    check.page_ok()
    page.get_by_role("button", name=re.compile("^Amelia Thornbury")).click()
    page.get_by_role("link", name="Why we think so about Amelia Thornbury").click()
    page.wait_for_url(f"**/people/{family.child}/why")
    check.page_ok()

    # A family member, under the same case: no purpose asked again.
    page.get_by_role("link", name="Back to the family").click()
    page.locator("[data-testid=first-screen]").get_by_role(
        "link", name="Jack Thornbury", exact=True
    ).click()
    page.get_by_role("link", name="See Jack Thornbury's own family").click()
    page.wait_for_url(f"**/people/{family.sibling}/family")
    check.page_ok()
    page.go_back()

    # Something looks wrong, about the child's current social care involvement: one link
    # for her, the service chosen on the report page.
    page.locator("[data-testid=first-screen]").get_by_role(
        "link", name="Amelia Thornbury", exact=True
    ).click()
    page.get_by_role("link", name="Report something wrong about Amelia Thornbury").click()
    check.page_ok()
    page.get_by_role("radio", name="Children's social care, current").check()
    page.get_by_label("A detail is wrong or out of date").check()
    page.get_by_label("Tell us more").fill("Jo Bloggs left the team in October.")
    page.get_by_role("button", name="Send to the data steward").click()
    page.wait_for_url(f"**/people/{family.child}/family")
    check.page_ok()
    assert "your report is with the data steward" in page.locator("main").inner_text()
    report = ProblemReport.objects.get()
    assert report.involvement_id == family.child_involvement

    # Sign out; the data steward sees the report and resolves it.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")
    check.sign_in(world["steward"], PASSWORD)
    check.goto("/steward/problems")
    row = page.locator("#problem-reports tbody tr").first
    assert "Pat Okafor" in row.inner_text()
    assert "A detail is wrong or out of date" in row.inner_text()
    row.get_by_role("link", name=f"Report {report.pk}").click()
    check.page_ok()
    assert "Jo Bloggs left the team in October." in page.locator("main").inner_text()
    page.get_by_label("What did you do about it?").fill("Asked the CSC team to update it.")
    page.get_by_role("button", name="Mark as resolved").click()
    page.wait_for_url("**/steward/problems")
    check.page_ok()
    report.refresh_from_db()
    assert report.status == "resolved"

    # Every kind of page was checked (axe-core and 320 pixels).
    visited = {re.sub(r"P[0-9A-F]{16}", "<id>", re.sub(r"\?.*", "", u)) for u in check.checked}
    for path in (
        "/sign-in",
        "/sign-in/security-code",
        "/search",
        "/people/<id>/purpose",
        "/people/<id>/family",
        "/people/<id>/who-to-call",
        "/people/<id>/ecomap",
        "/people/<id>/why",
        "/people/<id>/report-problem",
        "/steward/problems",
    ):
        assert path in visited, f"{path} was not checked"


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_journey_by_keyboard_alone(check, world):
    page = check.page
    family = world["family"]
    user = world["practitioner"]

    check.goto("/sign-in")
    tab_to(page, "#username")
    page.keyboard.type(user.get_username())
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/sign-in/security-code")
    tab_to(page, "#code")
    page.keyboard.type(second_factor_code(user))
    page.keyboard.press("Enter")
    page.wait_for_url("**/search")  # where a worker lands

    tab_to(page, "#name")
    page.keyboard.type("Amelia Thornbery")
    tab_to(page, "#search-button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?results="))

    tab_to(page, f"a[href='/people/{family.child}/purpose']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/people/{family.child}/purpose")
    tab_to(page, "input[name=purpose]")
    page.keyboard.press("Space")
    assert page.locator("input[name=purpose]:checked").count() == 1
    tab_to(page, "#case_reference")
    page.keyboard.type("EH-7")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/people/{family.child}/family")
    check.page_ok()

    # The child's section opens from the keyboard too.
    tab_to(page, "button[aria-controls='people-content-1']")
    page.keyboard.press("Enter")
    tab_to(page, "a[href^='tel:']")
    tab_to(page, "a[href^='mailto:']")
    tab_to(page, f"a[href='/people/{family.child}/report-problem']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/people/{family.child}/report-problem*")
    tab_to(page, "input[name=kind]")
    page.keyboard.press("Space")
    tab_to(page, "#what")
    page.keyboard.type("The team name is out of date.")
    tab_to(page, "#report-button")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/people/{family.child}/family")
    assert ProblemReport.objects.get().what == "The team name is out of date."
