"""The Family Context reference API's endpoints answer in its shapes: each response is
validated against docs/reference/family-context-api.yaml (copied from the reference, with
its licence), and carries no field the reference does not define."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from jsonschema import Draft4Validator, FormatChecker

from .world import PURPOSE, client_headers

REFERENCE_FILE = Path(settings.PROJECT_DIR) / "docs" / "reference" / "family-context-api.yaml"
REFERENCE = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
SCHEMAS = REFERENCE["components"]["schemas"]


def _validator(schema: dict) -> Draft4Validator:
    # Local references (#/components/schemas/...) resolve within this one document.
    return Draft4Validator(
        {**schema, "components": REFERENCE["components"]}, format_checker=FormatChecker()
    )


def assert_matches_reference(path: str, method: str, body) -> None:
    """The body is what the reference says this operation answers with 200."""
    response = REFERENCE["paths"][path][method]["responses"][200]
    schema = response["content"]["application/json"]["schema"]
    errors = sorted(_validator(schema).iter_errors(body), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]
    _assert_no_unknown_fields(schema, body)


def _properties(schema: dict) -> set[str] | None:
    """The fields a schema defines (following $ref and allOf); None: any."""
    if "$ref" in schema:
        return _properties(SCHEMAS[schema["$ref"].rsplit("/", 1)[1]])
    if "allOf" in schema:
        found = set()
        for part in schema["allOf"]:
            found |= _properties(part) or set()
        return found
    return set(schema["properties"]) if "properties" in schema else None


def _resolve(schema: dict) -> dict:
    return _resolve(SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]) if "$ref" in schema else schema


def _assert_no_unknown_fields(schema: dict, body) -> None:
    schema = _resolve(schema)
    if isinstance(body, list):
        for item in body:
            _assert_no_unknown_fields(schema.get("items", {}), item)
        return
    if not isinstance(body, dict):
        return
    known = _properties(schema)
    if known is None:
        return
    assert set(body) <= known, f"fields the reference does not define: {set(body) - known}"
    for name, value in body.items():
        member = next(
            (
                _resolve(part).get("properties", {}).get(name)
                for part in [schema, *schema.get("allOf", [])]
                if name in _resolve(part).get("properties", {})
            ),
            None,
        )
        if member:
            _assert_no_unknown_fields(member, value)


@pytest.fixture
def own(world):
    return world["own"]


@pytest.fixture
def practitioner(own):
    return client_headers(own, "practitioner", **PURPOSE)


def test_auth_status(api, own, practitioner):
    response = api.get("/api/auth/status", headers=practitioner)
    assert response.status_code == 200
    assert_matches_reference("/api/auth/status", "get", response.json())
    assert response.json()["status"] == "authenticated"
    assert response.json()["id"] == own.usernames["practitioner"]


def test_auth_status_without_credentials_is_401(api):
    assert api.get("/api/auth/status").status_code == 401


def test_search_person_in_pages(api, own, practitioner):
    query = {
        "firstName": "Amelia",
        "lastName": "Thornbury",
        "paginationDetails": {"resultsPerPage": 2, "pageNumber": 1},
    }
    first = api.post(
        "/api/search/person", query, content_type="application/json", headers=practitioner
    )
    assert first.status_code == 200
    assert_matches_reference("/api/search/person", "post", first.json())
    info = first.json()["paginationInfo"]
    assert info["resultsPerPage"] == 2 and info["pageNumber"] == 1
    assert info["totalResults"] >= 3
    results = first.json()["results"]
    assert results[0]["id"] == own.child
    assert results[0]["firstName"] == "Amelia" and results[0]["lastName"] == "Thornbury"
    query["paginationDetails"]["pageNumber"] = 2
    second = api.post(
        "/api/search/person", query, content_type="application/json", headers=practitioner
    )
    assert_matches_reference("/api/search/person", "post", second.json())
    assert not {p["id"] for p in results} & {p["id"] for p in second.json()["results"]}


def test_search_person_supported(api, practitioner):
    response = api.head("/api/search/person", headers=practitioner)
    assert response.status_code == 200
    assert response.content == b""


def test_person_detail(api, own, practitioner):
    response = api.get(f"/api/person/detail/{own.child}", headers=practitioner)
    assert response.status_code == 200
    body = response.json()
    assert_matches_reference("/api/person/detail/{personId}", "get", body)
    assert body == {
        "id": own.child,
        "cmsId": body["cmsId"],
        "firstName": "Amelia",
        "lastName": "Thornbury",
        "dateOfBirth": "2016-03-09",
        "gender": "female",
        "address": "Mill Lane, SK4",
    }


def test_a_shielded_persons_detail_needs_break_glass_and_has_no_address(api, own, practitioner):
    url = f"/api/person/detail/{own.shielded_child}"
    assert api.get(url, headers=practitioner).status_code == 403
    api.post(
        f"/api/v1/people/{own.shielded_child}/break-glass",
        {"justification": "Section 47 enquiry: the child disclosed harm this morning"},
        "application/json",
        headers=practitioner,
    )
    response = api.get(url, headers=practitioner)
    assert response.status_code == 200
    assert_matches_reference("/api/person/detail/{personId}", "get", response.json())
    assert "address" not in response.json()


def test_person_services(api, own, practitioner):
    response = api.get(f"/api/person/detail/{own.mother}/service", headers=practitioner)
    assert response.status_code == 200
    body = response.json()
    assert_matches_reference("/api/person/detail/{personId}/service", "get", body)
    available = {s["id"] for s in body if s["recordsAvailable"]}
    assert {"housing", "police", "adult_mental_health"} <= available
    assert "school" not in available


@pytest.mark.parametrize(
    ("who", "service_type", "shape"),
    [
        ("mother", "police", "Police"),
        ("mother", "housing", "Housing"),
        ("child", "school", "School"),
        ("mother", "adultsocialcare", "AdultSocialCare"),
        ("mother", "adult_mental_health", None),
    ],
)
def test_service_detail(api, own, practitioner, who, service_type, shape):
    person = getattr(own, who)
    response = api.get(f"/api/person/detail/{person}/service/{service_type}", headers=practitioner)
    assert response.status_code == 200
    body = response.json()
    assert_matches_reference("/api/person/detail/{personId}/service/{serviceType}", "get", body)
    assert body["summary"]["id"] == service_type
    # `data` follows the JSON Schema the answer gives, and the reference's shape when it
    # has one.
    assert list(Draft4Validator(body["schema"]).iter_errors(body["data"])) == []
    if shape:
        errors = list(_validator(SCHEMAS[shape]).iter_errors(body["data"]))
        assert errors == []
        _assert_no_unknown_fields(SCHEMAS[shape], body["data"])


def test_service_details_say_what_the_family_view_says(api, own, practitioner):
    police = api.get(f"/api/person/detail/{own.mother}/service/police", headers=practitioner)
    assert police.json()["data"]["safeGuardingOffences"] == [
        {
            "dateOfOffence": "2026-05-01",
            "typeOfOffence": "domestic abuse",
            "natureOfInvolvement": "victim",
        }
    ]
    housing = api.get(f"/api/person/detail/{own.mother}/service/housing", headers=practitioner)
    assert housing.json()["data"]["rentArrears"] == "open"
    assert housing.json()["data"]["contact"]["name"] == "Sam Lead"
    school = api.get(f"/api/person/detail/{own.child}/service/school", headers=practitioner)
    assert school.json()["data"]["schoolName"] == "Heaton Primary"
    assert school.json()["data"]["admissionType"] == "Full time"
    # A sensitive service: the duty line, never the lead professional.
    sensitive = api.get(
        f"/api/person/detail/{own.mother}/service/adult_mental_health", headers=practitioner
    )
    assert sensitive.status_code == 200
    assert "Dr Hidden Name" not in sensitive.content.decode()
    assert sensitive.json()["data"]["contact"]["phone"] == "0161 496 0999"


def test_an_unknown_service_type_is_404(api, own, practitioner):
    response = api.get(f"/api/person/detail/{own.child}/service/astrology", headers=practitioner)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_related_people(api, own, practitioner):
    response = api.get(f"/api/person/related/{own.child}/", headers=practitioner)
    assert response.status_code == 200
    body = response.json()
    assert_matches_reference("/api/person/related/{personId}/", "get", body)
    relationships = {p["id"]: p["relationship"] for p in body}
    assert relationships[own.mother] == "Mother"
    assert relationships[own.sibling] == "Sibling"
    assert {p["relationshipToId"] for p in body} == {own.child}


def test_related_people_supported(api, own, practitioner):
    response = api.head(f"/api/person/related/{own.child}/", headers=practitioner)
    assert response.status_code == 200
    assert response.content == b""
