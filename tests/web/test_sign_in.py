"""Signing in (password, then the security code from an authenticator app) and out, and
pages refusing anonymous visitors."""

import pyotp
import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from familyview.access.models import Role, StaffAccount
from familyview.audit.models import AuditEvent

from .factories import TEST_TOTP_SECRET, create_staff, second_factor_code
from .pages import read, text, title

PASSWORD = "a-long-test-password-0451"

pytestmark = pytest.mark.django_db


@pytest.fixture
def steward(authority):
    return create_staff(
        Role.DATA_STEWARD,
        authority,
        username="ann.steward",
        password=PASSWORD,
        first_name="Ann",
        last_name="Jones",
        totp_secret=TEST_TOTP_SECRET,
    )


@pytest.fixture
def newcomer(authority):
    """A member of staff who has not set up an authenticator app yet."""
    return create_staff(Role.PRACTITIONER, authority, username="new.starter", password=PASSWORD)


def sign_in(client: Client, username: str, password: str, next_url: str | None = None):
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/sign-in", data)


def enter_code(client: Client, code: str):
    return client.post("/sign-in/security-code", {"code": code})


def error_summary(response) -> list[str]:
    page = read(response)
    return [text(a) for a in page.select(".govuk-error-summary__list a")]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def test_anonymous_visitor_is_sent_to_sign_in_with_the_page_to_return_to(client):
    response = client.get("/imports?page=2")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in?next=%2Fimports%3Fpage%3D2"


def test_anonymous_visitor_to_the_home_page_is_sent_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in"


def test_an_unknown_address_sends_an_anonymous_visitor_to_sign_in_too(client):
    response = client.get("/no-such-page")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in?next=%2Fno-such-page"


def test_health_check_needs_no_sign_in(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.content == b"ok"


def test_pages_answer_head_requests(client):
    assert client.head("/sign-in").status_code == 200
    assert client.head("/health").status_code == 200


def test_sign_in_page_has_a_form_for_username_and_password(client):
    page = read(client.get("/sign-in"))

    assert text(page.select_one("h1")) == "Sign in to Family View"
    assert text(page.select_one("title")) == title("Sign in")
    form = page.select_one("main form")
    assert form["method"] == "post"
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert form.select_one("input#username")["autocomplete"] == "username"
    password = form.select_one("input#password")
    assert password["type"] == "password"
    assert password["autocomplete"] == "current-password"
    assert page.select_one(".govuk-error-summary") is None
    # Without single sign-on configured, only local accounts are offered.
    assert page.select_one("[data-testid=sign-in-sso]") is None


def test_the_right_password_asks_for_the_security_code_and_signs_no_one_in_yet(client, steward):
    response = sign_in(client, "ann.steward", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/sign-in/security-code"
    assert SESSION_KEY not in client.session
    assert client.get("/").status_code == 302
    page = read(client.get("/sign-in/security-code"))
    assert text(page.select_one("title")) == title("Enter the security code")
    code = page.select_one("main form input#code")
    assert text(page.select_one("label[for=code]")) == "Enter the security code"
    assert page.select_one("h1 label[for=code]")
    assert code["autocomplete"] == "one-time-code"
    assert code["inputmode"] == "numeric"
    assert page.select_one("main form")["action"] == "/sign-in/security-code"


def test_the_right_code_signs_in_with_a_new_session_and_goes_home(client, steward):
    client.get("/sign-in")
    anonymous_session = client.session.session_key
    sign_in(client, "ann.steward", PASSWORD)
    password_checked_session = client.session.session_key

    response = enter_code(client, pyotp.TOTP(TEST_TOTP_SECRET).now())

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(steward.pk)
    assert client.session.session_key not in (anonymous_session, password_checked_session)
    page = read(client.get("/"))
    assert text(page.select_one("[data-testid=signed-in-as]")) == (
        "Signed in as Ann Jones (Data steward, Stockport)"
    )
    [event] = events("sign_in")
    assert (event.user_id, event.username, event.outcome) == (steward.pk, "ann.steward", "allowed")
    assert event.details["method"] == "password_and_code"
    assert event.details["address"] == "127.0.0.1"


def test_codes_may_be_typed_with_spaces(client, steward):
    sign_in(client, "ann.steward", PASSWORD)
    code = pyotp.TOTP(TEST_TOTP_SECRET).now()

    response = enter_code(client, f" {code[:3]} {code[3:]} ")

    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(steward.pk)


def test_a_wrong_code_is_refused_and_audited(client, steward):
    sign_in(client, "ann.steward", PASSWORD)
    right = pyotp.TOTP(TEST_TOTP_SECRET).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = enter_code(client, wrong)

    assert response.status_code == 200
    assert error_summary(response) == ["The security code is wrong or has already been used"]
    assert read(response).select_one(".govuk-error-summary__list a")["href"] == "#code"
    assert SESSION_KEY not in client.session
    [event] = events("sign_in_refused")
    assert event.outcome == "refused"
    assert event.details["username"] == "ann.steward"
    assert event.details["reason"] == "wrong_security_code"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the security code"),
        ("12345", "The security code must be 6 digits, like 123456"),
        ("12a456", "The security code must be numbers only, like 123456"),
    ],
)
def test_badly_typed_codes_get_a_clear_message(client, steward, typed, message):
    sign_in(client, "ann.steward", PASSWORD)

    response = enter_code(client, typed)

    assert error_summary(response) == [message]
    assert not events("sign_in_refused")


