"""Across council borders (issue 20), with two real deployments on loopback: Stockport's
(this process, the test database) asks Manchester's (its own processes, database, key and
port) about a family, and Manchester answers, refuses and records (docs/peers.md)."""

import json
import socket
import threading
import time

import pytest
import requests
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import Client

from familyview.access.factories import create_staff
from familyview.access.models import Role
from familyview.api.clients import issue_client
from familyview.audit.models import AuditEvent
from familyview.identity.search import refresh_search_entries
from familyview.peers import protocol
from familyview.peers.models import Peer
from familyview.peers.registry import add_peer
from familyview.sources.models import PersonRecord
from tests.peers.conftest import AGREEMENT, BOLTON, MANCHESTER, SALFORD, STOCKPORT, Key
from tests.peers.neighbour import (
    BROTHER_BORN,
    BROTHER_NHS,
    COUNCIL,
    FATHER_BORN,
    FATHER_NHS,
    MOTHER_BORN,
    MOTHER_NHS,
    OTHER_NHS,
    PROBATION_OFFICER,
    SALFORD_COUNCIL,
    SOCIAL_WORKER,
)
from tests.web.frontline_family import a_family

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

WORKER = {"name": "Sam Patel", "role": "practitioner", "council": "Stockport Council"}


# ---- asking: Stockport's family page -----------------------------------------------------


@pytest.fixture
def family(stockport):
    """The Thornburys in Stockport, each parent and the brother with an NHS number and a
    full date of birth (the child's number is no one's in Manchester)."""
    family = a_family(_authority())
    records = PersonRecord.objects.filter(source__authority=family.authority)
    for given, nhs, born in (
        ("Mark", FATHER_NHS, FATHER_BORN),
        ("Claire", MOTHER_NHS, MOTHER_BORN),
        ("Jack", BROTHER_NHS, BROTHER_BORN),
    ):
        records.filter(given_name=given).update(
            nhs_number=nhs, birth_year=born.year, birth_month=born.month, birth_day=born.day
        )
    refresh_search_entries()
    return family


def _authority():
    from familyview.access.factories import create_authority

    return create_authority("stockport", "Stockport Council")


def _worker(family) -> Client:
    client = Client()
    client.force_login(create_staff(Role.PRACTITIONER, family.authority, first_name="Sam"))
    response = client.post(
        f"/people/{family.child}/purpose",
        {"purpose": "section_47_enquiry", "case_reference": "CASE-1234"},
    )
    assert response.status_code == 302, response.content[:500]
    return client


def _register(name: str, url: str, public_key: str, **fields) -> Peer:
    return add_peer(
        name,
        url,
        public_key,
        agreement=AGREEMENT,
        authority_code="stockport",
        duty_line="0161 217 6028",
        **fields,
    )


def _ask(client: Client, family) -> BeautifulSoup:
    response = client.post(f"/people/{family.child}/neighbours")
    assert response.status_code == 200, response.content[:1000]
    return BeautifulSoup(response.content, "html.parser")


def _replies(page: BeautifulSoup, person_id: str) -> dict[str, str]:
    """Each neighbour's reply about one person, as the page says it."""
    section = page.select_one(f"section[data-person='{person_id}']")
    assert section is not None, f"{person_id} was not asked about"
    out = {}
    for heading in section.select("h3[data-peer]"):
        out[heading["data-peer"]] = " ".join(heading.find_next_sibling().get_text().split())
    return out


