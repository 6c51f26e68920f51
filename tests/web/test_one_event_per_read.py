"""Every read of personal data writes exactly one audit event, of the right action: the
authorisation matrix's every URL (pages, and the API through the browser's session),
walked by a role that may open it, for an ordinary, a sensitive and a shielded person of
their own authority (with a purpose given and break-glass justified, so the read happens).

READS says, for every URL the matrix lists, which action its read records, or that it
shows no one's data. A URL added to the project fails here until it is given one, as it
fails the matrix until its rule is decided.
"""

import pytest
from django.test import Client

from familyview.access.break_glass import SESSION_KEY as BREAK_GLASS_KEY
from familyview.access.models import Role
from familyview.access.purpose import PurposeOfAccess, remember_purpose
from familyview.audit.actions import Action
from familyview.audit.models import AuditEvent

from .factories import create_staff
from .test_authorisation_matrix import (
    KINDS,
    MAY_OPEN,
    PAGES,
    PERSON_PARTS,
    _outcome,
    _url,
    world,  # noqa: F401 (the matrix's two authorities, a fixture)
)

pytestmark = pytest.mark.django_db

NO_ONE = None  # the URL shows no one's data: it must name no one in the log

READS: dict[str, Action | None] = {
    "web:home": NO_ONE,
    "web:health": NO_ONE,
    "web:sign-in": NO_ONE,
    "web:sign-in-code": NO_ONE,
    "web:sign-in-set-up": NO_ONE,
    "web:sign-in-sso": NO_ONE,
    "web:sign-in-sso-callback": NO_ONE,
    "web:sign-in-keep-alive": NO_ONE,
    "web:sign-out": NO_ONE,
    "web:imports": NO_ONE,
    # Its quarantined rows and values held back, as the source sent them.
    "web:import-detail": Action.IMPORT_ROWS_VIEWED,
    # The queue names both records of every pair it lists.
    "web:steward-review": Action.STEWARD_QUEUE_VIEWED,
    "web:steward-review-pair": Action.STEWARD_PAIR_VIEWED,
    # An empty form: the queue again, with the error (the change itself is tested in
    # tests/identity).
    "web:steward-review-confirm-duplicates": Action.STEWARD_QUEUE_VIEWED,
    "web:steward-person": Action.STEWARD_PERSON_VIEWED,
    # An empty form: the person's page again, with the error (the change itself is
    # tested in tests/identity/test_steward_audit.py).
    "web:steward-person-merge": Action.STEWARD_PERSON_VIEWED,
    "web:steward-person-split": Action.STEWARD_PERSON_VIEWED,
    "web:steward-quality": NO_ONE,
    "web:steward-source-quality": Action.STEWARD_DUPLICATES_VIEWED,
    "web:steward-source-duplicates-csv": Action.EXPORT,
    "web:steward-problems": NO_ONE,
    # The reporter's words and the fact reported about the person.
    "web:steward-problem": Action.STEWARD_PROBLEM_VIEWED,
    # Without a search kept in the session: the empty form, and under it the families
    # opened under a purpose still in force (one event naming them).
    "web:search": Action.RECENT_FAMILIES,
    "web:purpose": Action.PERSON_SUMMARY,
    "web:break-glass": NO_ONE,  # already justified: on to the family
    "web:family": Action.FAMILY_VIEW,
    "web:ecomap": Action.FAMILY_ECOMAP,
    "web:ecomap-svg": Action.FAMILY_ECOMAP_DOWNLOAD,
    "web:who-to-call": Action.FAMILY_WHO_TO_CALL,
    "web:neighbours": Action.FAMILY_NEIGHBOURS_ASKED,
    "web:why": Action.PERSON_WHY,
    "web:report-problem": Action.PROBLEM_FORM,
    "web:privacy-alerts": NO_ONE,
    "web:privacy-alert": Action.PRIVACY_ALERT_VIEWED,
    "web:subject-access": NO_ONE,
    "web:subject-access-person": Action.SUBJECT_ACCESS_REPORT,
    "web:subject-access-csv": Action.SUBJECT_ACCESS_REPORT,
    "web:admin-staff": NO_ONE,
    "web:admin-staff-member": NO_ONE,
    "web:sign-in-locks": NO_ONE,
    "web:audit-log": Action.AUDIT_SEARCH,
    "web:audit-export": Action.EXPORT,
    "api:api-root": NO_ONE,
    "api:openapi-json": NO_ONE,
    "api:v1-me": NO_ONE,
    "api:v1-people-search": NO_ONE,  # an empty body is refused (422) before any search
    "api:v1-person": Action.PERSON_SUMMARY,
    "api:v1-family": Action.FAMILY_VIEW,
    "api:v1-involvements": Action.PERSON_INVOLVEMENTS,
    "api:v1-ecomap": Action.FAMILY_ECOMAP_DOWNLOAD,
    "api:v1-neighbours": Action.FAMILY_NEIGHBOURS_ASKED,
    "api:v1-purpose": NO_ONE,  # an empty body is refused (422)
    "api:v1-break-glass": NO_ONE,  # an empty body is refused (422)
    "api:v1-report-problem": NO_ONE,  # an empty body is refused (422)
    "api:v1-problem-reports": Action.PROBLEM_REPORTS_LISTED,
    "api:reference-auth-status": NO_ONE,
    "api:reference-search-person": NO_ONE,  # an empty body is refused (422)
    "api:reference-person-detail": Action.PERSON_SUMMARY,
    "api:reference-person-services": Action.PERSON_SERVICES,
    "api:reference-person-service": Action.PERSON_SERVICE_DETAIL,
    "api:reference-person-related": Action.PERSON_RELATED,
    # A neighbouring deployment's signed request (tests/peers): anyone else's is refused,
    # recorded as a refusal naming no one.
    "peer-lookup": NO_ONE,
}


