"""The family page and the API read a family through one door (reads/door.py): the same
member of staff, asking for the same shielded child, is refused the same way on both
paths (nothing read, nothing recorded until they justify it), and once they have, each
path records the same one event."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from familyview.audit.models import AuditEvent

from .world import PURPOSE, client_headers

pytestmark = pytest.mark.django_db

JUSTIFICATION = "Section 47 enquiry: the child disclosed harm this morning"
# What differs by path in an event's details: the page or endpoint asked for, and the
# API client the call came through.
VIA = {"url_name", "via", "api_client", "api_client_key"}


def _page_client(world) -> Client:
    client = Client()
    user = get_user_model().objects.get(username=world["own"].usernames["practitioner"])
    client.force_login(user)
    return client


def _events_of(call) -> tuple[object, list[AuditEvent]]:
    before = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    response = call()
    return response, list(AuditEvent.objects.filter(sequence__gt=before or 0).order_by("sequence"))


def _what(event: AuditEvent) -> tuple:
    details = {k: v for k, v in event.details.items() if k not in VIA}
    return (
        event.action,
        event.outcome,
        event.level,
        event.username,
        event.role,
        event.authority_id,
        sorted(event.subjects),
        event.purpose,
        event.case_reference,
        details,
    )


def test_both_paths_refuse_a_shielded_child_alike_then_record_the_same_event(api, world):
    child = world["own"].shielded_child
    page = _page_client(world)
    page.post(
        reverse("web:purpose", args=[child]),
        {"purpose": PURPOSE["purpose"], "case_reference": PURPOSE["case_reference"]},
    )
    headers = client_headers(world["own"], "practitioner", **PURPOSE)

    on_page, page_events = _events_of(lambda: page.get(reverse("web:family", args=[child])))
    by_api, api_events = _events_of(
        lambda: api.get(f"/api/v1/people/{child}/family", headers=headers)
    )

    # Refused alike: to the justification, nothing of the family shown or recorded.
    assert on_page.status_code == 302
    assert on_page["Location"] == reverse("web:break-glass", args=[child])
    assert by_api.status_code == 403
    assert by_api.json()["type"].endswith("break-glass-required")
    assert page_events == api_events == []

    page.post(reverse("web:break-glass", args=[child]), {"justification": JUSTIFICATION})
    api.post(
        f"/api/v1/people/{child}/break-glass",
        {"justification": JUSTIFICATION},
        "application/json",
        headers=headers,
    )
    on_page, page_events = _events_of(lambda: page.get(reverse("web:family", args=[child])))
    by_api, api_events = _events_of(
        lambda: api.get(f"/api/v1/people/{child}/family", headers=headers)
    )

    assert (on_page.status_code, by_api.status_code) == (200, 200)
    assert [_what(e) for e in page_events] == [_what(e) for e in api_events]
    assert [e.action for e in page_events] == ["family.view"]
    assert page_events[0].details["shielded_shown"] == api_events[0].details["shielded_shown"]
    assert child in page_events[0].details["shielded_shown"]


def test_another_councils_shielded_child_without_a_purpose_is_one_refusal_on_both_paths(api, world):
    child = world["other"].shielded_child
    page = _page_client(world)
    headers = client_headers(world["own"], "practitioner")  # no purpose given

    on_page, page_events = _events_of(lambda: page.get(reverse("web:family", args=[child])))
    by_api, api_events = _events_of(
        lambda: api.get(f"/api/v1/people/{child}/family", headers=headers)
    )

    # Absent on both paths (the page used to ask for a purpose first, and record that).
    assert (on_page.status_code, by_api.status_code) == (404, 404)
    assert [_what(e) for e in page_events] == [_what(e) for e in api_events]
    assert [(e.action, e.details["why"]) for e in page_events] == [
        ("read_refused", "not found in your authority")
    ]
    assert page_events[0].subjects == []


@pytest.mark.parametrize(
    "purpose, other, reference, wrong",
    [
        ("other", "", "R-1", {"other_text"}),
        ("mash_triage", "", "R" * 51, {"case_reference"}),
        ("other", "x" * 201, "", {"other_text", "case_reference"}),
    ],
    # (A purpose not in the list is refused by the API document's enumeration, 422.)
)
def test_both_paths_refuse_a_wrong_purpose_by_the_same_rules_in_the_same_words(
    api, world, purpose, other, reference, wrong
):
    child = world["own"].child
    on_page = _page_client(world).post(
        reverse("web:purpose", args=[child]),
        {"purpose": purpose, "other_purpose": other, "case_reference": reference},
    )
    headers = client_headers(world["own"], "practitioner")
    headers.update({"X-Purpose": purpose, "X-Purpose-Other": other, "X-Case-Reference": reference})
    by_api = api.get(f"/api/v1/people/{child}/family", headers=headers)

    field_of = {
        "purpose": "purpose",
        "other_text": "other_purpose",
        "case_reference": "case_reference",
    }
    header_of = {
        "purpose": "X-Purpose",
        "other_text": "X-Purpose-Other",
        "case_reference": "X-Case-Reference",
    }
    summary = BeautifulSoup(on_page.content, "html.parser").select(".govuk-error-summary a")
    page_errors = {
        a["href"].removeprefix("#").removeprefix("id_"): [a.get_text(strip=True)] for a in summary
    }
    assert set(page_errors) == {field_of[part] for part in wrong}
    assert by_api.status_code == 400
    api_errors = {e["field"]: e["detail"] for e in by_api.json()["errors"]}
    assert set(api_errors) == {header_of[part] for part in wrong}
    for part in wrong:
        # The API adds the values a client may send; the words are the page's.
        assert api_errors[header_of[part]].startswith(page_errors[field_of[part]][0])
