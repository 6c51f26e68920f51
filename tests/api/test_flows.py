"""A worker's journey through the API, on the pages' terms: search, say why, see the
family (break-glass for a shielded child), report that something looks wrong; and the
API's errors and pages."""

from familyview.api.models import ApiActingSession
from familyview.audit.models import AuditEvent
from familyview.identity.models import ProblemReport

from .world import PURPOSE, client_headers


def test_search_pages_through_results_and_audits_what_was_shown(api, world):
    headers = client_headers(world["own"], "practitioner")
    first = api.post(
        "/api/v1/people/search",
        {"name": "Thornbury", "limit": 2},
        "application/json",
        headers=headers,
    ).json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    second = api.post(
        "/api/v1/people/search",
        {"name": "Thornbury", "limit": 2, "offset": 2},
        "application/json",
        headers=headers,
    ).json()
    assert not {p["person_id"] for p in first["items"]} & {p["person_id"] for p in second["items"]}
    events = list(AuditEvent.objects.filter(action="search").order_by("sequence"))
    assert [e.subjects for e in events] == [
        [p["person_id"] for p in first["items"]],
        [p["person_id"] for p in second["items"]],
    ]
    assert events[0].details["criteria"] == {"name": "Thornbury"}


def test_search_refuses_bad_criteria_naming_each_field(api, world):
    headers = client_headers(world["own"], "practitioner")
    response = api.post(
        "/api/v1/people/search",
        {"postcode": "NOTAPOST", "nhs_number": "123", "date_of_birth": {"year": 2099}},
        "application/json",
        headers=headers,
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"postcode", "nhs_number", "date_of_birth"}
    empty = api.post("/api/v1/people/search", {}, "application/json", headers=headers)
    assert empty.status_code == 422
    assert not AuditEvent.objects.filter(action="search").exists()


def test_a_purpose_is_needed_and_checked(api, world):
    own = world["own"]
    headers = client_headers(own, "practitioner")
    missing = api.get(f"/api/v1/people/{own.child}/family", headers=headers)
    assert missing.status_code == 400
    assert missing.json()["type"] == "/api/v1/problems/purpose-required"
    wrong = api.get(
        f"/api/v1/people/{own.child}/family",
        headers={**headers, "X-Purpose": "other", "X-Case-Reference": "R-1"},
    )
    assert wrong.status_code == 400
    assert [e["field"] for e in wrong.json()["errors"]] == ["X-Purpose-Other"]
    assert not AuditEvent.objects.filter(level__in=["summary", "service_detail"]).exists()


def test_a_purpose_given_once_covers_the_case_and_the_family_shown(api, world):
    own = world["own"]
    headers = client_headers(own, "practitioner")
    given = api.post(
        f"/api/v1/people/{own.child}/purpose",
        {"purpose": "early_help_assessment", "case_reference": "EH-77"},
        "application/json",
        headers=headers,
    )
    assert given.status_code == 200
    assert given.json()["description"] == "Early help assessment"
    assert api.get(f"/api/v1/people/{own.child}/family", headers=headers).status_code == 200
    # The mother was shown in the child's family: the same case covers her.
    mother = api.get(f"/api/person/detail/{own.mother}", headers=headers)
    assert mother.status_code == 200
    event = AuditEvent.objects.filter(action="person.summary").get()
    assert (event.purpose, event.case_reference) == ("Early help assessment", "EH-77")
    # Another member of staff through the same client has given none.
    other_worker = client_headers(own, "team_manager")
    assert api.get(f"/api/v1/people/{own.child}/family", headers=other_worker).status_code == 400


def test_a_purpose_given_in_the_body_is_refused_by_the_pages_rules_naming_each_field(api, world):
    own = world["own"]
    refused = api.post(
        f"/api/v1/people/{own.child}/purpose",
        {"purpose": "other", "other_text": "", "case_reference": " "},
        "application/json",
        headers=client_headers(own, "practitioner"),
    )
    assert refused.status_code == 422
    assert {e["field"]: e["detail"] for e in refused.json()["errors"]} == {
        "other_text": "Enter why you are looking at this family",
        "case_reference": "Enter the case or referral reference",
    }
    assert not AuditEvent.objects.filter(action="purpose.given").exists()


def test_break_glass_opens_a_shielded_childs_family(api, world):
    own = world["own"]
    headers = client_headers(own, "practitioner", **PURPOSE)
    url = f"/api/v1/people/{own.shielded_child}/family"
    assert api.get(url, headers=headers).json()["type"].endswith("break-glass-required")
    short = api.post(
        f"/api/v1/people/{own.shielded_child}/break-glass",
        {"justification": "because"},
        "application/json",
        headers=headers,
    )
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "justification"
    opened = api.post(
        f"/api/v1/people/{own.shielded_child}/break-glass",
        {"justification": "Section 47 enquiry: the child disclosed harm this morning"},
        "application/json",
        headers=headers,
    )
    assert opened.json() == {"person_id": own.shielded_child, "opened": True}
    event = AuditEvent.objects.get(action="break_glass")
    assert event.subjects == [own.shielded_child]
    assert event.case_reference == PURPOSE["case_reference"]
    family = api.get(url, headers=headers)
    assert family.status_code == 200
    mother = next(m for m in family.json()["parents_and_carers"])
    assert mother["shielded"] and mother["partial_address"] == ""
    # Only for this member of staff, and only for this session.
    team_manager = client_headers(own, "team_manager", **PURPOSE)
    assert api.get(url, headers=team_manager).status_code == 403
    ApiActingSession.objects.update(generation=99)  # their account changed since
    assert api.get(url, headers=headers).status_code == 403


