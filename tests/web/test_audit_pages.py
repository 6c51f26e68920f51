"""The audit log pages: privacy officers search their authority's log, team managers their
team's; the search never puts a username in a URL; the CSV export is formula-safe and
audited."""

import csv
import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from familyview.access.models import Role
from familyview.access.policy import staff_for
from familyview.audit.events import record_event
from familyview.audit.models import AuditEvent

from .factories import create_staff
from .pages import read, text, title

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def audit_key(settings, tmp_path):
    settings.AUDIT_KEY_FILE = tmp_path / "keys" / "checkpoint-key.pem"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff(authority, other_authority):
    """A privacy officer, a North team manager, two practitioners (North, South), and a
    practitioner of another authority."""
    return {
        "officer": create_staff(Role.PRIVACY_OFFICER, authority, username="olu.officer"),
        "manager": create_staff(Role.TEAM_MANAGER, authority, username="max.manager", team="North"),
        "north": create_staff(Role.PRACTITIONER, authority, username="nia.north", team="North"),
        "south": create_staff(Role.PRACTITIONER, authority, username="sol.south", team="South"),
        "elsewhere": create_staff(
            Role.PRACTITIONER, other_authority, username="eli.elsewhere", team="North"
        ),
    }


def act(user, action="view_family", **fields) -> AuditEvent:
    defaults = (
        {"level": "summary", "subjects": ["P00000000000000A1"]} if action == "view_family" else {}
    )
    return record_event(staff_for(user), action, **{**defaults, **fields})


def at(monkeypatch, when: dt.datetime) -> None:
    monkeypatch.setattr("familyview.audit.events.timezone.now", lambda: when)


def rows(page) -> list[list[str]]:
    table = page.select_one("table.govuk-table")
    if table is None:
        return []
    return [[text(td) for td in tr.select("td")] for tr in table.select("tbody tr")]


def who(page) -> list[str]:
    return [r[1].split(" ")[0] for r in rows(page)]


def test_a_privacy_officer_sees_their_authoritys_events_newest_first(staff):
    act(staff["north"], purpose="section_17_assessment", case_reference="CR-1")
    act(staff["south"], "search", level="search", details={"criteria": {"postcode": "SK1"}})
    act(staff["elsewhere"])
    response = signed_in(staff["officer"]).get("/audit")
    assert response.status_code == 200
    page = read(response)
    assert text(page.select_one("title")) == title("Audit log")
    assert text(page.select_one("h1")) == "Audit log"
    assert who(page) == ["sol.south", "nia.north"]
    north = rows(page)[1]
    assert north[1] == "nia.north Practitioner, North"
    assert north[2] == "view_family (person summary viewed)"
    assert north[3] == "Events about P00000000000000A1"
    assert north[4] == "section_17_assessment Case CR-1"
    assert rows(page)[0][2] == "search (search made) criteria: postcode SK1"


def test_a_team_manager_sees_their_own_teams_events_only(staff):
    act(staff["north"])
    act(staff["south"])
    act(staff["elsewhere"])  # a North team, but of another authority
    page = read(signed_in(staff["manager"]).get("/audit"))
    assert who(page) == ["nia.north"]
    assert "Everything your team did" in text(page.select_one("main"))


def test_staff_without_an_audit_role_are_refused_and_the_refusal_is_recorded(staff):
    response = signed_in(staff["north"]).get("/audit")
    assert response.status_code == 403
    refusal = AuditEvent.objects.get(action="access_refused")
    assert refusal.username == "nia.north"
    assert refusal.details["url_name"] == "web:audit-log"


def test_searching_by_user_puts_no_username_in_the_url(staff):
    act(staff["north"])
    act(staff["south"])
    client = signed_in(staff["officer"])
    response = client.post("/audit", {"user": "SOL.SOUTH"})
    assert response.status_code == 302
    location = response["Location"]
    assert "sol" not in location.lower()
    assert parse_qs(urlsplit(location).query) == {"user": [str(staff["south"].pk)]}
    page = read(client.get(location))
    assert who(page) == ["sol.south"]
    assert page.select_one("#user")["value"] == "sol.south"
    assert text(page.select_one("h2#events")) == "Events found"


def test_searching_by_person_and_dates(staff, monkeypatch):
    at(monkeypatch, dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    act(staff["north"], subjects=["P00000000000000B2"])
    at(monkeypatch, dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC))
    act(staff["south"], subjects=["P00000000000000B2", "P00000000000000C3"])
    act(staff["south"], subjects=["P00000000000000C3"])
    at(monkeypatch, dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC))
    act(staff["north"], subjects=["P00000000000000B2"])
    monkeypatch.undo()

    client = signed_in(staff["officer"])
    response = client.post(
        "/audit",
        {
            "person": "p00000000000000b2",
            "date_from-day": "3",
            "date_from-month": "3",
            "date_from-year": "2026",
            "date_to-day": "19",
            "date_to-month": "3",
            "date_to-year": "2026",
        },
    )
    assert parse_qs(urlsplit(response["Location"]).query) == {
        "person": ["P00000000000000B2"],
        "from": ["2026-03-03"],
        "to": ["2026-03-19"],
    }
    page = read(client.get(response["Location"]))
    assert [r[0] for r in rows(page)] == [
        f"{text_time(dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC))} Event 2"
    ]
    assert page.select_one("#date_from-day")["value"] == "3"
    assert page.select_one("#date_to-year")["value"] == "2026"


def text_time(when: dt.datetime) -> str:
    from familyview.web.formats import govuk_datetime

    return govuk_datetime(when)