def test_a_code_works_only_once(client, steward):
    sign_in(client, "ann.steward", PASSWORD)
    code = second_factor_code(steward)
    enter_code(client, code)
    client.post("/sign-out")

    other = Client()
    sign_in(other, "ann.steward", PASSWORD)
    response = enter_code(other, code)

    assert error_summary(response) == ["The security code is wrong or has already been used"]
    assert events("sign_in_refused")[-1].details["reason"] == "reused_security_code"
    # The next code (the helper gives it) still works.
    assert enter_code(other, second_factor_code(steward))["Location"] == "/"


def test_the_code_page_without_a_password_goes_back_to_sign_in(client, steward):
    response = client.get("/sign-in/security-code")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in"
    assert enter_code(client, second_factor_code(steward))["Location"] == "/sign-in"
    assert SESSION_KEY not in client.session


def test_a_checked_password_is_forgotten_after_ten_minutes(client, steward):
    sign_in(client, "ann.steward", PASSWORD)
    session = client.session
    pending = session["familyview.sign_in_pending"]
    session["familyview.sign_in_pending"] = {**pending, "since": pending["since"] - 601}
    session.save()

    response = enter_code(client, second_factor_code(steward))

    assert response["Location"] == "/sign-in"
    assert SESSION_KEY not in client.session
    page = read(client.get("/sign-in"))
    assert "Your sign-in timed out" in text(page.select_one(".govuk-notification-banner"))


def test_signing_in_returns_to_the_page_asked_for(client, steward):
    sign_in(client, "ann.steward", PASSWORD, next_url="/imports?page=2")

    response = enter_code(client, second_factor_code(steward))

    assert response["Location"] == "/imports?page=2"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example", "//evil.example/imports", "https:///evil.example"]
)
def test_signing_in_never_redirects_to_another_site(client, steward, next_url):
    page = read(client.get("/sign-in", {"next": next_url}))
    assert page.select_one("input[name=next]") is None

    sign_in(client, "ann.steward", PASSWORD, next_url=next_url)
    response = enter_code(client, second_factor_code(steward))

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_page_to_return_to_is_kept_in_the_form(client):
    page = read(client.get("/sign-in", {"next": "/imports"}))

    assert page.select_one("input[name=next]")["value"] == "/imports"


def test_empty_form_asks_for_username_and_password(client):
    response = sign_in(client, "", "")

    assert response.status_code == 200
    assert error_summary(response) == ["Enter your username", "Enter your password"]
    page = read(response)
    assert text(page.select_one("title")).startswith("Error: Sign in")
    assert page.select_one(".govuk-error-summary__list a")["href"] == "#username"
    assert text(page.select_one("#username-error")) == "Error: Enter your username"


@pytest.mark.parametrize(
    ("username", "password"),
    [("ann.steward", "not-the-password-at-all"), ("nobody.here", PASSWORD)],
    ids=["wrong password", "unknown username"],
)
def test_wrong_credentials_get_one_message_that_does_not_say_which(
    client, steward, username, password
):
    response = sign_in(client, username, password)

    assert response.status_code == 200
    assert error_summary(response) == ["The username or password is wrong"]
    assert SESSION_KEY not in client.session
    page = read(response)
    # The username is kept; the password never comes back.
    assert page.select_one("input#username")["value"] == username
    assert not page.select_one("input#password").get("value")
    [event] = events("sign_in_refused")
    assert event.details == {
        "username": username,
        "address": "127.0.0.1",
        "reason": "wrong_username_or_password",
    }
    assert event.user_id is None


def test_a_disabled_account_cannot_sign_in(client, steward):
    steward.is_active = False
    steward.save()

    response = sign_in(client, "ann.steward", PASSWORD)

    assert error_summary(response) == ["The username or password is wrong"]


def test_sign_in_needs_the_csrf_token(steward):
    client = Client(enforce_csrf_checks=True)

    response = sign_in(client, "ann.steward", PASSWORD)

    assert response.status_code == 403
    assert "familyview.sign_in_pending" not in client.session


