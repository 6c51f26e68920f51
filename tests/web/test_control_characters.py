"""A NUL byte or another control character in a page's address or in any field of any
form is refused with a 400 page, never a server error, and reaches no one's data.

The pages are those of the authorisation matrix (every page the project serves must be
listed there), each opened by a role that may open it; every form each page shows is sent
back once per field, with that field holding a control character.
"""

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from django.test import Client

from familyview.access.models import Role
from familyview.access.purpose import PurposeOfAccess, remember_purpose
from familyview.access.rules import PUBLIC
from familyview.audit.models import AuditEvent

from .factories import TEST_TOTP_SECRET, create_staff
from .pages import read, text
from .test_authorisation_matrix import MAY_OPEN, PAGES, PERSON_PARTS, _authority_data, _url

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-0451"
CONTROL_CHARACTERS = {"NUL": "\x00", "ESC": "\x1b"}
REFUSED_HEADING = "There is a problem with what was sent"


@dataclass(frozen=True)
class Form:
    page: str
    method: str
    action: str
    fields: tuple[tuple[str, str], ...]  # (name, value) as the browser would send them


def _forms(page: str, url: str, html: BeautifulSoup) -> list[Form]:
    """The forms of a page, with the values a browser would send if nothing were changed."""
    found = []
    for form in html.select("form"):
        fields: list[tuple[str, str]] = []
        radios_seen: set[str] = set()
        for element in form.select("input[name], textarea[name], select[name], button[name]"):
            name = element["name"]
            fields.extend(_values(element, name, radios_seen))
        action = form.get("action") or url
        found.append(Form(page, form.get("method", "get").upper(), action, tuple(fields)))
    return found


def _values(element: Tag, name: str, radios_seen: set[str]) -> list[tuple[str, str]]:
    kind = element.get("type", "text")
    if element.name == "textarea":
        return [(name, element.get_text())]
    if element.name == "select":
        option = element.select_one("option[selected]") or element.select_one("option")
        return [(name, option.get("value", option.get_text()))] if option else []
    if element.name == "button" or kind == "submit":
        return [(name, element.get("value", ""))]
    if kind == "checkbox":
        return [(name, element.get("value", "on"))] if element.has_attr("checked") else []
    if kind == "radio":
        # The first choice if none is chosen, so that only the character can be wrong.
        if name in radios_seen:
            return []
        radios_seen.add(name)
        form = element.find_parent("form")
        chosen = form.select_one(f'input[type=radio][name="{name}"][checked]') or element
        return [(name, chosen.get("value", "on"))]
    return [(name, element.get("value", ""))]


def _send(client: Client, method: str, url: str, fields: list[tuple[str, str]]):
    if method == "GET":
        split = urlsplit(url)
        return client.get(f"{split.path}?{urlencode(fields)}")
    return client.post(url, urlencode(fields), content_type="application/x-www-form-urlencoded")


def _clients_for(name: str, clients: dict[Role | None, list[Client]]) -> list[Client]:
    """A client signed in with a role that may open the page; for the sign-in pages, a
    visitor and members of staff halfway through signing in."""
    if PAGES[name].rule == PUBLIC:
        return clients[None]
    return clients[next(role for role in Role if name in MAY_OPEN[role])]


def _signed_in(user) -> list[Client]:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return [client]


def _halfway_through_signing_in(authority) -> list[Client]:
    """Two visitors who gave the right password: one with an authenticator app (asked for
    the code), one without (asked to set one up)."""
    clients = []
    for number, secret in enumerate((TEST_TOTP_SECRET, None)):
        username = f"signing.in.{number}"
        create_staff(Role.PRACTITIONER, authority, username, PASSWORD, totp_secret=secret)
        client = Client(raise_request_exception=False)
        response = client.post("/sign-in", {"username": username, "password": PASSWORD})
        assert response.status_code == 302
        clients.append(client)
    return clients


def _refused(response, character: str) -> str:
    """'' if the response is the 400 page, else what it was instead."""
    if response.status_code != 400:
        return str(response.status_code)
    page = read(response)
    if text(page.select_one("h1")) != REFUSED_HEADING:
        return f"400 with the heading {text(page.select_one('h1'))!r}"
    if character in response.content.decode():
        return "400, repeating the character"
    return ""


