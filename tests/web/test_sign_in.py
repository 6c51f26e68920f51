"""Signing in and out, and pages refusing anonymous visitors."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from familyview.access.models import Role

from .factories import create_staff
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
    )


def sign_in(client: Client, username: str, password: str, next_url: str | None = None):
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/sign-in", data)


def error_summary(response) -> list[str]:
    page = read(response)
    return [text(a) for a in page.select(".govuk-error-summary__list a")]


def test_anonymous_visitor_is_sent_to_sign_in_with_the_page_to_return_to(client):
    response = client.get("/imports?page=2")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in?next=%2Fimports%3Fpage%3D2"


def test_anonymous_visitor_to_the_home_page_is_sent_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in"


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


def test_signing_in_starts_a_new_session_and_goes_home(client, steward):
    client.get("/sign-in")
    anonymous_session = client.session.session_key

    response = sign_in(client, "ann.steward", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(steward.pk)
    assert client.session.session_key != anonymous_session
    page = read(client.get("/"))
    assert text(page.select_one("[data-testid=signed-in-as]")) == (
        "Signed in as Ann Jones (Data steward, Stockport)"
    )


def test_signing_in_returns_to_the_page_asked_for(client, steward):
    response = sign_in(client, "ann.steward", PASSWORD, next_url="/imports?page=2")

    assert response["Location"] == "/imports?page=2"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example", "//evil.example/imports", "https:///evil.example"]
)
def test_signing_in_never_redirects_to_another_site(client, steward, next_url):
    page = read(client.get("/sign-in", {"next": next_url}))
    assert page.select_one("input[name=next]") is None

    response = sign_in(client, "ann.steward", PASSWORD, next_url=next_url)

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


def test_a_disabled_account_cannot_sign_in(client, steward):
    steward.is_active = False
    steward.save()

    response = sign_in(client, "ann.steward", PASSWORD)

    assert error_summary(response) == ["The username or password is wrong"]


def test_sign_in_needs_the_csrf_token(steward):
    client = Client(enforce_csrf_checks=True)

    response = sign_in(client, "ann.steward", PASSWORD)

    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_signed_in_pages_are_not_cached(steward_client):
    response = steward_client.get("/")

    assert "no-store" in response["Cache-Control"]


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


def test_header_has_a_sign_out_button_that_posts(steward_client):
    page = read(steward_client.get("/"))

    form = page.select_one(".govuk-service-navigation form")
    assert form["method"] == "post"
    assert form["action"] == "/sign-out"
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert text(form.select_one("button")) == "Sign out"
