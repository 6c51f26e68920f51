"""A NUL byte or another control character anywhere in an API call is refused with 400
problem details, never a server error, and reaches no one's data.

Every operation is taken from the API's own OpenAPI document, so an operation added later
is walked too: each path, query and header parameter, and each field of each request
body, is sent in turn holding a control character, in a call that would otherwise
succeed or be answered for a person of the caller's own council.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.urls import resolve

from familyview.access.models import Role
from familyview.access.policy import ROLE_PERMISSIONS, Permission
from familyview.access.rules import rule_of
from familyview.api.api import api as family_view_api
from familyview.api.middleware import API_URLCONF
from familyview.audit.models import AuditEvent

from .world import PURPOSE, client_headers

# NUL (what PostgreSQL text cannot hold) and escape (which starts a terminal's control
# sequences): a control character of each kind.
CONTROL_CHARACTERS = {"NUL": "\x00", "ESC": "\x1b"}
METHODS = ("get", "head", "post", "put", "patch", "delete")
# Values that are right, so that nothing but the control character can be wrong.
GOOD_PATH_VALUES = {"serviceType": "police"}
GOOD_STRINGS = {"dateOfBirth": "2016-03-09", "date": "2016-03-09"}


def _document() -> dict:
    return family_view_api.get_openapi_schema()


def _resolved(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _example(document: dict, schema: dict, name: str = "") -> object:
    """A value the schema accepts (the first choice, the least number, a plain word)."""
    schema = _resolved(document, schema)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _example(document, options[0], name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {
            key: _example(document, schema["properties"][key], key)
            for key in schema.get("required", [])
        }
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if schema.get("format") == "date":
        return "2016-03-09"
    return GOOD_STRINGS.get(name, "Thornbury looked up for a referral from school")


def _fields(document: dict, schema: dict, at: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every field of a body, nested objects' fields included, as paths of names."""
    schema = _resolved(document, schema)
    for option in schema.get("anyOf", []):
        if _resolved(document, option).get("type") == "object":
            yield from _fields(document, option, at)
    for key, field_schema in schema.get("properties", {}).items():
        yield (*at, key)
        if _resolved(document, field_schema).get("type") == "object" or any(
            _resolved(document, o).get("type") == "object" for o in field_schema.get("anyOf", [])
        ):
            yield from _fields(document, field_schema, (*at, key))


def _with(body: dict, path: tuple[str, ...], value: str, document: dict, schema: dict) -> dict:
    """The body with one field, however deep, set to value (its parents filled in)."""
    body = json.loads(json.dumps(body))
    here, schema = body, _resolved(document, schema)
    for key in path[:-1]:
        field_schema = schema["properties"][key]
        options = [field_schema, *field_schema.get("anyOf", [])]
        schema = next(
            _resolved(document, s)
            for s in options
            if _resolved(document, s).get("type") == "object"
        )
        if not isinstance(here.get(key), dict):
            here[key] = _example(document, schema, key)
        here = here[key]
    here[path[-1]] = value
    return body


def _role_for(path: str) -> str:
    """A role that may call the operation at this address (any role for a public one)."""
    rule = rule_of(resolve(path, urlconf=API_URLCONF).func)
    for role in Role:
        if not isinstance(rule, Permission) or rule in ROLE_PERMISSIONS[role]:
            return role.value
    raise AssertionError(f"no role may call {path}")


@dataclass(frozen=True)
class Call:
    """One call of an operation with a control character in one place."""

    operation: str  # "POST /api/v1/people/{person_id}/purpose"
    where: str  # "path person_id", "query limit", "header X-Purpose", "body case_reference"
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: dict | None = None


def _address(template: str, path_values: dict[str, str], query: dict[str, str]) -> str:
    path = template.format(**{k: quote(v, safe="") for k, v in path_values.items()})
    if query:
        path += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
    return path


