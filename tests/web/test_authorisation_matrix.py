"""The authorisation matrix: every role, on every page, for a person of their own or of
another authority, ordinary, with a sensitive service, or shielded.

The expectations are written out here, by hand, independently of access/policy.py: the
test is a second statement of who may do what, and any difference from the code is a
failure. Every URL the project serves must be listed in PAGES, so a new page without a
decision fails this test before it can be reached.
"""

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from familyview.access.models import Authority, Role
from familyview.access.purpose import PurposeOfAccess, remember_purpose
from familyview.access.rules import PUBLIC, SIGNED_IN, rule_of
from familyview.audit.models import AuditEvent
from familyview.identity.models import LinkedRecord, LinkRun, Person, ProblemReport, ReviewPair
from familyview.involvements.models import Involvement
from familyview.privacy.models import AlertRule, PrivacyAlert
from familyview.sources.factories import create_import, create_person_record, create_source

from .factories import create_authority, create_staff

pytestmark = pytest.mark.django_db

# What each URL needs, and what it is about (the kind of object in its path).
GET, POST = "GET", "POST"


@dataclass(frozen=True)
class Page:
    rule: str
    about: str | None = None  # what its URL names: "person", "pair", "import"...
    method: str = GET
    family_data: bool = False  # shows a family's data: purpose first, break-glass if shielded
    level: str = ""  # the audit level of the one event a read of family data writes


PAGES: dict[str, Page] = {
    # Pages
    "web:home": Page(SIGNED_IN),
    "web:health": Page(PUBLIC),
    "web:sign-in": Page(PUBLIC),
    "web:sign-in-code": Page(PUBLIC),
    "web:sign-in-set-up": Page(PUBLIC),
    "web:sign-in-sso": Page(PUBLIC),
    "web:sign-in-sso-callback": Page(PUBLIC),
    "web:sign-in-keep-alive": Page(SIGNED_IN, method=POST),
    "web:sign-out": Page(PUBLIC),
    "web:imports": Page("manage_imports"),
    "web:import-detail": Page("manage_imports", "import"),
    "web:steward-review": Page("review_identity"),
    "web:steward-review-pair": Page("review_identity", "pair"),
    "web:steward-review-confirm-duplicates": Page("review_identity", method=POST),
    "web:steward-person": Page("review_identity", "person"),
    "web:steward-person-merge": Page("review_identity", "person", POST),
    "web:steward-person-split": Page("review_identity", "person", POST),
    "web:steward-quality": Page("review_identity"),
    "web:steward-source-quality": Page("review_identity", "source"),
    "web:steward-source-duplicates-csv": Page("review_identity", "source"),
    "web:steward-problems": Page("review_identity"),
    "web:steward-problem": Page("review_identity", "problem"),
    "web:search": Page("search_people"),
    "web:purpose": Page("view_family", "person"),
    "web:break-glass": Page("view_family", "person"),
    "web:family": Page("view_family", "person", family_data=True, level="service_detail"),
    "web:ecomap": Page("view_family", "person", family_data=True, level="service_detail"),
    "web:ecomap-svg": Page("view_family", "person", family_data=True, level="service_detail"),
    "web:who-to-call": Page("view_family", "person", family_data=True, level="service_detail"),
    "web:neighbours": Page("view_family", "person", POST, family_data=True, level="service_detail"),
    "web:why": Page("view_family", "person", family_data=True, level="summary"),
    "web:report-problem": Page("report_problem", "person"),
    "web:privacy-alerts": Page("handle_alerts"),
    "web:privacy-alert": Page("handle_alerts", "alert"),
    "web:subject-access": Page("subject_access"),
    "web:subject-access-person": Page("subject_access", "person"),
    "web:subject-access-csv": Page("subject_access", "person"),
    "web:admin-staff": Page("administer"),
    "web:admin-staff-member": Page("administer", "staff"),
    "web:sign-in-locks": Page("see_sign_in_locks"),
    "web:audit-log": Page("read_team_audit"),
    "web:audit-export": Page("read_team_audit"),
    # The JSON API (the browser session's own use of it: clients' credentials are in
    # tests/api, with the same rules)
    "api:api-root": Page(PUBLIC),
    "api:openapi-json": Page(PUBLIC),
    "api:v1-me": Page(SIGNED_IN),
    "api:v1-people-search": Page("search_people", method=POST),
    "api:v1-person": Page("view_family", "person", family_data=True, level="summary"),
    "api:v1-family": Page("view_family", "person", family_data=True, level="service_detail"),
    "api:v1-involvements": Page("view_family", "person", family_data=True, level="service_detail"),
    "api:v1-ecomap": Page("view_family", "person", family_data=True, level="service_detail"),
    "api:v1-neighbours": Page(
        "view_family", "person", POST, family_data=True, level="service_detail"
    ),
    "api:v1-purpose": Page("view_family", "person", POST),
    "api:v1-break-glass": Page("view_family", "person", POST),
    "api:v1-report-problem": Page("report_problem", "person", POST),
    "api:v1-problem-reports": Page("review_identity"),
    "api:reference-auth-status": Page(SIGNED_IN),
    "api:reference-search-person": Page("search_people", method=POST),
    "api:reference-person-detail": Page("view_family", "personId", family_data=True),
    "api:reference-person-services": Page("view_family", "personId", family_data=True),
    "api:reference-person-service": Page("view_family", "service", family_data=True),
    "api:reference-person-related": Page("view_family", "personId", family_data=True),
    # Neighbouring councils' deployments ask here, signed with their keys (docs/peers.md):
    # public (no session), and refused to anyone else, every role included.
    "peer-lookup": Page(PUBLIC, method=POST),
}

