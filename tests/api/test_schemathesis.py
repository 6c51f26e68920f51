"""Schemathesis against the API's own OpenAPI document, for each role: every operation,
called as a case management system acting for a member of staff of that role, with
generated and real person ids, answers with no server error and nothing the document
does not describe (status, content type, headers, body)."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from familyview.access.models import Role

from .world import client_headers

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 8
VALID_PURPOSE = {
    "X-Purpose": "other",
    "X-Purpose-Other": "Checking who to call about a referral",
    "X-Case-Reference": "REF-2026-1",
}
FRONT_LINE = {"practitioner", "team_manager"}
FAMILY_READS = {
    "GET /api/v1/people/{person_id}",
    "GET /api/v1/people/{person_id}/family",
    "GET /api/v1/people/{person_id}/involvements",
    "GET /api/v1/people/{person_id}/ecomap.svg",
    "POST /api/v1/people/search",
    "GET /api/person/detail/{personId}",
    "GET /api/person/detail/{personId}/service",
    "GET /api/person/detail/{personId}/service/{serviceType}",
    "GET /api/person/related/{personId}/",
    "POST /api/search/person",
}
ANYONE = {"GET /api/v1/me", "GET /api/auth/status"}
EXPECTED_SUCCESSES = {
    "practitioner": ANYONE
    | {
        "GET /api/v1/people/{person_id}",
        "GET /api/v1/people/{person_id}/family",
        "GET /api/v1/people/{person_id}/involvements",
        "GET /api/person/detail/{personId}",
        "GET /api/person/related/{personId}/",
        "HEAD /api/search/person",
        "HEAD /api/person/related/{personId}/",
    },
    "team_manager": ANYONE | {"GET /api/v1/people/{person_id}/family"},
    "privacy_officer": ANYONE,
    "data_steward": ANYONE | {"GET /api/v1/problem-reports"},
    "administrator": ANYONE,
}


@pytest.fixture
def wsgi_app():
    """Django as a server runs it, on the test's database: the test's transaction must
    survive the end of each request, so requests do not close the connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _cases(operation, people: list[str], services: list[str]):
    """Generated cases, half of them about real people (own, other council, shielded),
    half of those with a purpose of access that is right."""
    names = {p.name for p in operation.path_parameters}
    generated = operation.as_strategy()
    if not names & {"person_id", "personId"}:
        return generated

    def about(person_id: str, service: str, purpose: bool):
        fixed = {"person_id": person_id, "personId": person_id, "serviceType": service}
        given = {k: v for k, v in fixed.items() if k in names}
        if not purpose:
            return operation.as_strategy(path_parameters=given)
        return operation.as_strategy(path_parameters=given, headers=VALID_PURPOSE)

    real = st.tuples(st.sampled_from(people), st.sampled_from(services), st.booleans())
    return st.one_of(generated, real.flatmap(lambda chosen: about(*chosen)))


def _conformance(operation, cases, headers: dict, answered: dict[str, set[int]]):
    """A Hypothesis test of one operation: every response is one the document describes."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(case=cases)
    def conforms(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        answered.setdefault(operation.label, set()).add(response.status_code)

    return conforms


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_operation_conforms_to_the_openapi_document(role, world, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    own, other = world["own"], world["other"]
    headers = client_headers(own, role)
    people = [own.child, own.mother, own.shielded_child, other.child]
    services = ["police", "school", "housing", "adultsocialcare", "adult_mental_health"]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    answered: dict[str, set[int]] = {}
    for operation in operations:
        _conformance(operation, _cases(operation, people, services), headers, answered)()
    # The run reached the endpoints' work, not only their refusals: each role succeeds
    # where its permissions allow, and nowhere else.
    succeeded = {label for label, statuses in answered.items() if any(s < 300 for s in statuses)}
    assert EXPECTED_SUCCESSES[role] <= succeeded, sorted(EXPECTED_SUCCESSES[role] - succeeded)
    assert not (succeeded & FAMILY_READS) or role in FRONT_LINE