def test_break_glass_is_only_for_a_shielded_person(api, world):
    own = world["own"]
    response = api.post(
        f"/api/v1/people/{own.child}/break-glass",
        {"justification": "Section 47 enquiry: the child disclosed harm this morning"},
        "application/json",
        headers=client_headers(own, "practitioner", **PURPOSE),
    )
    assert response.status_code == 409
    assert not AuditEvent.objects.filter(action="break_glass").exists()


def test_the_family_shows_who_to_call_as_the_display_rules_allow(api, world):
    own = world["own"]
    headers = client_headers(own, "practitioner", **PURPOSE)
    family = api.get(f"/api/v1/people/{own.child}/family", headers=headers).json()
    mother = family["parents_and_carers"][0]
    by_service = {i["service_category"]: i for i in mother["involvements"]}
    assert by_service["housing"]["lead_professional"]["name"] == "Sam Lead"
    sensitive = by_service["adult_mental_health"]
    assert sensitive["lead_professional"] is None and sensitive["summary_only"]
    assert sensitive["duty_phone"] == "0161 496 0999"


def test_involvements_are_paged_with_links(api, world):
    own = world["own"]
    headers = client_headers(own, "practitioner", **PURPOSE)
    url = f"/api/v1/people/{own.mother}/involvements"
    first = api.get(f"{url}?limit=2", headers=headers).json()
    assert first["total"] == 3 and len(first["items"]) == 2
    assert first["links"]["prev"] is None
    second = api.get(first["links"]["next"], headers=headers).json()
    assert len(second["items"]) == 1 and second["links"]["next"] is None
    assert second["links"]["prev"] == f"{url}?limit=2&offset=0"


def test_the_ecomap_is_an_svg_picture(api, world):
    own = world["own"]
    response = api.get(
        f"/api/v1/people/{own.child}/ecomap.svg",
        headers=client_headers(own, "practitioner", **PURPOSE),
    )
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response.content.startswith(b"<?xml") and b"<svg" in response.content


def test_something_looks_wrong_goes_to_the_stewards_queue(api, world):
    own = world["own"]
    worker = client_headers(own, "practitioner", **PURPOSE)
    reported = api.post(
        f"/api/v1/people/{own.mother}/problem-reports",
        {
            "kind": "wrong_detail",
            "what": "Housing says arrears but they were cleared",
            "involvement_id": own.involvements["housing"],
        },
        "application/json",
        headers=worker,
    )
    assert reported.status_code == 201
    report = ProblemReport.objects.get(pk=reported.json()["id"])
    assert (report.person_id, report.involvement_id) == (own.mother, own.involvements["housing"])
    not_hers = api.post(
        f"/api/v1/people/{own.mother}/problem-reports",
        {"kind": "other", "what": "x", "involvement_id": own.involvements["school"]},
        "application/json",
        headers=worker,
    )
    assert not_hers.status_code == 422
    assert not_hers.json()["errors"][0]["field"] == "involvement_id"
    steward = client_headers(own, "data_steward")
    queue = api.get("/api/v1/problem-reports?status=open", headers=steward).json()
    assert [r["id"] for r in queue["items"]] == [report.pk]
    other_steward = client_headers(world["other"], "data_steward")
    assert api.get("/api/v1/problem-reports", headers=other_steward).json()["items"] == []


def test_every_error_is_problem_details(api, world, monkeypatch):
    headers = client_headers(world["own"], "practitioner")
    not_found = api.get("/api/v1/no-such-thing", headers=headers)
    wrong_method = api.delete("/api/v1/me", headers=headers)
    bad_json = api.post("/api/v1/people/search", "{not json", "application/json", headers=headers)

    def broken(*args, **kwargs):
        raise RuntimeError("the index is unavailable")

    monkeypatch.setattr("familyview.api.v1.find_people", broken)
    server_error = api.post(
        "/api/v1/people/search", {"name": "Ann"}, "application/json", headers=headers
    )
    for response, status in (
        (not_found, 404),
        (wrong_method, 405),
        (bad_json, 400),
        (server_error, 500),
    ):
        assert response.status_code == status
        assert response["Content-Type"] == "application/problem+json"
        assert set(response.json()) == {"type", "title", "status", "detail", "instance", "errors"}
    assert "the index is unavailable" not in server_error.content.decode()
    assert wrong_method["Allow"]


def test_these_are_the_same_person_goes_to_the_review_queue(api, world):
    own = world["own"]
    worker = client_headers(own, "practitioner", **PURPOSE)
    url = f"/api/v1/people/{own.mother}/problem-reports"
    nobody = api.post(
        url, {"kind": "same_person", "what": "One woman"}, "application/json", headers=worker
    )
    assert nobody.status_code == 422
    assert nobody.json()["errors"][0]["field"] == "same_as"
    reported = api.post(
        url,
        {"kind": "same_person", "what": "One woman", "same_as": own.child},
        "application/json",
        headers=worker,
    )
    assert reported.status_code == 201
    assert reported.json()["same_as_id"] == own.child
    report = ProblemReport.objects.get(pk=reported.json()["id"])
    assert report.review_pairs.get().status == "open"
