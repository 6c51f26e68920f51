"""Permission and audit on every API endpoint: each role, for a person of their own or
another council, ordinary, with a sensitive service, or shielded.

The expectations are written out here, by hand, independently of access/policy.py and of
the rules the endpoints declare (as tests/web/test_authorisation_matrix.py does for the
pages). Every call that reads family data records exactly one audit event, at its level,
naming the API client; a refusal for want of a permission records one refusal; a person
of another council is answered as absent, and the attempt is one refused read that names
no one (the identifier asked for is in its details, not its subjects).
"""

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, get_resolver

from familyview.access.models import Role
from familyview.access.rules import rule_of
from familyview.api.models import ApiActingSession
from familyview.audit.models import AuditEvent

from .world import PURPOSE, SENSITIVE_LEAD, client_headers

GET, POST = "GET", "POST"
KINDS = ("ordinary", "sensitive", "shielded")


@dataclass(frozen=True)
class Endpoint:
    path: str  # {person} is replaced by the person's id
    rule: str
    method: str = GET
    body: dict | None = None
    level: str = ""  # the audit level of a successful call ("" for none: not a read)
    action: str = ""  # the audit action of a successful call ("": records none)
    family: bool = False  # break-glass first for a shielded person (all but purpose)
    shielded_only: bool = False  # only a shielded person makes sense (else 409)
    success: int = 200


ENDPOINTS: dict[str, Endpoint] = {
    "api:openapi-json": Endpoint("/api/v1/openapi.json", "public"),
    "api:api-root": Endpoint("/api/", "public"),
    "api:v1-me": Endpoint("/api/v1/me", "signed_in"),
    "api:v1-people-search": Endpoint(
        "/api/v1/people/search", "search_people", POST, {"name": "Thornbury"}, "results", "search"
    ),
    "api:v1-person": Endpoint(
        "/api/v1/people/{person}",
        "view_family",
        level="summary",
        action="person.summary",
        family=True,
    ),
    "api:v1-family": Endpoint(
        "/api/v1/people/{person}/family",
        "view_family",
        level="service_detail",
        action="family.view",
        family=True,
    ),
    "api:v1-involvements": Endpoint(
        "/api/v1/people/{person}/involvements",
        "view_family",
        level="service_detail",
        action="person.involvements",
        family=True,
    ),
    "api:v1-ecomap": Endpoint(
        "/api/v1/people/{person}/ecomap.svg",
        "view_family",
        level="service_detail",
        action="family.ecomap_download",
        family=True,
    ),
    # No neighbours registered here: the family is read and the (empty) answer recorded;
    # asking real neighbours is tests/peers.
    "api:v1-neighbours": Endpoint(
        "/api/v1/people/{person}/neighbours",
        "view_family",
        POST,
        level="service_detail",
        action="family.neighbours_asked",
        family=True,
    ),
    "api:v1-purpose": Endpoint(
        "/api/v1/people/{person}/purpose",
        "view_family",
        POST,
        {"purpose": "mash_triage", "case_reference": "MASH-1"},
        action="purpose.given",
    ),
    "api:v1-break-glass": Endpoint(
        "/api/v1/people/{person}/break-glass",
        "view_family",
        POST,
        {"justification": "Section 47 enquiry needs the full family picture today"},
        action="break_glass",
        shielded_only=True,
    ),
    "api:v1-report-problem": Endpoint(
        "/api/v1/people/{person}/problem-reports",
        "report_problem",
        POST,
        {"kind": "wrong_detail", "what": "The date of birth is a year out"},
        action="problem.reported",
        success=201,
    ),
    "api:v1-problem-reports": Endpoint(
        "/api/v1/problem-reports", "review_identity", action="problem_reports.listed"
    ),
    "api:reference-auth-status": Endpoint("/api/auth/status", "signed_in"),
    "api:reference-search-person": Endpoint(
        "/api/search/person",
        "search_people",
        POST,
        {"firstName": "Amelia", "lastName": "Thornbury"},
        "results",
        "search",
    ),
    "api:reference-person-detail": Endpoint(
        "/api/person/detail/{person}",
        "view_family",
        level="summary",
        action="person.summary",
        family=True,
    ),
    "api:reference-person-services": Endpoint(
        "/api/person/detail/{person}/service",
        "view_family",
        level="summary",
        action="person.services",
        family=True,
    ),
    "api:reference-person-service": Endpoint(
        "/api/person/detail/{person}/service/housing",
        "view_family",
        level="service_detail",
        action="person.service_detail",
        family=True,
    ),
    "api:reference-person-related": Endpoint(
        "/api/person/related/{person}/",
        "view_family",
        level="summary",
        action="person.related",
        family=True,
    ),
}

# Who may call what, written out per role (not derived from the policy).
FRONT_LINE = {
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
EVERYONE = {name for name, e in ENDPOINTS.items() if e.rule in ("public", "signed_in")}
MAY_CALL = {
    Role.PRACTITIONER: EVERYONE | FRONT_LINE,
    Role.TEAM_MANAGER: EVERYONE | FRONT_LINE,
    Role.PRIVACY_OFFICER: EVERYONE,
    Role.DATA_STEWARD: EVERYONE | {"api:v1-problem-reports"},
    Role.ADMINISTRATOR: EVERYONE,
}


def api_url_names() -> dict[str, object]:
    """Every named URL under /api/, with its view."""
    found = {}
    for entry in get_resolver().url_patterns:
        if getattr(entry, "namespace", None) == "api":
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern):
                    found[f"api:{pattern.name}"] = pattern.callback
    return found