# Who may open which pages: written out per role, not derived from the policy.
FRONT_LINE = {
    "web:search",
    "web:purpose",
    "web:break-glass",
    "web:family",
    "web:ecomap",
    "web:ecomap-svg",
    "web:who-to-call",
    "web:neighbours",
    "web:why",
    "web:report-problem",
    "api:v1-people-search",
    "api:v1-person",
    "api:v1-family",
    "api:v1-involvements",
    "api:v1-ecomap",
    "api:v1-neighbours",
    "api:v1-purpose",
    "api:v1-break-glass",
    "api:v1-report-problem",
    "api:reference-search-person",
    "api:reference-person-detail",
    "api:reference-person-services",
    "api:reference-person-service",
    "api:reference-person-related",
}
STEWARDS = {
    "web:imports",
    "web:import-detail",
    "web:steward-review",
    "web:steward-review-pair",
    "web:steward-review-confirm-duplicates",
    "web:steward-person",
    "web:steward-person-merge",
    "web:steward-person-split",
    "web:steward-quality",
    "web:steward-source-quality",
    "web:steward-source-duplicates-csv",
    "web:steward-problems",
    "web:steward-problem",
    "api:v1-problem-reports",
}
AUDITORS = {
    "web:privacy-alerts",
    "web:privacy-alert",
    "web:subject-access",
    "web:subject-access-person",
    "web:subject-access-csv",
}
TEAM_AUDIT = {"web:audit-log", "web:audit-export"}
ADMINISTRATION = {"web:admin-staff", "web:admin-staff-member"}
SIGN_IN_LOCKS = {"web:sign-in-locks"}
PEERS_ONLY = {"peer-lookup"}
EVERYONE = {name for name, page in PAGES.items() if page.rule in (PUBLIC, SIGNED_IN)} - PEERS_ONLY

MAY_OPEN: dict[Role, set[str]] = {
    Role.PRACTITIONER: EVERYONE | FRONT_LINE,
    Role.TEAM_MANAGER: EVERYONE | FRONT_LINE | TEAM_AUDIT,
    Role.PRIVACY_OFFICER: EVERYONE | AUDITORS | TEAM_AUDIT | SIGN_IN_LOCKS,
    Role.DATA_STEWARD: EVERYONE | STEWARDS,
    Role.ADMINISTRATOR: EVERYONE | ADMINISTRATION | SIGN_IN_LOCKS,
}

