"""A hostile or broken neighbour on the asking side (issue 20): whatever it sends back, and
however slowly, the asker keeps to its time limit (docs/peers.md, "Asking")."""

import base64
import json
import socket
import threading
import time

import pytest

from familyview.access.factories import create_authority
from familyview.peers import ask, protocol
from familyview.peers.registry import add_peer
from tests.peers.conftest import AGREEMENT, STOCKPORT, Key
from tests.peers.test_across_borders import _ask, _register, _replies, _worker
from tests.peers.test_across_borders import family as the_thornburys

pytestmark = pytest.mark.django_db

WORKER = protocol.Worker(name="Sam Patel", role="practitioner", council="Stockport Council")
SUBJECT = protocol.Subject(nhs_number="9434765919", date_of_birth="2016-03-09")


def _claims(request: bytes) -> dict:
    """The claims of the request the asker sent (read unchecked: the test plays the peer)."""
    token = request.split(b"\r\n\r\n", 1)[1].decode()
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _read_request(connection: socket.socket) -> bytes:
    """The whole request the asker sent: its head, then as much body as it says."""
    request = b""
    while b"\r\n\r\n" not in request:
        request += connection.recv(65536)
    head, _, body = request.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


def _dripping_neighbour(
    key: Key, name: str, services: list[dict] | None = None, seconds: float = 4.0
) -> tuple[socket.socket, dict, threading.Event]:
    """A neighbour that answers properly, signed, but a few bytes at a time, each piece
    well within the asker's read time-out, for several times the asker's whole limit.
    `outcome["how"]` says whether it got the whole answer out or the asker hung up. Each
    person asked about is answered with `services` (none by default)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    outcome: dict = {}
    ended = threading.Event()

    def serve() -> None:
        try:
            connection, _ = server.accept()
        except OSError:
            return
        with connection:
            request = _read_request(connection)
            claims = _claims(request)
            answer = protocol.sign(
                {
                    "iss": name,
                    "aud": STOCKPORT,
                    "iat": int(time.time()),
                    "exp": int(time.time()) + 60,
                    "in_reply_to": claims["jti"],
                    "council": "Trafford Council",
                    "answers": [
                        {"nhs_number": s["nhs_number"], "services": services or [], "held": None}
                        for s in claims["subjects"]
                    ],
                },
                key.okp,
                kid=name,
                typ=protocol.ANSWER_TYPE,
            ).encode()
            response = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/jose\r\n"
                + f"Content-Length: {len(answer)}\r\nConnection: close\r\n\r\n".encode()
                + answer
            )
            pieces = [response[i : i + 16] for i in range(0, len(response), 16)]
            try:
                for piece in pieces:
                    connection.sendall(piece)
                    time.sleep(seconds / len(pieces))  # about 4 seconds in all, by default
                outcome["how"] = "delivered"
            except OSError:
                outcome["how"] = "hung up"
        ended.set()

    threading.Thread(target=serve, daemon=True).start()
    return server, outcome, ended


def test_a_neighbour_dripping_its_answer_is_hung_up_on_at_the_time_limit(stockport):
    trafford = Key.new()
    server, outcome, ended = _dripping_neighbour(trafford, "trafford")
    create_authority("stockport", "Stockport Council")
    peer = add_peer(
        "trafford",
        f"http://127.0.0.1:{server.getsockname()[1]}",
        trafford.public,
        agreement=AGREEMENT,
        authority_code="stockport",
        duty_line="0161 217 6028",
    )

    (reply,) = ask.ask([peer], {"p1": SUBJECT}, WORKER, "Section 47 enquiry", "CASE-1", 0.5)

    assert reply.outcome == ask.DID_NOT_ANSWER
    # Each piece came well within the read time-out, but the whole answer did not come
    # within the limit: the asker hung up rather than keep reading (its thread held).
    assert ended.wait(timeout=30)
    server.close()
    assert outcome["how"] == "hung up"


# ---- what a hostile neighbour's answer can put on the worker's page ----------------------

HOSTILE = {
    "service": "<script>alert('probation')</script>Probation",
    "category": "probation",
    "status": "current",
    "start_date": "2026-02-01",
    "end_date": None,
    "last_contact_date": None,
    "team": "<b>South</b>",
    "organisation": "Probation Service",
    "lead_professional": {
        "name": "Pat Okafor",
        "role": "Probation Officer",
        "phone": "javascript:alert(1)",
        "email": "pat.okafor@probation.example.gov.uk?bcc=collector@attacker.example&body=x",
    },
    "withheld": "",
    "duty_line": "0161 496 0500",
    "data_current_as_of": None,
}


family = the_thornburys  # the family in Stockport, a parent's NHS number known


def test_a_neighbours_answer_cannot_add_markup_or_hidden_recipients_to_the_page(family, settings):
    """A neighbour's answer is shown as text: no markup of its own, no tel: link that is
    not a number, and no mail link that would copy the worker's email to someone else."""
    trafford = Key.new()
    server, _, ended = _dripping_neighbour(trafford, "trafford", [HOSTILE], seconds=0)
    _register("trafford", f"http://127.0.0.1:{server.getsockname()[1]}", trafford.public)

    page = _ask(_worker(family), family)

    assert ended.wait(timeout=30)
    server.close()
    assert _replies(page, family.father)["trafford"].startswith(
        "<script>alert('probation')</script>Probation, <b>South</b>"
    )
    section = page.select_one(f"section[data-person='{family.father}']")
    assert section.select("script, b") == []
    hrefs = [a["href"] for a in section.select("a[href]")]
    assert not [h for h in hrefs if h.startswith("tel:") and "javascript" in h]
    mail = [h for h in hrefs if h.startswith("mailto:")]
    # The address as given is shown, but not linked: a link would carry its bcc.
    assert mail == []
    assert "pat.okafor@probation.example.gov.uk?bcc=collector@attacker.example" in (
        section.get_text().replace("\u200b", "")
    )


def test_a_neighbour_registered_at_plain_http_before_https_was_required_is_not_sent_to(
    stockport,
):
    """A registration made before `peers add` required https (docs/peers.md) is not sent
    NHS numbers in clear: it did not answer, and the administrator is told why."""
    from familyview.peers.models import Peer

    authority = create_authority("stockport", "Stockport Council")
    peer = Peer.objects.create(
        name="trafford",
        url="http://familyview.trafford.invalid",
        public_key=Key.new().public,
        agreement=AGREEMENT,
        authority=authority,
        duty_line="0161 217 6028",
    )

    (reply,) = ask.ask([peer], {"p1": SUBJECT}, WORKER, "Section 47 enquiry", "CASE-1", 0.5)

    assert reply.outcome == ask.DID_NOT_ANSWER
    assert reply.why == "its address is not https://: tell your administrator"
