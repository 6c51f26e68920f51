"""The OpenAPI document: generated from the code, served at a stable address, and
checked in as docs/openapi.json; this fails when the two drift apart."""

import json
from io import StringIO

import pytest
import schemathesis
from django.core.management import CommandError, call_command

from familyview.api.openapi import checked_in_path, openapi_text

PERSONAL_CRITERIA = {"name", "firstName", "lastName", "postcode", "nhs_number", "dateOfBirth"}


def test_the_checked_in_document_is_the_one_the_code_generates():
    assert checked_in_path().read_text(encoding="utf-8") == openapi_text(), (
        "docs/openapi.json has drifted from the code: run `familyview api-openapi`"
    )


def test_the_document_is_served_at_a_stable_address_without_signing_in(api, db):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(openapi_text())


def test_the_document_is_valid_openapi_3():
    document = json.loads(openapi_text())
    assert document["openapi"].startswith("3.")
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "POST /api/v1/people/search",
        "GET /api/v1/people/{person_id}/family",
        "POST /api/search/person",
        "HEAD /api/search/person",
        "GET /api/person/related/{personId}/",
        "HEAD /api/person/related/{personId}/",
    }


def test_no_personal_criteria_go_in_an_address():
    document = json.loads(openapi_text())
    in_addresses = {
        parameter["name"]
        for path in document["paths"].values()
        for operation in path.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] in ("query", "path")
    }
    assert not in_addresses & PERSONAL_CRITERIA


def test_every_operation_describes_its_errors_as_problem_details():
    document = json.loads(openapi_text())
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status in ("400", "401", "403", "404", "422", "429"):
                content = operation["responses"][status]["content"]
                assert list(content) == ["application/problem+json"], (path, method, status)


def test_the_command_writes_and_checks_the_document(tmp_path):
    out = tmp_path / "openapi.json"
    call_command("api-openapi", "--out", str(out), stdout=StringIO())
    assert out.read_text(encoding="utf-8") == openapi_text()
    call_command("api-openapi", "--check", "--out", str(out), stdout=StringIO())
    out.write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError, match="not the document the code generates"):
        call_command("api-openapi", "--check", "--out", str(out), stdout=StringIO())
