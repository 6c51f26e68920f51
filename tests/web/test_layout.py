"""The layout every page shares: title, header, navigation, banners and GOV.UK assets."""

import pytest

from familyview.access.models import Role

from .factories import create_authority, create_staff
from .pages import read, text, title

pytestmark = pytest.mark.django_db


def test_layout_has_the_gov_uk_frame(steward_client):
    page = read(steward_client.get("/"))

    assert text(page.select_one("title")) == title("Home")
    assert page.select_one("html")["lang"] == "en"
    assert "width=device-width" in page.select_one("meta[name=viewport]")["content"]
    skip = page.select_one("a.govuk-skip-link")
    assert skip["href"] == "#main-content"
    assert page.select_one("main#main-content")
    assert text(page.select_one(".govuk-service-navigation__service-name")) == "Family View"
    assert text(page.select_one(".govuk-phase-banner .govuk-tag")) == "Alpha"
    assert page.select_one("footer .govuk-footer")


def test_layout_loads_gov_uk_frontend(steward_client):
    page = read(steward_client.get("/"))

    stylesheets = [link["href"] for link in page.select("link[rel=stylesheet]")]
    assert "/static/govuk/govuk-frontend.min.css" in stylesheets
    script = page.select_one("script[type=module]")
    assert '"/static/govuk/govuk-frontend.min.js"' in script.string
    assert "initAll()" in script.string


def test_a_council_service_does_not_carry_the_gov_uk_crown(steward_client):
    page = read(steward_client.get("/"))

    assert page.select_one(".govuk-header") is None
    assert page.select_one(".govuk-footer__crown") is None
    assert "Crown copyright" not in text(page)
    # The council's own name heads the page instead.
    assert text(page.select_one(".govuk-generic-header__homepage-link")) == "Stockport"


def test_the_signed_in_line_names_every_role(client):
    stockport = create_authority("stockport", "Stockport")
    user = create_staff(Role.PRACTITIONER, stockport, first_name="Kim", last_name="Lee")
    user.memberships.create(authority=stockport, role=Role.TEAM_MANAGER)
    client.force_login(user)

    page = read(client.get("/"))

    assert text(page.select_one("[data-testid=signed-in-as]")) == (
        "Signed in as Kim Lee (Practitioner, Stockport; Team manager, Stockport)"
    )


def test_home_offers_imports_to_a_data_steward(steward_client):
    page = read(steward_client.get("/"))

    assert text(page.select_one("h1")) == "Family View"
    nav = [text(a) for a in page.select(".govuk-service-navigation__list a")]
    assert nav == ["Imports", "Review", "Data quality", "Problems reported"]
    assert page.select_one("main a[href='/imports']")


def test_unknown_pages_are_not_found_in_the_gov_uk_style(steward_client):
    response = steward_client.get("/no-such-page")

    assert response.status_code == 404
    assert text(read(response).select_one("h1")) == "Page not found"


@pytest.mark.parametrize(
    "path",
    [
        "/static/govuk/govuk-frontend.min.css",
        "/static/govuk/govuk-frontend.min.js",
        "/static/familyview/app.css",
        "/assets/fonts/bold-b542beb274-v2.woff2",
        "/assets/images/favicon.svg",
    ],
)
def test_gov_uk_assets_are_served_without_signing_in(client, path):
    response = client.get(path)
    try:
        assert response.status_code == 200
    finally:
        response.close()