KINDS = ("ordinary", "sensitive", "shielded")
PERSON_PARTS = ("person", "personId", "service")


def all_url_names(resolver: URLResolver | None = None, prefix: str = "") -> dict[str, object]:
    """Every named URL the project serves, with its view."""
    resolver = resolver or get_resolver()
    found = {}
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            found.update(all_url_names(entry, namespace))
        elif isinstance(entry, URLPattern):
            found[f"{prefix}{entry.name}"] = entry.callback
    return found


def test_every_url_is_in_the_matrix_with_the_rule_its_view_declares():
    served = all_url_names()
    assert sorted(set(served) - set(PAGES)) == [], "pages with no decision in PAGES"
    assert sorted(set(PAGES) - set(served)) == [], "PAGES lists pages that do not exist"
    declared = {name: str(rule_of(view)) for name, view in served.items()}
    assert declared == {name: page.rule for name, page in PAGES.items()}


@dataclass
class Authority_Data:
    authority: Authority
    persons: dict[str, str]  # kind -> person id
    pair: int
    extract_import: int
    problem: int
    alert: int
    staff_member: int
    lead_names: dict[str, str]  # kind -> the lead professional's name
    source: str  # a source's code


def _authority_data(code: str, name: str) -> Authority_Data:
    authority = create_authority(code, name)
    csc = create_import(create_source(authority, code=f"{code}-CSC"))
    camhs = create_import(
        create_source(authority, code=f"{code}-CAMHS", service_category="child_mental_health")
    )
    run = LinkRun.objects.create(mode=LinkRun.Mode.FULL)
    persons, leads = {}, {}
    for kind in KINDS:
        record = create_person_record(
            csc,
            given_name=f"{kind.title()}child",
            family_name=f"{code.title()}family",
            birth_year=2015,
            birth_month=5,
            birth_day=6,
            restricted=kind == "shielded",
        )
        person = Person.objects.create(created_by_run=run)
        LinkedRecord.objects.create(
            person_record=record,
            person=person,
            match_probability=1.0,
            basis="alone",
            linked_by_run=run,
        )
        imp = camhs if kind == "sensitive" else csc
        leads[kind] = f"Lead{kind.title()} {code.title()}worker"
        Involvement.objects.create(
            source=imp.source,
            source_involvement_id=f"I-{kind}",
            person_record=record,
            service_category=imp.source.service_category,
            status="current",
            team="Team",
            start_date=date(2025, 1, 1),
            lead_name=leads[kind],
            lead_phone="01610000000",
            row_hash=f"{kind:0>32}",
            created_by_import=imp,
            changed_by_import=imp,
        )
        persons[kind] = person.pk
    a, b = (
        create_person_record(csc, given_name="Pat", family_name="Pair", birth_year=1990),
        create_person_record(csc, given_name="Pat", family_name="Pair", birth_year=1991),
    )
    pair = ReviewPair.objects.create(
        record_a=a,
        record_b=b,
        match_probability=0.9,
        match_weight=3.0,
        explanation=[],
        found_by_run=run,
    )
    reporter = create_staff(Role.PRACTITIONER, authority)
    problem = ProblemReport.objects.create(
        authority=authority,
        person_id=persons["ordinary"],
        kind=ProblemReport.Kind.values[0],
        what="The date of birth looks wrong",
        reported_by=reporter,
    )
    now = timezone.now()
    alert = PrivacyAlert.objects.create(
        authority=authority,
        rule=AlertRule.values[0],
        key=f"{code}-1",
        explanation="Looked up a person with their own surname",
        user_id=reporter.pk,
        username=reporter.get_username(),
        subjects=[persons["ordinary"]],
        first_event_at=now,
        last_event_at=now,
        rules_version=1,
    )
    return Authority_Data(
        authority,
        persons,
        pair.pk,
        csc.pk,
        problem.pk,
        alert.pk,
        reporter.pk,
        leads,
        csc.source.code,
    )


