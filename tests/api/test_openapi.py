"""The OpenAPI document: generated from the code, served at a stable address, and
checked in as docs/openapi.json; this fails when the two drift apart."""

import json
from io import StringIO

import pytest
import schemathesis
from django.core.management import CommandError, call_command
from referencing.jsonschema import DRAFT202012

from familyview.access.break_glass import MAX_JUSTIFICATION, MIN_JUSTIFICATION
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


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_has_an_example_of_its_request_and_answer():
    document = json.loads(openapi_text())
    without = []
    for label, operation in _operations(document):
        media = [
            m
            for response in operation["responses"].values()
            for m in response.get("content", {}).values()
        ] + list(operation.get("requestBody", {}).get("content", {}).values())
        if not any("example" in m for m in media):
            without.append(label)
        for m in operation.get("requestBody", {}).get("content", {}).values():
            if "example" not in m:
                without.append(f"{label} request body")
        for status, response in operation["responses"].items():
            for m in response.get("content", {}).values():
                if status.startswith("2") and "example" not in m:
                    without.append(f"{label} {status} answer")
    assert not without, f"operations without an example: {without}"


def test_every_property_of_every_schema_says_what_it_is():
    document = json.loads(openapi_text())
    undescribed = [
        f"{name}.{prop}"
        for name, schema in document["components"]["schemas"].items()
        for prop, field in schema.get("properties", {}).items()
        if not field.get("description", "").strip()
    ]
    counted = sum(len(s.get("properties", {})) for s in document["components"]["schemas"].values())
    assert counted > 150
    assert not undescribed, f"properties without a description: {undescribed}"


def test_401_and_429_declare_the_headers_a_client_must_read():
    document = json.loads(openapi_text())
    for label, operation in _operations(document):
        responses = operation["responses"]
        assert "WWW-Authenticate" in responses["401"]["headers"], label
        assert "Retry-After" in responses["429"]["headers"], label


def test_every_example_fits_its_schema():
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    document = json.loads(openapi_text())
    registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(document, default_specification=DRAFT202012)
    )

    def check(label: str, media: dict) -> None:
        if "example" not in media or "schema" not in media:
            return
        schema = json.loads(
            json.dumps(media["schema"]).replace('"#/components', '"urn:openapi#/components')
        )
        errors = list(Draft202012Validator(schema, registry=registry).iter_errors(media["example"]))
        assert not errors, (label, [e.message for e in errors])

    for label, operation in _operations(document):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            check(f"{label} request", media)
        for status, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                check(f"{label} {status}", media)


def test_the_rules_the_server_enforces_are_stated():
    schemas = json.loads(openapi_text())["components"]["schemas"]
    justification = schemas["BreakGlassIn"]["properties"]["justification"]
    assert (justification["minLength"], justification["maxLength"]) == (
        MIN_JUSTIFICATION,
        MAX_JUSTIFICATION,
    )
    assert "at least one criterion" in schemas["SearchIn"]["description"].lower()
    assert "required" in schemas["PersonQuery"]["description"].lower()