def test_searching_by_team(staff):
    act(staff["north"])
    act(staff["south"])
    client = signed_in(staff["officer"])
    page = read(client.get("/audit"))
    options = [o["value"] for o in page.select("#team option")]
    assert options == ["", "North", "South"]
    response = client.post("/audit", {"team": "South"})
    assert who(read(client.get(response["Location"]))) == ["sol.south"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"user": "eli.elsewhere"}, "user", "There is no one with this username in your authority"),
        ({"person": "Amelia"}, "person", "Enter a person identifier like P0003D6B3EF92D87D"),
        (
            {"date_from-day": "3", "date_from-year": "2026"},
            "date_from-day",
            "The start date must include a month",
        ),
        (
            {"date_to-day": "31", "date_to-month": "2", "date_to-year": "2026"},
            "date_to-day",
            "The end date must be a real date",
        ),
        (
            {
                **{"date_from-day": "5", "date_from-month": "3", "date_from-year": "2026"},
                **{"date_to-day": "4", "date_to-month": "3", "date_to-year": "2026"},
            },
            "date_to-day",
            "The end date must be the same as or after the start date",
        ),
        ({"team": "Elsewhere"}, "team", "Select a team from the list"),
    ],
)
def test_a_search_that_cannot_be_done_says_what_is_wrong(staff, data, field, message):
    act(staff["north"])
    response = signed_in(staff["officer"]).post("/audit", data)
    assert response.status_code == 200
    page = read(response)
    assert text(page.select_one("title")).startswith("Error: ")
    summary = page.select_one(".govuk-error-summary")
    assert [text(a) for a in summary.select("a")] == [message]
    assert summary.select_one("a")["href"] == f"#{field}"
    assert message in text(page.select_one(".govuk-error-message"))
    assert rows(page) == []


def test_events_are_shown_fifty_at_a_time(staff):
    for i in range(55):
        act(staff["north"], case_reference=f"CR-{i}")
    client = signed_in(staff["officer"])
    first = read(client.get("/audit"))
    assert len(rows(first)) == 50
    assert "Showing 1 to 50 of 55 events" in text(first.select_one("main"))
    assert first.select_one(".govuk-pagination__next a")["href"] == "?page=2"
    second = read(client.get("/audit?page=2"))
    # 55 events, plus the officer's own first search, which the log now holds.
    assert len(rows(second)) == 6
    assert "Showing 51 to 56 of 56 events" in text(second.select_one("main"))


def test_each_search_is_itself_recorded(staff):
    act(staff["north"], subjects=["P00000000000000D4"])
    client = signed_in(staff["officer"])
    client.get("/audit?person=P00000000000000D4")
    search = AuditEvent.objects.get(action="audit.search")
    assert search.username == "olu.officer"
    assert search.role == "privacy_officer"
    assert search.subjects == ["P00000000000000D4"]
    assert search.details["criteria"]["person_id"] == "P00000000000000D4"
    assert search.details["events_shown"] == 1


def test_the_csv_export_is_formula_safe_and_audited(staff):
    sneaky = create_staff(
        Role.PRACTITIONER,
        staff["north"].memberships.get().authority,
        username="@sneaky",
        team="North",
    )
    act(
        sneaky,
        purpose="+SUM(A1:A9)",
        case_reference='=HYPERLINK("http://example.com","click")',
        details={"note": "-1"},
    )
    act(staff["north"], case_reference="\tTAB", purpose="\rCR")
    client = signed_in(staff["officer"])
    response = client.get("/audit/export.csv?team=North")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-events-')
    body = b"".join(response.streaming_content).decode("utf-8")
    table = list(csv.reader(io.StringIO(body)))
    header, first, second = table[0], table[1], table[2]
    assert header[:4] == ["Sequence", "When (UTC)", "Username", "Role"]
    cell = dict(zip(header, first, strict=True))
    assert cell["Username"] == "'@sneaky"
    assert cell["Purpose"] == "'+SUM(A1:A9)"
    assert cell["Case reference"] == '\'=HYPERLINK("http://example.com","click")'
    assert cell["Details"] == '{"note":"-1"}'
    cell = dict(zip(header, second, strict=True))
    assert cell["Case reference"] == "'\tTAB"
    assert cell["Purpose"] == "'\rCR"
    assert len(table) == 3

    export = AuditEvent.objects.get(action="export")
    assert export.username == "olu.officer"
    assert export.details == {
        "what": "audit_events",
        "criteria": {
            "user_id": "",
            "username": "",
            "person_id": "",
            "team": "North",
            "date_from": "",
            "date_to": "",
        },
        "rows": 2,
    }


def test_a_team_manager_cannot_export_another_teams_events(staff):
    act(staff["south"])
    response = signed_in(staff["manager"]).get("/audit/export.csv?team=South")
    assert response.status_code == 400
    assert "Select a team from the list" in text(read(response).select_one(".govuk-error-summary"))
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_latest_events_show_when_nothing_is_searched(staff):
    act(staff["north"])
    page = read(signed_in(staff["officer"]).get("/audit"))
    assert text(page.select_one("h2#events")) == "Latest events"
    assert who(page) == ["nia.north"]


def test_the_menu_offers_the_audit_log_to_those_who_may_read_it(staff):
    def menu(user) -> list[str]:
        page = read(signed_in(user).get("/audit" if user != staff["north"] else "/"))
        return [text(a) for a in page.select("a.govuk-service-navigation__link")]

    assert "Audit log" in menu(staff["officer"])
    assert "Audit log" in menu(staff["manager"])
    assert "Audit log" not in menu(staff["north"])
