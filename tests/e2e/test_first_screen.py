"""The family page's first screen in a real browser, on a family shaped like the README's
demo child's (Sophia Doyle): at 1280 by 900, with no click after giving the purpose, the
worker sees whom to call about the carer's domestic-abuse offences of 2025 and about the
mother's adult mental-health involvement (its duty line), a parent's phone number as a
link, and, where the review queue holds a pair of the family's records, that the two may
be the same person; and saying so from "Something looks wrong". axe-core finds nothing at
1280 and at 320 pixels wide."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from familyview.access.factories import TEST_TOTP_SECRET, create_staff
from familyview.access.models import Role
from familyview.families.building import build_families
from familyview.families.factories import (
    create_involvement,
    create_person,
    create_police_domestic_abuse,
    create_relationship,
    create_review_pair,
)
from familyview.identity.models import ProblemReport
from familyview.involvements.categories import load_categories
from familyview.sources.factories import create_import, create_person_record, create_source
from tests.e2e.checks import NARROW, WIDE, axe_violations
from tests.web.factories import create_authority

PASSWORD = "correct horse battery staple 42"
HOME = {"address_line1": "4 Princess Terrace", "postcode": "SK4 2BD", "uprn": "100011"}
FIRST_SCREEN = WIDE["height"]


def a_source(authority, code, name, category, duty_phone):
    source = create_source(
        authority,
        code=code,
        name=name,
        service_category=category,
        organisation=f"{name} team",
        duty_phone=duty_phone,
        expected_every_days=7,
    )
    return create_import(source, extracted_at=timezone.now() - timedelta(days=1))


def doyles(authority) -> dict:
    """Sophia (10) at home with her grandparents and carers, Patrick (domestic-abuse
    offences in 2025, the police involvement ended a year ago) and Gurmeet (a victim in
    2024), and her brothers; her mother Deborah lives elsewhere, known to adult mental
    health and housing. Harrison's two records are two persons, a pair in the queue."""
    csc = a_source(authority, "CSC", "Children's social care", "childrens_social_care", "")
    police = a_source(authority, "POLICE", "Police safeguarding", "police", "0161 496 0239")
    amh = a_source(authority, "AMH", "Adult mental health", "adult_mental_health", "0161 496 0187")
    housing = a_source(authority, "HOUSING", "Council housing", "housing", "0161 496 0765")

    def person(source, given, born, **fields):
        record = create_person_record(
            source,
            given_name=given,
            family_name="Doyle",
            birth_year=born.year,
            birth_month=born.month,
            birth_day=born.day,
            **fields,
        )
        return create_person(record), record

    def also(source, person_, given, born, **fields):
        record = create_person_record(
            source,
            given_name=given,
            family_name="Doyle",
            birth_year=born.year,
            birth_month=born.month,
            birth_day=born.day,
            **fields,
        )
        person_.records.create(
            person_record=record,
            match_probability=1.0,
            basis="model",
            linked_by_run=person_.created_by_run,
        )
        return record

    sophia, s = person(csc, "Sophia", date(2016, 5, 28), **HOME)
    patrick, p = person(csc, "Patrick", date(1959, 8, 11), **HOME)
    gurmeet, g = person(csc, "Gurmeet", date(1959, 10, 1), **HOME)
    deborah, d = person(
        csc, "Deborah", date(1981, 11, 16), address_line1="7 Hawthorn Grove", postcode="SK7 1AA"
    )
    _matilda, m = person(csc, "Matilda", date(2010, 11, 20), **HOME)
    harrison, h = person(csc, "Harrison", date(2012, 8, 22), **HOME)
    harry, h2 = person(csc, "Harry", date(2012, 8, 22), postcode="SK4 2BD")
    for record, kind in ((p, "carer"), (g, "carer"), (d, "mother"), (m, "sibling"), (h, "sibling")):
        create_relationship(csc, s, record, kind)
    create_relationship(csc, s, h2, "sibling")
    create_review_pair(h, h2, probability=0.83)

    ended = timezone.localdate() - timedelta(days=344)
    create_police_domestic_abuse(
        police,
        also(police, patrick, "Patrick", date(1959, 8, 11)),
        status="historic",
        team="Neighbourhood Policing Team West",
        start_date=date(2024, 12, 3),
        end_date=ended,
        lead_name="",
        lead_role="",
        lead_phone="",
        lead_email="",
        duty_phone="0161 496 0239",
    )
    create_police_domestic_abuse(
        police,
        also(police, gurmeet, "Gurmeet", date(1959, 10, 1)),
        [("2024-11-05", "victim")],
        status="historic",
        team="Public Protection Unit",
        start_date=date(2024, 2, 6),
        end_date=timezone.localdate() - timedelta(days=690),
        lead_name="Kirsty Ahmed",
        lead_role="Detective Sergeant",
        lead_phone="0161 496 0657",
    )
    for who, given, born, lead in (
        (patrick, "Patrick", date(1959, 8, 11), ("Mark Zielinska", "0161 496 0237")),
        (gurmeet, "Gurmeet", date(1959, 10, 1), ("Nadia Tennant", "0161 496 0467")),
        (deborah, "Deborah", date(1981, 11, 16), ("Marta Kaur", "0161 496 0062")),
    ):
        create_involvement(
            housing,
            also(housing, who, given, born),
            team="Housing Management South",
            lead_name=lead[0],
            lead_role="Housing Officer",
            lead_phone=lead[1],
        )
    create_involvement(
        amh,
        also(amh, deborah, "Deborah", date(1981, 11, 16)),
        team="Community Mental Health Team",
        lead_name="Dr Hidden Name",
        lead_phone="0161 496 0300",
        duty_phone="0161 496 0187",
    )
    create_involvement(csc, s, team="Child in Need Team West", lead_phone="0161 496 0100")
    build_families()
    return {"sophia": sophia.pk, "harrison": harrison.pk, "harry": harry.pk}


