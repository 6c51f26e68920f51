"""Who is calling: an API client's token with the member of staff it acts for, or the
pages' signed-in session (with its CSRF token for POST); and how often they may call."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from familyview.access.models import Role, StaffMembership
from familyview.access.purpose import PurposeOfAccess, remember_purpose
from familyview.api.clients import issue_client, revoke_client
from familyview.api.models import ApiClient
from familyview.audit.models import AuditEvent

from .world import client_headers

SEARCH = {"name": "Amelia Thornbury"}


def _problem(response, status: int, kind: str = "") -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["instance"] == response.wsgi_request.path
    if kind:
        assert problem["type"] == f"/api/v1/problems/{kind}"
    return problem


def test_no_credentials_is_401_in_json_not_the_sign_in_page(api, world):
    response = api.get(f"/api/v1/people/{world['own'].child}")
    _problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("authorization", ["Bearer fv_nonsense", "Basic abc", "Bearer "])
def test_a_wrong_token_is_401(api, world, authorization):
    headers = {"Authorization": authorization, "X-Acting-User": "stockport.practitioner"}
    _problem(api.get("/api/v1/me", headers=headers), 401, "unauthenticated")


def test_a_revoked_token_stops_working_at_once(api, world):
    own = world["own"]
    headers = client_headers(own, "practitioner")
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    revoke_client(ApiClient.objects.get(authority=own.authority).key_id)
    _problem(api.get("/api/v1/me", headers=headers), 401, "unauthenticated")


def test_a_call_must_name_the_member_of_staff(api, world):
    headers = client_headers(world["own"], "practitioner")
    del headers["X-Acting-User"]
    problem = _problem(api.get("/api/v1/me", headers=headers), 401)
    assert "X-Acting-User" in problem["detail"]


def test_a_client_cannot_act_for_another_councils_staff(api, world):
    own, other = world["own"], world["other"]
    headers = client_headers(own, "practitioner")
    headers["X-Acting-User"] = other.usernames["practitioner"]
    _problem(api.get("/api/v1/me", headers=headers), 401)
    refusal = AuditEvent.objects.get(action="api.acting_user_refused")
    assert refusal.outcome == "refused"
    assert refusal.details["username"] == other.usernames["practitioner"]
    assert refusal.details["api_client"] == "Case management system"


def test_a_disabled_member_of_staff_cannot_be_acted_for(api, world, django_user_model):
    own = world["own"]
    django_user_model.objects.filter(username=own.usernames["practitioner"]).update(is_active=False)
    _problem(api.get("/api/v1/me", headers=client_headers(own, "practitioner")), 401)


def test_only_the_roles_in_the_clients_council_apply(api, world, django_user_model):
    """A steward of Stockport who is also a practitioner in Surrey, acting through
    Stockport's client, may not search (Surrey's role does not come along)."""
    own, other = world["own"], world["other"]
    user = django_user_model.objects.get(username=own.usernames["data_steward"])
    StaffMembership.objects.create(user=user, authority=other.authority, role=Role.PRACTITIONER)
    headers = client_headers(own, "data_steward")
    response = api.post("/api/v1/people/search", SEARCH, "application/json", headers=headers)
    _problem(response, 403, "forbidden")
    me = api.get("/api/v1/me", headers=headers).json()
    assert me["roles"] == ["data_steward"]


def test_the_pages_session_works_with_the_purpose_given_on_the_pages(world):
    own = world["own"]
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(_user(own, "practitioner"))
    session = browser.session
    remember_purpose(session, own.child, PurposeOfAccess("mash_triage", "", "MASH-9"))
    session.save()
    response = browser.get(f"/api/v1/people/{own.child}/family")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="family.view")
    assert (event.case_reference, event.details["via"]) == ("MASH-9", "api-session")


def test_a_session_must_send_its_csrf_token_with_a_post(world):
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(_user(world["own"], "practitioner"))
    refused = browser.post("/api/v1/people/search", SEARCH, "application/json")
    _problem(refused, 403, "csrf")
    token = _csrf_token(browser)
    allowed = browser.post(
        "/api/v1/people/search", SEARCH, "application/json", headers={"X-CSRFToken": token}
    )
    assert allowed.status_code == 200


def _csrf_token(browser: Client) -> str:
    """The CSRF cookie a page would have set, and the token to send with it."""
    token = "k" * 32  # any 32 characters from the token alphabet
    browser.cookies[settings.CSRF_COOKIE_NAME] = token
    return token


def _user(council, role: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=council.usernames[role])


def test_too_many_calls_are_429_with_retry_after(api, world, settings):
    settings.FAMILYVIEW_API_RATE_PER_MINUTE = 6
    settings.FAMILYVIEW_API_BURST = 2
    own = world["own"]
    headers = client_headers(own, "practitioner")
    assert [api.get("/api/v1/me", headers=headers).status_code for _ in range(2)] == [200, 200]
    limited = api.get("/api/v1/me", headers=headers)
    problem = _problem(limited, 429, "rate-limited")
    assert 1 <= int(limited["Retry-After"]) <= 10
    assert "6 a minute" in problem["detail"]
    # Per client: another client of the same council is not held back.
    other_client = issue_client(own.authority, "Another system").token
    headers["Authorization"] = f"Bearer {other_client}"
    assert api.get("/api/v1/me", headers=headers).status_code == 200


def test_one_member_of_staff_cannot_use_up_their_clients_allowance(api, world, settings):
    settings.FAMILYVIEW_API_USER_RATE_PER_MINUTE = 6
    settings.FAMILYVIEW_API_USER_BURST = 2
    # The client may make 3 calls at once: the busy user's 2, and one more.
    settings.FAMILYVIEW_API_RATE_PER_MINUTE = 1
    settings.FAMILYVIEW_API_BURST = 3
    own = world["own"]
    busy = client_headers(own, "practitioner")
    assert [api.get("/api/v1/me", headers=busy).status_code for _ in range(2)] == [200, 200]
    assert [api.get("/api/v1/me", headers=busy).status_code for _ in range(3)] == [429] * 3
    limited = api.get("/api/v1/me", headers=busy)
    problem = _problem(limited, 429, "rate-limited")
    assert 1 <= int(limited["Retry-After"]) <= 10
    assert "6 a minute for each member of staff" in problem["detail"]
    # The same client, acting for another member of staff, still gets through; the
    # refused calls spent nothing of the client's allowance.
    other = {**busy, "X-Acting-User": own.usernames["team_manager"]}
    assert api.get("/api/v1/me", headers=other).status_code == 200
    assert busy["Authorization"] == other["Authorization"]


def test_a_clients_own_rate_overrides_the_default(api, world, settings):
    settings.FAMILYVIEW_API_BURST = 1
    own = world["own"]
    ApiClient.objects.filter(authority=own.authority).update(rate_per_minute=1)
    headers = client_headers(own, "practitioner")
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    assert int(api.get("/api/v1/me", headers=headers)["Retry-After"]) > 30


def test_clients_are_added_listed_and_revoked_from_the_command_line(api, world):
    out = StringIO()
    call_command("api-clients", "add", "--authority", "stockport", "--name", "Mosaic", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}", "X-Acting-User": "stockport.practitioner"}
    assert api.get("/api/v1/me", headers=headers).json()["api_client"] == "Mosaic"
    listing = StringIO()
    call_command("api-clients", "list", stdout=listing)
    key_id = ApiClient.objects.get(name="Mosaic").key_id
    assert f"{key_id}  stockport  Mosaic  live" in listing.getvalue()
    call_command("api-clients", "revoke", key_id, stdout=StringIO())
    assert api.get("/api/v1/me", headers=headers).status_code == 401
    assert token not in str(list(ApiClient.objects.values_list("secret_hash", flat=True)))


def test_tokens_are_kept_only_as_hashes(world):
    issued = issue_client(world["own"].authority, "Eclipse")
    secret = issued.token.rsplit("_", 1)[1]
    stored = ApiClient.objects.get(pk=issued.client.pk)
    assert secret not in stored.secret_hash
    assert len(stored.secret_hash) == 64