def _calls(document: dict, own, character: str) -> Iterator[Call]:
    """A call for every place each operation reads a string from."""
    bad = f"A{character}B"
    for template, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            label = f"{method.upper()} {template}"
            parameters = operation.get("parameters", [])
            good_path = {
                p["name"]: GOOD_PATH_VALUES.get(p["name"], own.child)
                for p in parameters
                if p["in"] == "path"
            }
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            body = _example(document, schema) if schema else None
            address = _address(template, good_path, {})
            for parameter in parameters:
                name, where = parameter["name"], f"{parameter['in']} {parameter['name']}"
                if parameter["in"] == "path":
                    bad_address = _address(template, {**good_path, name: bad}, {})
                    yield Call(label, where, method, bad_address, body=body)
                elif parameter["in"] == "query":
                    bad_address = _address(template, good_path, {name: bad})
                    yield Call(label, where, method, bad_address, body=body)
                elif parameter["in"] == "header":
                    yield Call(label, where, method, address, {name: bad}, body)
            for path in _fields(document, schema) if schema else ():
                bad_body = _with(body, path, bad, document, schema)
                yield Call(label, f"body {'.'.join(path)}", method, address, body=bad_body)


@pytest.mark.parametrize("character", CONTROL_CHARACTERS.values(), ids=CONTROL_CHARACTERS)
def test_every_operation_refuses_control_characters_with_400(api, world, character):
    own = world["own"]
    document = _document()
    walked, wrong = set(), []
    for call in _calls(document, own, character):
        label, where = call.operation, call.where
        role = _role_for(call.path.split("?")[0])
        headers = {**client_headers(own, role, **PURPOSE), **call.headers}
        events_before = AuditEvent.objects.count()
        kwargs = {"headers": headers}
        if call.body is not None:
            kwargs |= {"data": json.dumps(call.body), "content_type": "application/json"}
        response = getattr(api, call.method)(call.path, **kwargs)
        walked.add(label)
        if response.status_code != 400 or response["Content-Type"] != "application/problem+json":
            wrong.append(f"{label} with it in {where}: {response.status_code}")
        elif call.method != "head":
            problem = json.loads(response.content)
            location, _, name = where.partition(" ")
            if problem["type"] != "/api/v1/problems/control-characters":
                wrong.append(f"{label} with it in {where}: {problem['type']}")
            elif (location, name) not in [(e["location"], e["field"]) for e in problem["errors"]]:
                wrong.append(f"{label} with it in {where}: errors name {problem['errors']}")
            if character in response.content.decode():
                wrong.append(f"{label} with it in {where}: the answer repeats the character")
        if AuditEvent.objects.count() != events_before:
            wrong.append(f"{label} with it in {where}: an audit event was written")
    assert wrong == []
    every_operation = {
        f"{method.upper()} {template}"
        for template, item in document["paths"].items()
        for method in METHODS
        if method in item
    }
    # Operations with no parameter and no body read no string from the caller.
    readers = {
        f"{method.upper()} {template}"
        for template, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS and (operation.get("parameters") or operation.get("requestBody"))
    }
    assert walked == readers and readers <= every_operation
    assert {"POST /api/v1/people/{person_id}/break-glass", "POST /api/search/person"} <= walked


def test_a_control_character_in_any_header_is_refused_before_anything_is_read(api, world):
    own = world["own"]
    headers = client_headers(own, "practitioner", **PURPOSE)
    response = api.get(
        f"/api/v1/people/{own.child}/family", headers={**headers, "User-Agent": "x\x00y"}
    )
    assert response.status_code == 400
    problem = json.loads(response.content)
    assert problem["errors"] == [
        {
            "location": "header",
            "field": "User-Agent",
            "detail": "holds a control character (U+0000), which Family View does not accept",
        }
    ]
    acting = {**headers, "X-Acting-User": "practitioner\x00"}
    assert api.get("/api/v1/me", headers=acting).status_code == 400
    assert not AuditEvent.objects.exists()


def test_tabs_and_new_lines_in_a_body_are_text(api, world):
    own = world["own"]
    headers = client_headers(own, "practitioner")
    response = api.post(
        f"/api/v1/people/{own.child}/problem-reports",
        json.dumps({"kind": "wrong_detail", "what": "The date of birth\r\nlooks\twrong"}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.content