def test_the_fathers_probation_officer_in_manchester_is_shown_and_both_ends_record_it(
    family, manchester
):
    _register(MANCHESTER, manchester.url, manchester.public_key)
    before = len(manchester.events())
    worker = _worker(family)
    family_page = BeautifulSoup(worker.get(f"/people/{family.child}/family").content, "html.parser")
    button = family_page.select_one(f"form[action='/people/{family.child}/neighbours'] button")
    assert button.get_text(strip=True) == "Ask neighbouring councils"

    page = _ask(worker, family)

    father = _replies(page, family.father)[MANCHESTER]
    assert "Probation" in father
    assert (
        "Probation, Manchester South Probation (Probation Service), since 1 February 2026" in father
    )
    assert "Call Pat Okafor, Probation Officer" in father
    assert (
        page.select_one(f"section[data-person='{family.father}'] a[href^='tel:']")["href"]
        == "tel:+441614960555"
    )
    assert PROBATION_OFFICER["lead_email"] in father
    # The sensitive service: its name and duty line only; the housing that ended long ago: not.
    assert "Held by Manchester City Council" in father
    assert "Community Mental Health Team" not in father
    assert "Tenancy Support" not in father
    # Shielded in Manchester: held, the council's duty line, nothing else.
    mother = _replies(page, family.mother)[MANCHESTER]
    assert mother == f"Held by {COUNCIL}: contact their duty line 0161 234 5001"
    # The brother's date of birth differs in Manchester: no match.
    assert (
        _replies(page, family.sibling)[MANCHESTER] == "No services known to them now or recently."
    )
    # The title names no one.
    assert page.title.get_text(strip=True).startswith("Neighbouring councils")

    asked = AuditEvent.objects.get(action="family.neighbours_asked")
    assert (asked.purpose, asked.case_reference) == (
        "Section 47 enquiry (child protection)",
        "CASE-1234",
    )
    everyone = {family.child, family.father, family.mother, family.sibling}
    assert set(asked.subjects) == everyone
    assert set(asked.details["asked_about"]) == everyone
    assert asked.details["peers"] == {MANCHESTER: "answered"}
    assert asked.details["shown"][MANCHESTER] == {
        family.father: ["probation", "adult_mental_health"],
        family.mother: "held",
    }

    answered = manchester.events()[before:]
    assert [e["action"] for e in answered] == ["peer.lookup_answered"]
    event = answered[0]
    assert event["username"] == f"peer:{STOCKPORT}"
    assert event["case_reference"] == "CASE-1234"
    assert event["details"]["worker"]["council"] == "Stockport Council"
    assert event["details"]["subjects_asked"] == 4
    assert event["details"]["matched"] == 2  # the father and the mother
    assert len(event["subjects"]) == 2
    assert list(event["details"]["returned"].values()) == [["probation"]]
    withheld = {(w["why"], w.get("service", "")) for w in event["details"]["withheld"]}
    assert withheld == {
        ("shielded: answered with the duty line", ""),
        ("sensitive service", "adult_mental_health"),
    }
    # Never a name or an address in either direction.
    text = json.dumps(event)
    for word in ("Thornbury", "Mark", "Claire", "M20", "Mill Lane"):
        assert word not in text

    call_command("audit", "verify")
    verified = manchester.familyview("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_two_neighbours_asked_at_once_each_answer_and_all_three_logs_verify(
    family, manchester, salford
):
    _register(MANCHESTER, manchester.url, manchester.public_key)
    _register(SALFORD, salford.url, salford.public_key)

    page = _ask(_worker(family), family)

    replies = _replies(page, family.father)
    assert "Call Pat Okafor, Probation Officer" in replies[MANCHESTER]
    assert f"Call {SOCIAL_WORKER['lead_name']}, Social Worker" in replies[SALFORD]
    section = page.select_one(f"section[data-person='{family.father}']")
    assert [h.get_text(strip=True) for h in section.select("h3")] == [COUNCIL, SALFORD_COUNCIL]
    asked = AuditEvent.objects.get(action="family.neighbours_asked")
    assert asked.details["peers"] == {MANCHESTER: "answered", SALFORD: "answered"}
    assert asked.details["shown"][SALFORD] == {family.father: ["adult_social_care"]}
    (answered,) = [e for e in salford.events() if e["action"] == "peer.lookup_answered"]
    assert answered["details"]["matched"] == 1
    call_command("audit", "verify")
    for neighbour in (manchester, salford):
        verified = neighbour.familyview("audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_case_system_asks_through_the_api_on_the_same_terms(family, manchester):
    _register(MANCHESTER, manchester.url, manchester.public_key)
    create_staff(Role.PRACTITIONER, family.authority, username="stockport.worker")
    token = issue_client(family.authority, "Case management system").token
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Acting-User": "stockport.worker",
        "X-Purpose": "section_17_assessment",
        "X-Case-Reference": "CIN-2026-0042",
    }

    response = Client().post(
        f"/api/v1/people/{family.child}/neighbours",
        headers=headers,
        content_type="application/json",
    )

    assert response.status_code == 200, response.content[:500]
    answers = {p["person_id"]: p["answers"] for p in response.json()["asked"]}
    (father,) = answers[family.father]
    assert (father["peer"], father["outcome"]) == (MANCHESTER, "answered")
    probation = next(s for s in father["services"] if s["category"] == "probation")
    assert probation["lead_professional"]["name"] == "Pat Okafor"
    (mother,) = answers[family.mother]
    assert mother["held"] == {"council": COUNCIL, "duty_line": "0161 234 5001"}
    asked = AuditEvent.objects.get(action="family.neighbours_asked")
    assert asked.case_reference == "CIN-2026-0042"
    assert asked.details["api_client"] == "Case management system"


