"""The server error page, rendered without its request (which may be what failed), still
carries the response's Content-Security-Policy nonce on GOV.UK Frontend's inline scripts,
so that the browser runs them rather than block them."""

import re

import pytest

from familyview.web import views

from .pages import read, text, title

pytestmark = pytest.mark.django_db


def nonce_in_header(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    found = re.search(r"script-src [^;]*'nonce-([^']+)'", policy)
    assert found, f"no script nonce in {policy!r}"
    return found.group(1)


def inline_scripts(response) -> list:
    return [s for s in read(response).select("script") if not s.get("src")]


def test_the_server_error_page_carries_the_nonce_of_its_policy(steward_client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a fault in the page")

    monkeypatch.setattr(views.queries, "import_history", broken)
    steward_client.raise_request_exception = False

    response = steward_client.get("/imports")

    assert response.status_code == 500
    nonce = nonce_in_header(response)
    scripts = inline_scripts(response)
    # GOV.UK's `govuk-frontend-supported` line and the module that starts its components.
    assert len(scripts) >= 2
    assert [s.get("nonce") for s in scripts] == [nonce] * len(scripts)
    page = read(response)
    heading = "Sorry, there is a problem with the service"
    assert text(page.select_one("h1")) == heading
    assert text(page.select_one("title")) == title(heading)
    # Rendered without the request: no one is named as signed in, no menu of theirs.
    assert page.select_one("[data-testid=signed-in-as]") is None