def test_every_api_url_is_listed_with_the_rule_its_view_declares():
    served = api_url_names()
    assert sorted(set(served) - set(ENDPOINTS)) == [], "API URLs with no decision here"
    assert sorted(set(ENDPOINTS) - set(served)) == [], "listed API URLs that do not exist"
    declared = {name: str(rule_of(view)) for name, view in served.items()}
    assert declared == {name: e.rule for name, e in ENDPOINTS.items()}


def _person(council, kind: str) -> str:
    return {"ordinary": council.child, "sensitive": council.mother}.get(
        kind, council.shielded_child
    )


def _expected(role: Role, name: str, endpoint: Endpoint, where: str, kind: str) -> str:
    about_person = "{person}" in endpoint.path
    if name not in MAY_CALL[role]:
        return "refused"
    if about_person and where == "other":
        return "absent"
    if endpoint.shielded_only and kind != "shielded":
        return "not-shielded"
    if endpoint.family and kind == "shielded":
        return "break-glass"
    return "allowed"


def _outcome(response, endpoint: Endpoint) -> str:
    if response.status_code < 300 or response.status_code == endpoint.success:
        return "allowed"
    problem = response.json()
    return {
        403: "break-glass" if problem["type"].endswith("break-glass-required") else "refused",
        404: "absent",
        409: "not-shielded",
    }.get(response.status_code, f"{response.status_code} {problem['type']}")


@pytest.mark.parametrize("role", list(Role))
def test_permission_and_audit_of_every_endpoint(role, world, api):
    """Every endpoint x own/other council x ordinary/sensitive/shielded person."""
    own, other = world["own"], world["other"]
    headers = client_headers(own, role.value, **PURPOSE)
    unexpected = []
    for name, endpoint in ENDPOINTS.items():
        about_person = "{person}" in endpoint.path
        for where in ("own", "other") if about_person else ("own",):
            council = world[where]
            for kind in KINDS if about_person else ("ordinary",):
                person = _person(council, kind)
                # Each call on its own: nothing remembered from the one before (a
                # break-glass given a moment ago would open the next call).
                ApiActingSession.objects.all().delete()
                url = endpoint.path.replace("{person}", person)
                before = (
                    AuditEvent.objects.order_by("-sequence")
                    .values_list("sequence", flat=True)
                    .first()
                    or 0
                )
                if endpoint.method == POST:
                    response = api.post(
                        url, endpoint.body, content_type="application/json", headers=headers
                    )
                else:
                    response = api.get(url, headers=headers)
                events = list(AuditEvent.objects.filter(sequence__gt=before).order_by("sequence"))
                expected = _expected(role, name, endpoint, where, kind)
                actual = _outcome(response, endpoint)
                case = f"{name} {where} {kind}"
                if actual != expected:
                    unexpected.append(f"{case}: expected {expected}, got {actual}")
                    continue
                if expected == "allowed" and response.status_code != endpoint.success:
                    unexpected.append(f"{case}: answered {response.status_code}")
                unexpected += _audit_problems(case, expected, endpoint, events, own, role)
                body = response.content.decode()
                if where == "own":
                    leaked = [p for p in other.people if p in body]
                    if leaked:
                        unexpected.append(f"{case}: shows another council's people {leaked}")
                if SENSITIVE_LEAD in body:
                    unexpected.append(f"{case}: shows a sensitive service's lead professional")
                if where == "other" and any(person in e.subjects for e in events):
                    unexpected.append(f"{case}: the audit log names another council's person")
    assert unexpected == [], "\n".join(unexpected)


def _audit_problems(case, expected, endpoint, events, council, role) -> list[str]:
    if expected == "allowed" and endpoint.action:
        if len(events) != 1:
            return [f"{case}: {len(events)} audit events, expected exactly one"]
        event = events[0]
        found = []
        if (event.action, event.level) != (endpoint.action, endpoint.level):
            found.append(f"{case}: audited as {event.action}/{event.level}")
        if event.username != council.usernames[role.value]:
            found.append(f"{case}: audited as done by {event.username}")
        # access.break_glass.break_glass writes its own event, without the client.
        if event.action != "break_glass" and event.details.get("api_client") != (
            "Case management system"
        ):
            found.append(f"{case}: the audit event does not name the API client")
        if endpoint.level in ("summary", "service_detail") and (
            event.case_reference != PURPOSE["case_reference"]
        ):
            found.append(f"{case}: the audit event has no case reference")
        return found
    if expected == "refused":
        if [e.action for e in events] != ["access_refused"]:
            return [f"{case}: refusal audited as {[e.action for e in events]}"]
        return []
    if expected == "absent":
        if [(e.action, e.outcome) for e in events] != [("read_refused", "refused")]:
            return [f"{case}: absent audited as {[e.action for e in events]}"]
        return []
    if events:
        return [f"{case}: {expected} but audited {[e.action for e in events]}"]
    return []


@pytest.mark.parametrize(
    "name",
    [
        n
        for n, e in ENDPOINTS.items()
        if e.method == POST and "{person}" in e.path and e.body is not None
    ],
)
def test_refusals_come_before_the_body_is_read(name, world, api):
    """A role without the permission is refused, and another council's person is absent,
    whatever the body holds: a wrong body never tells them more."""
    endpoint = ENDPOINTS[name]
    own, other = world["own"], world["other"]
    allowed = client_headers(own, "practitioner", **PURPOSE)
    absent = api.post(
        endpoint.path.replace("{person}", other.child), {}, "application/json", headers=allowed
    )
    assert absent.status_code == 404
    steward = client_headers(own, "data_steward", **PURPOSE)
    refused = api.post(
        endpoint.path.replace("{person}", own.child), {}, "application/json", headers=steward
    )
    assert refused.status_code == 403
    assert refused.json()["type"] == "/api/v1/problems/forbidden"
    mine = api.post(
        endpoint.path.replace("{person}", own.child), {}, "application/json", headers=allowed
    )
    assert mine.status_code == 422