@pytest.fixture
def world():
    return {
        "own": _authority_data("stockport", "Stockport"),
        "other": _authority_data("surrey", "Surrey"),
    }


def _url(name: str, page: Page, data: Authority_Data, kind: str) -> str:
    if page.about is None:
        return reverse(name)
    arg = {
        "person": {"person_id": data.persons[kind]},
        "personId": {"personId": data.persons[kind]},
        "service": {"personId": data.persons[kind], "serviceType": "police"},
        "pair": {"pair_id": data.pair},
        "import": {"import_id": data.extract_import},
        "problem": {"report_id": data.problem},
        "alert": {"alert_id": data.alert},
        "staff": {"user_id": data.staff_member},
        "source": {"source_code": data.source},
    }[page.about]
    return reverse(name, kwargs=arg)


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _outcome(response) -> str:
    """What the request came to: allowed (the page did its work), break-glass, or denied."""
    if response.status_code == 403 and b"break-glass-required" in _body(response):
        return "break-glass"
    if response.status_code in (401, 403, 404):
        return "denied"
    if response.status_code in (301, 302, 303):
        target = response.headers["Location"]
        if target.startswith(reverse("web:sign-in")) and "next=" in target:
            return "denied"
        if "break-glass" in target:
            return "break-glass"
    return "allowed"


@pytest.mark.parametrize("role", list(Role))
def test_authorisation_matrix(role, world, settings):
    """Every page x own/other authority x ordinary/sensitive/shielded person: no
    unexpected allow, and no expected allow refused."""
    own = world["own"]
    # Hundreds of requests by one user: above any rate a person could reach.
    settings.FAMILYVIEW_API_RATE_PER_MINUTE = 1_000_000
    settings.FAMILYVIEW_API_BURST = 1_000_000
    staff = create_staff(role, own.authority)
    client = Client()
    unexpected = []
    for name, page in PAGES.items():
        for where in ("own", "other"):
            data = world[where]
            for kind in KINDS if page.about in PERSON_PARTS else ("ordinary",):
                if page.about is None and where == "other":
                    continue
                # One client for the whole role (a new one loads every middleware again),
                # signed in afresh for each request (sign-out may have ended the last).
                client.force_login(staff)
                if page.family_data:
                    session = client.session
                    remember_purpose(
                        session,
                        data.persons[kind],
                        PurposeOfAccess("mash_triage", "", "REF-1"),
                    )
                    session.save()
                url = _url(name, page, data, kind)
                events_before = AuditEvent.objects.count()
                if page.method == GET:
                    response = client.get(url)
                elif name.startswith("api:"):
                    response = client.post(url, "{}", content_type="application/json")
                else:
                    response = client.post(url)
                actual = _outcome(response)
                expected = "denied"
                if name in MAY_OPEN[role] and (page.about is None or where == "own"):
                    expected = "allowed"
                    if page.family_data and kind == "shielded":
                        expected = "break-glass"
                if actual != expected:
                    unexpected.append(
                        f"{name} {where} {kind}: expected {expected}, got {actual} "
                        f"({response.status_code})"
                    )
                if actual == "allowed" and response.status_code == 200:
                    body = _body(response).decode()
                    if page.level:
                        written = list(
                            AuditEvent.objects.order_by("sequence")[events_before:].values_list(
                                "level", flat=True
                            )
                        )
                        if written != [page.level]:
                            unexpected.append(
                                f"{name} {kind}: wrote audit events {written}, "
                                f"not one at level {page.level}"
                            )
                    for other_kind, person_id in world["other"].persons.items():
                        if where == "own" and person_id in body:
                            unexpected.append(f"{name} shows another authority's {other_kind}")
                    if (
                        page.family_data
                        and kind == "sensitive"
                        and data.lead_names["sensitive"] in body
                    ):
                        unexpected.append(f"{name} shows a sensitive service's lead")
    assert not unexpected, "\n".join(unexpected)