@pytest.fixture
def world(transactional_db):
    load_categories()
    authority = create_authority("stockport", "Stockport")
    worker = create_staff(
        Role.PRACTITIONER,
        authority,
        username="pat.practitioner",
        password=PASSWORD,
        first_name="Pat",
        last_name="Okafor",
        totp_secret=TEST_TOTP_SECRET,
    )
    return {"family": doyles(authority), "worker": worker}


def open_family(check, world):
    """Sign in, choose the child and give the purpose: the family page, as it opens."""
    page = check.page
    check.sign_in(world["worker"], PASSWORD)
    check.goto(f"/people/{world['family']['sophia']}/purpose")
    page.get_by_label("MASH triage").check()
    page.get_by_label("Case or referral reference").fill("MASH-2026-0042")
    page.get_by_role("button", name="Continue to the family").click()
    page.wait_for_url("**/family")
    return page


def on_first_screen(locator) -> bool:
    """Wholly within the first 900 pixels of the page as it opens, and visible."""
    box = locator.bounding_box()
    return box is not None and box["height"] > 0 and box["y"] + box["height"] <= FIRST_SCREEN


def person(page, name):
    return page.locator("[data-testid=first-screen-person]").filter(
        has=page.get_by_role("heading", name=name, exact=True)
    )


def test_the_carers_offences_and_whom_to_call_are_on_the_first_screen(check, world):
    page = open_family(check, world)
    assert page.evaluate("window.scrollY") == 0
    police = (
        person(page, "Patrick Doyle")
        .locator("[data-testid=first-screen-service]")
        .filter(has_text="Police")
    )
    said = police.inner_text()
    assert "Domestic abuse as offender (28 November 2025, 22 October 2025)" in said
    assert "as suspect (28 March 2025)" in said
    assert "duty line" in said
    duty = police.locator("a[href='tel:+441614960239']")
    assert on_first_screen(police) and on_first_screen(duty)


def test_the_mothers_mental_health_duty_line_needs_no_click_after_the_purpose(check, world):
    page = open_family(check, world)
    deborah = person(page, "Deborah Doyle")
    mental_health = deborah.locator("[data-testid=first-screen-service]").filter(
        has_text="Adult mental health"
    )
    assert "Sensitive service: duty line 0161 496 0187" in mental_health.inner_text()
    assert on_first_screen(mental_health.locator("a[href='tel:+441614960187']"))
    assert "Dr Hidden Name" not in page.locator("main").inner_text()
    # A parent's own phone number, as a link, on the first screen too.
    housing = deborah.locator("a[href='tel:+441614960062']")
    assert housing.inner_text() == "0161 496 0062" and on_first_screen(housing)


def test_two_of_the_family_in_the_review_queue_may_be_the_same_person(check, world):
    page = open_family(check, world)
    for name, other in (("Harrison Doyle", "Harry Doyle"), ("Harry Doyle", "Harrison Doyle")):
        notice = person(page, name).locator("[data-testid=may-be-same-person]")
        assert notice.is_visible()
        said = notice.inner_text()
        assert f"These may be the same person: {name} and {other}." in said
        assert "Being checked by a data steward." in said


def test_the_family_page_passes_axe_at_1280_and_at_320_pixels(check, world):
    page = open_family(check, world)
    check.page_ok()  # axe at 1280, and nothing wider than 320 when laid out there
    page.set_viewport_size({"width": NARROW, "height": 800})
    try:
        violations = axe_violations(page)
    finally:
        page.set_viewport_size(WIDE)
    assert violations == [], json.dumps(violations, indent=2)


def test_these_are_the_same_person_from_the_report_page(check, world):
    page = open_family(check, world)
    family = world["family"]
    check.goto(f"/people/{family['harrison']}/report-problem?same_as={family['harry']}")
    assert page.get_by_label("This is the same person as someone else in the family").is_checked()
    choice = page.get_by_role("group", name="Who is it the same person as?")
    assert choice.is_visible()
    assert choice.get_by_label("Harry Doyle, Sibling, 14").is_checked()
    page.get_by_label("A detail is wrong or out of date").check()
    assert not choice.is_visible()  # shown only for "the same person"
    page.get_by_label("This is the same person as someone else in the family").check()
    page.get_by_label("Tell us more").fill("Harry is what the school calls Harrison.")
    page.get_by_role("button", name="Send to the data steward").click()
    page.wait_for_url("**/family")
    check.page_ok()
    report = ProblemReport.objects.get()
    assert (report.kind, report.same_as_id) == ("same_person", family["harry"])
    assert report.review_pairs.get().status == "open"