def test_the_code_page_needs_the_csrf_token(steward):
    client = Client(enforce_csrf_checks=True)
    page = read(client.get("/sign-in"))
    token = page.select_one("input[name=csrfmiddlewaretoken]")["value"]
    client.post(
        "/sign-in", {"username": "ann.steward", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )

    response = enter_code(client, second_factor_code(steward))

    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_first_sign_in_sets_up_an_authenticator_app(client, newcomer):
    response = sign_in(client, "new.starter", PASSWORD)

    assert response["Location"] == "/sign-in/set-up-authenticator-app"
    page = read(client.get("/sign-in/set-up-authenticator-app"))
    assert text(page.select_one("h1")) == "Set up an authenticator app"
    qr = page.select_one("[data-testid=qr-code]")
    assert qr["role"] == "img"
    assert text(page.select_one(f"#{qr['aria-labelledby']}")) == "Use the app to scan this QR code."
    assert qr.select_one("svg path")
    # The secret is written out, for anyone who cannot scan (screen reader users included).
    secret = text(page.select_one("[data-testid=secret-key]")).replace(" ", "")
    assert len(secret) == 32
    # Reloading the page keeps the same secret.
    again = read(client.get("/sign-in/set-up-authenticator-app"))
    assert text(again.select_one("[data-testid=secret-key]")).replace(" ", "") == secret

    response = client.post("/sign-in/set-up-authenticator-app", {"code": pyotp.TOTP(secret).now()})

    # A practitioner lands straight on the search (a steward, above, on the home page).
    assert response["Location"] == "/search"
    assert client.session[SESSION_KEY] == str(newcomer.pk)
    assert StaffAccount.objects.get(user=newcomer).has_second_factor
    page = read(client.get("/search"))
    assert "Your authenticator app is set up." in text(
        page.select_one(".govuk-notification-banner")
    )
    # From now on, signing in asks for a code from that app.
    client.post("/sign-out")
    assert sign_in(client, "new.starter", PASSWORD)["Location"] == "/sign-in/security-code"
    assert client.get("/sign-in/set-up-authenticator-app")["Location"] == "/sign-in/security-code"


def test_setting_up_with_a_wrong_code_is_refused(client, newcomer):
    sign_in(client, "new.starter", PASSWORD)
    client.get("/sign-in/set-up-authenticator-app")

    response = client.post("/sign-in/set-up-authenticator-app", {"code": "000000"})

    assert response.status_code == 200
    assert error_summary(response) == ["The security code is wrong or has already been used"]
    assert SESSION_KEY not in client.session
    assert not StaffAccount.objects.get(user=newcomer).has_second_factor
    assert events("sign_in_refused")[-1].details["reason"] == "wrong_set_up_code"


def test_an_account_with_an_app_cannot_set_up_another_by_password_alone(client, steward):
    sign_in(client, "ann.steward", PASSWORD)

    response = client.get("/sign-in/set-up-authenticator-app")

    assert response["Location"] == "/sign-in/security-code"


def test_sign_in_pages_send_someone_signed_in_home(steward_client):
    for page in ("/sign-in", "/sign-in/security-code", "/sign-in/set-up-authenticator-app"):
        response = steward_client.get(page)
        assert (page, response.status_code, response["Location"]) == (page, 302, "/")


def test_signed_in_pages_are_not_cached(steward_client):
    response = steward_client.get("/")

    assert "no-store" in response["Cache-Control"]


def test_sign_in_pages_are_not_cached(client):
    assert "no-store" in client.get("/sign-in")["Cache-Control"]


def test_sign_out_by_get_only_asks_to_confirm(steward_client):
    response = steward_client.get("/sign-out")

    page = read(response)
    assert text(page.select_one("h1")) == "Sign out of Family View"
    assert page.select_one("main form[method=post]")["action"] == "/sign-out"
    assert SESSION_KEY in steward_client.session


def test_sign_out_by_post_ends_the_session(steward_client):
    response = steward_client.post("/sign-out")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in"
    assert SESSION_KEY not in steward_client.session
    page = read(steward_client.get("/sign-in"))
    assert text(page.select_one(".govuk-notification-banner")) == "Success You have signed out."
    assert steward_client.get("/").status_code == 302
    [event] = events("sign_out")
    assert event.username.startswith("staff")


def test_header_has_a_sign_out_button_that_posts(steward_client):
    page = read(steward_client.get("/"))

    form = page.select_one(".govuk-service-navigation form")
    assert form["method"] == "post"
    assert form["action"] == "/sign-out"
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert text(form.select_one("button")) == "Sign out"


def test_signing_in_reads_the_roles_once_and_the_first_page_reads_none(client, steward):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from familyview.access.sessions import ROLES

    sign_in(client, "ann.steward", PASSWORD)
    enter_code(client, second_factor_code(steward))
    assert client.session[ROLES], "the session keeps the roles read at sign-in"
    with CaptureQueriesContext(connection) as first_page:
        client.get("/imports")
    roles_read = [q["sql"] for q in first_page if "membership" in q["sql"].lower()]
    assert roles_read == []
