"""Across council borders in a real browser (issue 20): a Stockport worker signs in,
searches the child, gives the purpose, opens the family, presses "Ask neighbouring
councils" and reads Manchester's answer (its own deployment, database, key and port);
every page is checked with axe-core at 1280 and 320 pixels wide (tests/e2e/fixtures.py)."""

import re
import socket

import pytest

from familyview.access.factories import TEST_TOTP_SECRET, create_staff
from familyview.access.models import Role
from familyview.identity.search import refresh_search_entries
from familyview.involvements.categories import load_categories
from familyview.peers.registry import add_peer
from familyview.sources.models import PersonRecord
from tests.peers.conftest import AGREEMENT, MANCHESTER, Key
from tests.peers.neighbour import (
    COUNCIL,
    FATHER_BORN,
    FATHER_NHS,
    MOTHER_BORN,
    MOTHER_NHS,
    PROBATION_OFFICER,
)
from tests.web.factories import create_authority
from tests.web.frontline_family import a_family

pytestmark = [pytest.mark.slow]

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def stockport_family(transactional_db, stockport, manchester):
    """The Thornburys in Stockport (the father and mother with the NHS numbers and dates of
    birth Manchester holds), a worker, Manchester registered and Bury, which is down."""
    load_categories()
    authority = create_authority("stockport", "Stockport Council")
    family = a_family(authority)
    records = PersonRecord.objects.filter(source__authority=authority)
    for given, nhs, born in (
        ("Mark", FATHER_NHS, FATHER_BORN),
        ("Claire", MOTHER_NHS, MOTHER_BORN),
    ):
        records.filter(given_name=given).update(
            nhs_number=nhs, birth_year=born.year, birth_month=born.month, birth_day=born.day
        )
    refresh_search_entries()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        down = closed.getsockname()[1]  # nothing listens once closed
    for name, url, key in (
        (MANCHESTER, manchester.url, manchester.public_key),
        ("bury", f"http://127.0.0.1:{down}", Key.new().public),
    ):
        add_peer(
            name,
            url,
            key,
            agreement=AGREEMENT,
            authority_code="stockport",
            duty_line="0161 217 6028",
        )
    worker = create_staff(
        Role.PRACTITIONER,
        authority,
        username="sam.patel",
        password=PASSWORD,
        first_name="Sam",
        last_name="Patel",
        totp_secret=TEST_TOTP_SECRET,
    )
    return family, worker


def test_a_worker_asks_the_neighbouring_councils_and_reads_who_to_call(check, stockport_family):
    family, worker = stockport_family
    page = check.page

    check.sign_in(worker, PASSWORD)
    page.get_by_label("Name").fill("Amelia Thornbury")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search\?results="))
    check.page_ok()
    page.locator("[data-testid=result]").first.get_by_role("link", name="Amelia Thornbury").click()
    page.wait_for_url(f"**/people/{family.child}/purpose")
    check.page_ok()
    page.get_by_label("Section 47 enquiry").check()
    page.get_by_label("Case or referral reference").fill("CASE-1234")
    page.get_by_role("button", name="Continue to the family").click()
    page.wait_for_url(f"**/people/{family.child}/family")
    check.page_ok()

    page.get_by_role("button", name="Ask neighbouring councils").click()
    page.wait_for_url(f"**/people/{family.child}/neighbours")
    check.page_ok()

    father = page.locator(f"section[data-person='{family.father}']")
    manchester = father.locator(f"h3[data-peer='{MANCHESTER}'] + *")
    assert father.locator(f"h3[data-peer='{MANCHESTER}']").inner_text() == COUNCIL
    said = " ".join(manchester.inner_text().split())
    assert "Probation" in said and "Manchester South Probation" in said
    assert "Pat Okafor, Probation Officer" in said
    phone = manchester.get_by_role("link", name=PROBATION_OFFICER["lead_phone"])
    assert phone.get_attribute("href") == "tel:+441614960555"
    # The mother is shielded in Manchester: held, its duty line, nothing else.
    mother = page.locator(
        f"section[data-person='{family.mother}'] h3[data-peer='{MANCHESTER}'] + *"
    )
    held = " ".join(mother.inner_text().split())
    assert f"Held by {COUNCIL}" in held and "0161 234 5001" in held
    # Bury is down: it did not answer, and the page still shows Manchester's answers.
    assert father.locator("h3[data-peer='bury'] + *").inner_text() == "Did not answer."
    bury = " ".join(page.locator("[data-outcome-of='bury']").inner_text().split())
    assert bury.startswith("Bury: did not answer within 4 seconds")
    assert page.title().startswith("Neighbouring councils")
    assert "Thornbury" not in page.title()