def test_a_neighbour_that_is_down_or_never_replies_did_not_answer_and_the_page_renders(
    family, manchester, settings
):
    settings.FAMILYVIEW_PEERS_TIME_LIMIT = 0.5
    _register(MANCHESTER, manchester.url, manchester.public_key)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        down_port = closed.getsockname()[1]  # nothing listens once closed
    silent, hung_up = _silent_server()
    _register("bury", f"http://127.0.0.1:{down_port}", Key.new().public)
    _register("trafford", f"http://127.0.0.1:{silent.getsockname()[1]}", Key.new().public)

    page = _ask(_worker(family), family)

    replies = _replies(page, family.father)
    assert replies[MANCHESTER].startswith("Probation")
    assert replies["bury"].startswith("Did not answer")
    assert replies["trafford"].startswith("Did not answer")
    # The configured limit was applied: Stockport hung up on the server that never replied.
    assert hung_up.wait(timeout=30)
    silent.close()
    asked = AuditEvent.objects.get(action="family.neighbours_asked")
    assert asked.details["time_limit_seconds"] == 0.5
    assert asked.details["peers"] == {
        "bury": "did_not_answer",
        MANCHESTER: "answered",
        "trafford": "did_not_answer",
    }


def _silent_server() -> tuple[socket.socket, threading.Event]:
    """A server that takes the connection, reads the request and never answers; the event
    is set when the asker hangs up."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    hung_up = threading.Event()

    def serve() -> None:
        try:
            connection, _ = server.accept()
        except OSError:
            return
        with connection:
            while connection.recv(4096):
                pass
        hung_up.set()

    threading.Thread(target=serve, daemon=True).start()
    return server, hung_up


def test_an_answer_that_does_not_check_against_the_neighbours_key_is_no_answer(family, manchester):
    # Registered with another key than the one Manchester signs with.
    _register(MANCHESTER, manchester.url, Key.new().public)

    page = _ask(_worker(family), family)

    assert _replies(page, family.father)[MANCHESTER] == "Did not answer."
    said = " ".join(page.select_one(f"[data-outcome-of='{MANCHESTER}']").get_text().split())
    assert said == (
        "Manchester: did not answer within 4 seconds (its answer did not check against its "
        "key). Try again later, or call them."
    )
    assert "Pat Okafor" not in page.get_text()


def test_a_neighbour_that_refuses_is_shown_refused(family, manchester, settings):
    _register(MANCHESTER, manchester.url, manchester.public_key)
    # Signing as a deployment Manchester has not registered.
    settings.FAMILYVIEW_PEER_NAME = "wigan"

    page = _ask(_worker(family), family)

    assert _replies(page, family.father)[MANCHESTER].startswith("Refused")
    said = " ".join(page.select_one(f"[data-outcome-of='{MANCHESTER}']").get_text().split())
    assert said.startswith("Manchester: refused to answer (")


def test_a_family_with_no_nhs_numbers_asks_no_one(family, manchester):
    _register(MANCHESTER, manchester.url, manchester.public_key)
    PersonRecord.objects.update(nhs_number="")
    refresh_search_entries()
    before = len(manchester.events())

    page = _ask(_worker(family), family)

    assert page.select_one("[data-testid='no-one-asked']") is not None
    assert len(manchester.events()) == before
    asked = AuditEvent.objects.get(action="family.neighbours_asked")
    assert len(asked.subjects) == 4  # the family, named on the page
    assert (asked.details["asked_about"], asked.details["peers"]) == ([], {})


def test_asking_needs_a_purpose_first(family, manchester):
    _register(MANCHESTER, manchester.url, manchester.public_key)
    client = Client()
    client.force_login(create_staff(Role.PRACTITIONER, family.authority))
    before = len(manchester.events())

    response = client.post(f"/people/{family.child}/neighbours")

    assert response.status_code == 302
    assert response["Location"].endswith(f"/people/{family.child}/purpose")
    assert len(manchester.events()) == before  # nothing was sent


# ---- answering: requests sent straight to Manchester ------------------------------------


def _request(key: Key, *, kid: str = STOCKPORT, typ: str = protocol.REQUEST_TYPE, **changes):
    payload = {
        **protocol.request_claims(changes.pop("iss", kid), changes.pop("aud", MANCHESTER)),
        "worker": WORKER,
        "purpose": "Section 47 enquiry",
        "case_reference": "CASE-9",
        "subjects": [{"nhs_number": FATHER_NHS, "date_of_birth": FATHER_BORN.isoformat()}],
    }
    payload.update(changes)
    return protocol.sign(payload, key.okp, kid=kid, typ=typ)


def _post(manchester, body, content_type: str = protocol.CONTENT_TYPE) -> requests.Response:
    if isinstance(body, str):
        body = body.encode()
    return requests.post(
        manchester.url + protocol.LOOKUP_PATH,
        data=body,
        headers={"Content-Type": content_type},
        timeout=30,
    )


def test_a_signed_request_is_answered_signed_with_only_services_and_who_to_call(
    manchester, stockport_key
):
    response = _post(manchester, _request(stockport_key))

    assert response.status_code == 200, response.text
    envelope = protocol.open_envelope(response.content)
    from familyview.peers.keys import peer_key

    answer = protocol.read_message(
        protocol.checked_payload(envelope, peer_key(manchester.public_key)),
        protocol.LookupAnswer,
    )
    assert (answer.iss, answer.aud, answer.council) == (MANCHESTER, STOCKPORT, COUNCIL)
    (only,) = answer.answers
    probation = next(s for s in only.services if s.category == "probation")
    assert probation.lead_professional.name == "Pat Okafor"
    assert probation.data_current_as_of is not None
    for word in ("Thornbury", "Mark", "M20"):
        assert word not in response.text


REFUSALS = {
    "unsigned": lambda key: json.dumps({"subjects": []}),
    "wrongly signed": lambda key: _request(Key.new()),
    "unregistered": lambda key: _request(Key.new(), kid="wigan"),
    "expired": lambda key: _request(key, iat=int(time.time()) - 300, exp=int(time.time()) - 240),
    "living too long": lambda key: _request(key, exp=int(time.time()) + 3600),
    "addressed elsewhere": lambda key: _request(key, aud="bolton"),
}
KINDS = {
    "unsigned": (401, "unsigned"),
    "wrongly signed": (401, "bad-signature"),
    "unregistered": (401, "unknown-peer"),
    "expired": (401, "expired"),
    "living too long": (401, "expired"),
    "addressed elsewhere": (401, "wrong-audience"),
}


@pytest.mark.parametrize("kind", list(REFUSALS))
def test_a_bad_request_is_refused_and_recorded(manchester, stockport_key, kind):
    before = len(manchester.events())
    seen = manchester.seen_requests()

    response = _post(manchester, REFUSALS[kind](stockport_key))

    status, problem = KINDS[kind]
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith(f"/problems/{problem}")
    (event,) = manchester.events()[before:]
    assert (event["action"], event["outcome"]) == ("peer.lookup_refused", "refused")
    assert event["details"]["why"] == problem
    assert event["subjects"] == []
    assert manchester.seen_requests() == seen


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/x-www-form-urlencoded", "text/plain"]
)
def test_a_body_of_another_type_is_refused_as_unsigned(manchester, stockport_key, content_type):
    before = len(manchester.events())

    response = _post(manchester, _request(stockport_key), content_type)

    assert response.status_code == 401, response.text
    assert response.json()["type"].endswith("/problems/unsigned")
    (event,) = manchester.events()[before:]
    assert event["details"]["why"] == "unsigned"


def test_a_replayed_request_is_refused_and_recorded(manchester, stockport_key):
    request = _request(stockport_key)
    assert _post(manchester, request).status_code == 200
    before = len(manchester.events())

    again = _post(manchester, request)

    assert again.status_code == 401
    assert again.json()["type"].endswith("/problems/replayed")
    (event,) = manchester.events()[before:]
    assert (event["action"], event["details"]["why"]) == ("peer.lookup_refused", "replayed")


def test_a_peer_it_does_not_answer_is_refused_and_recorded(manchester, bolton_key):
    before = len(manchester.events())

    response = _post(manchester, _request(bolton_key, kid=BOLTON))

    assert response.status_code == 403
    assert response.json()["type"].endswith("/problems/answering-off")
    (event,) = manchester.events()[before:]
    assert event["details"] == {
        "why": "answering-off",
        "detail": "This deployment does not answer yours",
        "peer": BOLTON,
    }


BAD_INPUT = {
    "an invalid NHS number": (
        {"subjects": [{"nhs_number": "9434765918", "date_of_birth": "1986-07-14"}]},
        "subjects[0].nhs_number: is not a valid NHS number",
    ),
    "a date that is no date": (
        {"subjects": [{"nhs_number": OTHER_NHS, "date_of_birth": "14/07/1986"}]},
        "subjects[0].date_of_birth: is not a date as YYYY-MM-DD",
    ),
    "a date without its dashes": (
        {"subjects": [{"nhs_number": OTHER_NHS, "date_of_birth": "20150505"}]},
        "subjects[0].date_of_birth: is not a date as YYYY-MM-DD",
    ),
    "a week date": (
        {"subjects": [{"nhs_number": OTHER_NHS, "date_of_birth": "2015-W18-2"}]},
        "subjects[0].date_of_birth: is not a date as YYYY-MM-DD",
    ),
    "too many subjects": (
        {"subjects": [{"nhs_number": OTHER_NHS, "date_of_birth": "2015-05-05"}] * 51},
        "subjects: List should have at most 50 items",
    ),
    "a NUL byte": (
        {"case_reference": "CASE\x009"},
        "the request holds a NUL byte or another control character",
    ),
    "no case reference": ({"case_reference": ""}, "case_reference: String should have at least 1"),
}


@pytest.mark.parametrize("kind", list(BAD_INPUT))
def test_bad_input_gets_a_clear_400_and_changes_nothing(manchester, stockport_key, kind):
    changes, said = BAD_INPUT[kind]
    before = len(manchester.events())
    seen = manchester.seen_requests()

    response = _post(manchester, _request(stockport_key, **changes))

    assert response.status_code == 400, response.text
    assert said in response.json()["detail"]
    assert "Traceback" not in response.text
    assert manchester.seen_requests() == seen
    (event,) = manchester.events()[before:]
    assert event["action"] == "peer.lookup_refused"
    assert event["details"]["why"] == "bad-request"
    assert OTHER_NHS not in json.dumps(event) and "9434765918" not in json.dumps(event)


def test_a_huge_body_is_refused_before_it_is_read(manchester, stockport_key):
    before = len(manchester.events())

    response = _post(manchester, b"x" * (protocol.MAX_BODY_BYTES + 1))

    assert response.status_code == 413
    (event,) = manchester.events()[before:]
    assert event["details"]["why"] == "too-large"


def test_a_payload_that_is_not_json_is_refused(manchester, stockport_key):
    from joserfc import jws

    token = jws.serialize_compact(
        {"alg": "Ed25519", "kid": STOCKPORT, "typ": protocol.REQUEST_TYPE},
        b"{not json",
        stockport_key.okp,
        algorithms=["Ed25519"],
    )

    response = _post(manchester, token)

    assert response.status_code == 400
    assert response.json()["detail"] == "the signed payload is not JSON"


def test_the_shielded_mother_is_answered_held_with_the_duty_line_and_nothing_else(
    manchester, stockport_key
):
    subjects = [{"nhs_number": MOTHER_NHS, "date_of_birth": MOTHER_BORN.isoformat()}]

    answer = _answered(manchester, _request(stockport_key, subjects=subjects))

    assert answer["answers"] == [
        {
            "nhs_number": MOTHER_NHS,
            "services": [],
            "held": {"council": COUNCIL, "duty_line": "0161 234 5001"},
        }
    ]


def test_a_date_of_birth_that_differs_is_no_match(manchester, stockport_key):
    subjects = [{"nhs_number": BROTHER_NHS, "date_of_birth": BROTHER_BORN.isoformat()}]
    before = len(manchester.events())

    answer = _answered(manchester, _request(stockport_key, subjects=subjects))

    assert answer["answers"] == [{"nhs_number": BROTHER_NHS, "services": [], "held": None}]
    (event,) = manchester.events()[before:]
    assert event["subjects"] == [] and event["details"]["matched"] == 0


def _answered(manchester, request: str) -> dict:
    response = _post(manchester, request)
    assert response.status_code == 200, response.text
    return json.loads(protocol.jws.extract_compact(response.content).payload)
