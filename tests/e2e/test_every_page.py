"""Every page of Family View in a real browser, as a role that may open it: axe-core finds
no WCAG 2.2 A or AA violation and nothing scrolls sideways at 320 pixels.

The pages are taken from the authorisation matrix's list (tests/web/test_authorisation_
matrix.PAGES), so a new page is checked here as soon as it is given an access rule. The
pages that only make sense inside a journey (sign-in steps, a family after its purpose)
are checked by the journey tests named in WITHIN_A_JOURNEY.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from familyview.access.factories import TEST_TOTP_SECRET, create_staff
from familyview.access.models import Role
from familyview.identity.models import LinkedRecord, LinkRun, ProblemReport, ReviewPair
from familyview.involvements.categories import load_categories
from familyview.privacy.models import AlertRule, PrivacyAlert
from familyview.sources.factories import create_quarantined_row
from tests.web.factories import create_authority
from tests.web.frontline_family import a_family
from tests.web.test_authorisation_matrix import GET, MAY_OPEN, PAGES

PASSWORD = "correct horse battery staple 42"

# Checked inside the journeys, where a user reaches them.
WITHIN_A_JOURNEY = {
    "web:sign-in": "tests/access/test_sign_in_in_a_browser.py",
    "web:sign-in-code": "tests/e2e/fixtures.py BrowserCheck.sign_in",
    "web:sign-in-set-up": "tests/access/test_sign_in_in_a_browser.py",
    "web:sign-in-sso": "tests/access/test_sign_in_in_a_browser.py",
    "web:sign-in-sso-callback": "tests/access/test_sign_in_in_a_browser.py",
    "web:sign-out": "tests/e2e/test_journey.py",
    "web:health": "a plain-text answer for load balancers, not a page",
    "web:ecomap-svg": "an image, shown inside web:ecomap",
    "web:subject-access-csv": "a CSV download, not a page",
    "web:audit-export": "a CSV download, not a page",
    "web:steward-source-duplicates-csv": "a CSV download, not a page",
}


@pytest.fixture
def world(transactional_db):
    load_categories()
    authority = create_authority("stockport", "Stockport")
    family = a_family(authority)
    staff = {
        role: create_staff(
            role,
            authority,
            username=f"every.{role.value}",
            password=PASSWORD,
            first_name="Alex",
            last_name="Tester",
            totp_secret=TEST_TOTP_SECRET,
        )
        for role in Role
    }
    records = list(
        LinkedRecord.objects.filter(person_id=family.mother).values_list(
            "person_record_id", flat=True
        )
    ) + list(
        LinkedRecord.objects.filter(person_id=family.father).values_list(
            "person_record_id", flat=True
        )
    )
    pair = ReviewPair.objects.create(
        record_a_id=records[0],
        record_b_id=records[-1],
        match_probability=0.9,
        match_weight=3.0,
        explanation=[],
        found_by_run=LinkRun.objects.create(mode=LinkRun.Mode.FULL),
    )
    # Two records of one source, so that the queue page shows its form for confirming
    # duplicates within a source.
    mothers = {
        source: record
        for record, source in LinkedRecord.objects.filter(person_id=family.mother).values_list(
            "person_record_id", "person_record__source_id"
        )
    }
    within = (
        LinkedRecord.objects.filter(
            person_id=family.child, person_record__source_id__in=list(mothers)
        )
        .values_list("person_record_id", "person_record__source_id")
        .first()
    )
    assert within, "the family needs a mother and child in one source"
    ReviewPair.objects.create(
        record_a_id=mothers[within[1]],
        record_b_id=within[0],
        match_probability=0.8,
        match_weight=2.0,
        explanation=[],
        found_by_run=pair.found_by_run,
    )
    problem = ProblemReport.objects.create(
        authority=authority,
        person_id=family.child,
        kind=ProblemReport.Kind.values[0],
        what="The date of birth looks wrong",
        reported_by=staff[Role.PRACTITIONER],
    )
    now = timezone.now()
    alert = PrivacyAlert.objects.create(
        authority=authority,
        rule=AlertRule.values[0],
        key="every-page",
        explanation="Looked up a person with their own surname",
        user_id=staff[Role.PRACTITIONER].pk,
        username=staff[Role.PRACTITIONER].get_username(),
        subjects=[family.child],
        first_event_at=now,
        last_event_at=now,
        rules_version=1,
    )
    # A row quarantined whole and a value held back, so the import's page shows both tables.
    extract_import = next(iter(family.imports.values()))
    create_quarantined_row(extract_import, row_number=4, field="source_id", reason="is required")
    create_quarantined_row(extract_import, row_number=5, reason="is in the future", value="2099")
    objects = {
        "person": {"person_id": family.child},
        "pair": {"pair_id": pair.pk},
        "import": {"import_id": extract_import.pk},
        "problem": {"report_id": problem.pk},
        "alert": {"alert_id": alert.pk},
        "staff": {"user_id": staff[Role.PRACTITIONER].pk},
        "source": {"source_code": next(iter(family.imports.values())).source.code},
    }
    return staff, objects


def _pages_to_check() -> dict[Role, list[str]]:
    """Each page once, under the first role that may open it."""
    by_role: dict[Role, list[str]] = {role: [] for role in Role}
    for name, page in PAGES.items():
        if not name.startswith("web:") or page.method != GET or name in WITHIN_A_JOURNEY:
            continue
        if page.family_data:
            continue  # tests/e2e/test_journey.py opens them after giving a purpose
        role = next(r for r in Role if name in MAY_OPEN[r])
        by_role[role].append(name)
    return by_role


def test_every_page_is_accessible_and_reflows(check, world):
    staff, objects = world
    opened = []
    for role, names in _pages_to_check().items():
        if not names:
            continue
        check.page.context.clear_cookies()
        check.sign_in(staff[role], PASSWORD)
        for name in names:
            about = PAGES[name].about
            check.goto(reverse(name, kwargs=objects[about] if about else None))
            opened.append(name)
    # Each page was checked as it opened (check.goto: axe-core and 320 pixels); the
    # matrix test holds PAGES to every URL the project serves.
    assert opened