# What a read needs in its query string (without it, the page asks for it and shows no one).
QUERY = {
    "web:subject-access-person": "?reference=SAR-2026-1",
    "web:subject-access-csv": "?reference=SAR-2026-1",
}


def test_every_url_of_the_matrix_says_what_its_read_records():
    assert sorted(set(PAGES) - set(READS)) == [], "URLs with no entry in READS"
    assert sorted(set(READS) - set(PAGES)) == [], "READS lists URLs the matrix does not"


def _role_for(name: str) -> Role:
    return next(role for role in Role if name in MAY_OPEN[role])


def test_every_read_of_personal_data_writes_exactly_one_event_of_its_action(world, settings):  # noqa: F811
    own = world["own"]
    settings.FAMILYVIEW_API_RATE_PER_MINUTE = 1_000_000
    settings.FAMILYVIEW_API_BURST = 1_000_000
    staff = {role: create_staff(role, own.authority) for role in Role}
    client = Client()
    problems, reads_walked = [], set()
    for name, page in PAGES.items():
        if not any(name in may for may in MAY_OPEN.values()):
            continue  # public and signed-in pages are opened by everyone: below
        for kind in KINDS if page.about in PERSON_PARTS else ("ordinary",):
            client.force_login(staff[_role_for(name)])
            session = client.session
            person_id = own.persons[kind]
            remember_purpose(session, person_id, PurposeOfAccess("mash_triage", "", "REF-1"))
            session[BREAK_GLASS_KEY] = [person_id]
            session.save()
            url = _url(name, page, own, kind) + QUERY.get(name, "")
            before = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True)
            before = before.first() or 0
            if page.method == "GET":
                response = client.get(url)
            elif name.startswith("api:"):
                response = client.post(url, "{}", content_type="application/json")
            else:
                response = client.post(url)
            events = list(AuditEvent.objects.filter(sequence__gt=before).order_by("sequence"))
            if _outcome(response) != "allowed":
                problems.append(f"{name} {kind}: not opened ({response.status_code})")
                continue
            expected = READS[name]
            if expected is NO_ONE:
                named = [e.action for e in events if e.subjects or e.level]
                if named:
                    problems.append(f"{name} {kind}: shows no one, but recorded {named}")
                continue
            reads_walked.add(name)
            written = [e.action for e in events]
            if written != [str(expected)]:
                problems.append(f"{name} {kind}: recorded {written}, not one {expected}")
    assert problems == [], "\n".join(problems)
    assert reads_walked == {n for n, a in READS.items() if a is not NO_ONE}