@pytest.fixture
def own():
    return _authority_data("stockport", "Stockport")


@pytest.mark.parametrize("character", CONTROL_CHARACTERS.values(), ids=CONTROL_CHARACTERS)
def test_every_page_address_and_form_field_refuses_control_characters(own, character):
    # One client per role (each new client loads every middleware again).
    clients = {role: _signed_in(create_staff(role, own.authority)) for role in Role}
    visitor = Client(raise_request_exception=False)
    clients[None] = [visitor, *_halfway_through_signing_in(own.authority)]
    bad = f"A{character}B"
    wrong, addresses, forms = [], set(), {}
    for name, page in PAGES.items():
        if not name.startswith("web:"):
            continue
        for kind in ("ordinary", "shielded") if page.about in PERSON_PARTS else ("ordinary",):
            for client in _clients_for(name, clients):
                url = _url(name, page, own, kind)
                if page.about is not None:
                    session = client.session
                    purpose = PurposeOfAccess("mash_triage", "", "R1")
                    remember_purpose(session, own.persons[kind], purpose)
                    session.save()
                    value = str(_url_argument(page, own, kind))
                    bad_url = url.replace(f"/{value}", f"/{quote(bad, safe='')}", 1)
                    events_before = AuditEvent.objects.count()
                    response = _send(client, page.method, bad_url, [])
                    if problem := _refused(response, character):
                        wrong.append(f"{name} with it in the address: {problem}")
                    if AuditEvent.objects.count() != events_before:
                        wrong.append(f"{name} with it in the address: an audit event was written")
                    addresses.add(name)
                if page.method != "GET":
                    continue
                response = client.get(url)
                if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                    for form in _forms(name, url, read(response)):
                        forms.setdefault((form.method, form.action, form.fields), (form, client))
    walked = set()
    for form, client in forms.values():
        for index, (field, _) in enumerate(form.fields):
            if field == "csrfmiddlewaretoken":
                continue
            fields = list(form.fields)
            fields[index] = (field, bad)
            events_before = AuditEvent.objects.count()
            response = _send(client, form.method, form.action, fields)
            if problem := _refused(response, character):
                wrong.append(f"{form.page}'s form ({form.action}), {field}: {problem}")
            if AuditEvent.objects.count() != events_before:
                wrong.append(f"{form.page}'s form, {field}: an audit event was written")
            walked.add((form.page, field))
    assert wrong == []
    assert {"web:purpose", "web:steward-person", "web:subject-access-person"} <= addresses
    assert {
        ("web:search", "name"),
        ("web:purpose", "case_reference"),
        ("web:break-glass", "justification"),
        ("web:report-problem", "what"),
        ("web:sign-in", "username"),
        ("web:sign-in-code", "code"),
        ("web:sign-in-set-up", "code"),
        ("web:audit-log", "person"),
    } <= walked


def _url_argument(page, data, kind: str) -> object:
    return {
        "person": data.persons[kind],
        "pair": data.pair,
        "import": data.extract_import,
        "problem": data.problem,
        "alert": data.alert,
        "staff": data.staff_member,
        "source": data.source,
    }[page.about]


@pytest.mark.parametrize(
    ("address", "role"),
    [
        ("/people/P%00/purpose", Role.PRACTITIONER),
        ("/steward/persons/P%00", Role.DATA_STEWARD),
        ("/privacy/subject-access/P%00", Role.PRIVACY_OFFICER),
        ("/search?results=%00", Role.PRACTITIONER),
        ("/no-such-page/%00", Role.PRACTITIONER),
    ],
)
def test_the_addresses_that_failed_are_refused(authority, address, role):
    client = Client(raise_request_exception=False)
    client.force_login(create_staff(role, authority))
    response = client.get(address)
    assert response.status_code == 400
    assert text(read(response).select_one("h1")) == REFUSED_HEADING


def test_tabs_and_new_lines_in_a_form_are_text(practitioner_client, authority):
    response = practitioner_client.post(
        "/search", {"name": "Thornbury\t", "postcode": "SK4\r\n1AA"}
    )
    assert response.status_code != 400
