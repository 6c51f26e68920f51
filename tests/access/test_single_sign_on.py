"""Single sign-on against a real OpenID Connect provider (node's oidc-provider, started on a
loopback port), driven as a browser would: Django's test client for Family View's pages,
`requests` for the provider's own login and consent pages. No HTTP is mocked."""

from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from familyview.access.factories import create_authority, create_staff
from familyview.access.models import Authority, Role, StaffAccount, StaffMembership
from familyview.access.single_sign_on import (
    SingleSignOnRefused,
    expected_issuer,
    identity_from_claims,
)
from familyview.audit.models import AuditEvent
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, sign_in_at_provider
from tests.web.pages import read, text

pytestmark = pytest.mark.django_db

STOCKPORT_TENANT = "5f3c1a2e-0000-4000-8000-00000000a001"
LEEDS_TENANT = "5f3c1a2e-0000-4000-8000-00000000b002"

ACCOUNTS = {
    "ann-0001": {
        "preferred_username": "ann.jones@stockport.example",
        "given_name": "Ann",
        "family_name": "Jones",
        "email": "ann.jones@stockport.example",
        "tid": STOCKPORT_TENANT,
        "roles": ["practitioner"],
        "department": "North Early Help",
    },
    "lee-0002": {
        "preferred_username": "lee.smith@leeds.example",
        "given_name": "Lee",
        "family_name": "Smith",
        "tid": LEEDS_TENANT,
        "roles": ["data_steward", "Team_Manager", "FamilyView.Unknown"],
    },
    "sam-0003": {
        "preferred_username": "sam.roe@elsewhere.example",
        "tid": "00000000-0000-4000-8000-000000000000",
        "roles": ["practitioner"],
    },
    "pat-0004": {
        "preferred_username": "pat.green@stockport.example",
        "tid": STOCKPORT_TENANT,
        "roles": [],
    },
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    running = OidcProvider.start(tmp_path_factory.mktemp("oidc"), ACCOUNTS)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def single_sign_on(provider, settings, db):
    for sub, claims in ACCOUNTS.items():
        provider.set_account(sub, claims)
    settings.FAMILYVIEW_OIDC_ISSUER = provider.issuer
    settings.FAMILYVIEW_OIDC_CLIENT_ID = CLIENT_ID
    settings.FAMILYVIEW_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.FAMILYVIEW_OIDC_TEAM_CLAIM = "department"
    create_authority("stockport", "Stockport", sso_tenant_id=STOCKPORT_TENANT)
    create_authority("leeds", "Leeds", sso_tenant_id=LEEDS_TENANT)
    return provider


def start(client: Client, next_url: str | None = None):
    response = client.get("/sign-in/council", {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.status_code
    return response["Location"]


def sso_sign_in(client: Client, login: str, next_url: str | None = None):
    """Family View -> the provider's login and consent pages -> back to Family View."""
    back = urlsplit(sign_in_at_provider(start(client, next_url), login))
    return client.get(f"{back.path}?{back.query}")


def refusals() -> list[str]:
    return [
        e.details["reason"]
        for e in AuditEvent.objects.filter(action="sign_in_refused").order_by("sequence")
    ]


def test_the_sign_in_page_offers_the_council_account_first_and_local_accounts_too(client):
    page = read(client.get("/sign-in", {"next": "/imports"}))

    button = page.select_one("[data-testid=sign-in-sso]")
    assert text(button) == "Sign in with your council account"
    assert button["href"] == "/sign-in/council?next=%2Fimports"
    assert page.select_one("main form input#password")


def test_without_local_accounts_only_single_sign_on_is_offered(client, settings, authority):
    settings.FAMILYVIEW_LOCAL_SIGN_IN = False
    create_staff(Role.PRACTITIONER, username="local.user", password="a-long-test-password-0451")

    page = read(client.get("/sign-in"))
    response = client.post(
        "/sign-in", {"username": "local.user", "password": "a-long-test-password-0451"}
    )

    assert page.select_one("[data-testid=sign-in-sso]")
    assert page.select_one("input#password") is None
    assert response.status_code == 200
    assert "familyview.sign_in_pending" not in client.session
    assert SESSION_KEY not in client.session


def test_the_authorization_request_is_a_code_flow_with_pkce_state_and_nonce(client, provider):
    url = urlsplit(start(client))
    query = parse_qs(url.query)

    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{provider.issuer}/auth"
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["http://testserver/sign-in/council/callback"]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email"}
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0]


def test_a_first_sign_in_creates_the_member_of_staff_with_the_tokens_roles_and_tenant(
    client, provider
):
    client.get("/sign-in")
    before = client.session.session_key

    response = sso_sign_in(client, "ann-0001", next_url="/imports")

    assert response.status_code == 302
    assert response["Location"] == "/imports"
    user = get_user_model().objects.get(username="ann.jones@stockport.example")
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.session.session_key != before
    assert (user.first_name, user.last_name, user.email) == (
        "Ann",
        "Jones",
        "ann.jones@stockport.example",
    )
    assert not user.has_usable_password()
    account = StaffAccount.objects.get(user=user)
    assert (account.sso_subject, account.sso_issuer) == ("ann-0001", provider.issuer)
    assert [
        (m.authority.code, m.role, m.team) for m in StaffMembership.objects.filter(user=user)
    ] == [("stockport", "practitioner", "North Early Help")]
    [event] = AuditEvent.objects.filter(action="sign_in")
    assert event.user_id == user.pk
    assert event.details["method"] == "single_sign_on"
    page = read(client.get("/"))
    assert text(page.select_one("[data-testid=signed-in-as]")) == (
        "Signed in as Ann Jones (Practitioner, Stockport)"
    )


def test_roles_are_matched_whatever_their_case_and_unknown_ones_ignored(client):
    sso_sign_in(client, "lee-0002")

    user = get_user_model().objects.get(username="lee.smith@leeds.example")
    assert sorted(
        (m.authority.code, m.role) for m in StaffMembership.objects.filter(user=user)
    ) == [("leeds", "data_steward"), ("leeds", "team_manager")]


def test_roles_changed_at_the_provider_replace_the_memberships_and_end_other_sessions(
    client, provider
):
    sso_sign_in(client, "ann-0001")
    assert client.get("/").status_code == 200

    provider.set_account("ann-0001", {**ACCOUNTS["ann-0001"], "roles": ["team_manager"]})
    elsewhere = Client()
    sso_sign_in(elsewhere, "ann-0001")

    user = get_user_model().objects.get(username="ann.jones@stockport.example")
    assert [m.role for m in StaffMembership.objects.filter(user=user)] == ["team_manager"]
    assert elsewhere.get("/").status_code == 200
    # The session that began with the old roles has ended.
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in"


def test_signing_in_again_with_the_same_roles_leaves_other_sessions_alone(client):
    sso_sign_in(client, "ann-0001")
    elsewhere = Client()
    sso_sign_in(elsewhere, "ann-0001")

    assert client.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 200
    assert get_user_model().objects.filter(username="ann.jones@stockport.example").count() == 1


def test_a_tenant_that_is_no_authority_is_refused(client):
    response = sso_sign_in(client, "sam-0003")

    assert response.status_code == 403
    assert text(read(response).select_one("h1")) == "You could not be signed in"
    assert SESSION_KEY not in client.session
    assert not get_user_model().objects.filter(username="sam.roe@elsewhere.example").exists()
    assert refusals() == ["sso_unknown_tenant"]


def test_an_account_without_a_family_view_role_is_refused(client):
    response = sso_sign_in(client, "pat-0004")

    assert response.status_code == 403
    assert "does not have a Family View role" in text(
        read(response).select_one("[data-testid=sign-in-problem]")
    )
    assert SESSION_KEY not in client.session
    assert refusals() == ["sso_no_role"]


def test_losing_every_role_at_the_provider_refuses_sign_in_and_keeps_old_roles_unused(
    client, provider
):
    sso_sign_in(client, "ann-0001")
    provider.set_account("ann-0001", {**ACCOUNTS["ann-0001"], "roles": []})

    response = sso_sign_in(Client(), "ann-0001")

    assert response.status_code == 403
    assert refusals() == ["sso_no_role"]


def test_an_account_disabled_in_family_view_stays_disabled(client):
    sso_sign_in(client, "ann-0001")
    user = get_user_model().objects.get(username="ann.jones@stockport.example")
    user.is_active = False
    user.save()

    again = Client()
    response = sso_sign_in(again, "ann-0001")

    assert response.status_code == 403
    assert SESSION_KEY not in again.session
    assert client.get("/").status_code == 302
    assert refusals() == ["sso_disabled"]


def test_a_council_identity_never_takes_over_a_local_account_of_the_same_name(client, authority):
    local = create_staff(
        Role.ADMINISTRATOR, authority, username="ann.jones@stockport.example", password=None
    )

    response = sso_sign_in(client, "ann-0001")

    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert [m.role for m in StaffMembership.objects.filter(user=local)] == ["administrator"]
    assert not StaffAccount.objects.filter(user=local, sso_subject="ann-0001").exists()
    assert refusals() == ["sso_username_taken"]


def test_a_callback_with_a_forged_state_is_refused(client):
    back = urlsplit(sign_in_at_provider(start(client), "ann-0001"))
    query = parse_qs(back.query)

    response = client.get(back.path, {"code": query["code"][0], "state": "forged-state"})

    assert response.status_code == 400
    assert SESSION_KEY not in client.session
    assert refusals() == ["sso_mismatching_state"]


def test_a_callback_cannot_be_replayed_in_another_browser(client):
    back = urlsplit(sign_in_at_provider(start(client), "ann-0001"))

    response = Client().get(f"{back.path}?{back.query}")

    assert response.status_code == 400
    assert refusals() == ["sso_mismatching_state"]


def test_the_provider_refusing_the_client_secret_signs_no_one_in(client, settings):
    settings.FAMILYVIEW_OIDC_CLIENT_SECRET = "not-the-client-secret"

    response = sso_sign_in(client, "ann-0001")

    assert response.status_code == 400
    assert SESSION_KEY not in client.session
    assert refusals() == ["sso_invalid_client"]


def test_a_user_who_cancels_at_the_provider_is_told_and_not_signed_in(client):
    response = client.get(
        "/sign-in/council/callback", {"error": "access_denied", "state": "whatever"}
    )

    assert response.status_code == 400
    assert SESSION_KEY not in client.session
    assert refusals() == ["sso_access_denied"]


def test_without_an_issuer_the_single_sign_on_pages_go_back_to_sign_in(client, settings):
    settings.FAMILYVIEW_OIDC_ISSUER = ""

    assert client.get("/sign-in/council")["Location"] == "/sign-in"
    assert client.get("/sign-in/council/callback")["Location"] == "/sign-in"
    assert read(client.get("/sign-in")).select_one("[data-testid=sign-in-sso]") is None


def test_entra_multi_tenant_issuers_are_checked_per_tenant():
    template = "https://login.microsoftonline.com/{tenantid}/v2.0"

    assert expected_issuer(template, STOCKPORT_TENANT) == (
        f"https://login.microsoftonline.com/{STOCKPORT_TENANT}/v2.0"
    )
    assert expected_issuer("https://idp.example", STOCKPORT_TENANT) == "https://idp.example"


def test_a_token_without_subject_or_username_is_refused():
    with pytest.raises(SingleSignOnRefused):
        identity_from_claims({"iss": "https://idp.example", "sub": "x"})
    identity = identity_from_claims(
        {"iss": "https://idp.example", "sub": "x", "email": "x@example", "roles": "practitioner"}
    )
    assert (identity.username, identity.roles) == ("x@example", (Role.PRACTITIONER,))


def test_an_authoritys_tenant_is_set_from_the_command_line(client, provider):
    out = StringIO()
    call_command("sso-tenant", "stockport", "", stdout=out)
    assert "has no single sign-on tenant now" in out.getvalue()
    assert sso_sign_in(client, "ann-0001").status_code == 403

    call_command("sso-tenant", "stockport", STOCKPORT_TENANT, stdout=out)
    assert Authority.objects.get(code="stockport").sso_tenant_id == STOCKPORT_TENANT
    assert sso_sign_in(Client(), "ann-0001").status_code == 302
    with pytest.raises(CommandError, match="already belongs to stockport"):
        call_command("sso-tenant", "leeds", STOCKPORT_TENANT, stdout=out)
    with pytest.raises(CommandError, match="no authority with the code nowhere"):
        call_command("sso-tenant", "nowhere", "x", stdout=out)
    assert AuditEvent.objects.filter(action="admin.sso_tenant").count() == 2
