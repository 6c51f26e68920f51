"""Asking the neighbouring councils about a family: a worker's one action, one audit event.

`ask_neighbours` reads the family through the one door (reads/door.py: permission, the
person's authority, the purpose in force, break-glass), then sends, for the child and each
family member whose records give one valid NHS number and a full date of birth, only that
number and date, with the worker's name, role and council, the purpose and the case
reference, to every neighbour this council asks, all at once, and waits for them at most
FAMILYVIEW_PEERS_TIME_LIMIT seconds. A neighbour that has not answered by then, cannot be
reached, or answers with something that does not check against its key, "did not
answer"; one that refuses (a 4xx problem) "refused". The door's one event records who was
asked about, each neighbour's outcome and what its answer showed.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings

from familyview.access.policy import PersonAccess
from familyview.access.purpose import purpose_for
from familyview.audit.actions import Action
from familyview.audit.models import Level
from familyview.families.network import FamilyMember, FamilyNetwork
from familyview.identity.persons import person_details
from familyview.identity.queries import nhs_numbers_of
from familyview.peers import protocol
from familyview.peers.keys import PeerKeyError, deployment_key, peer_key
from familyview.peers.models import Peer
from familyview.peers.registry import ON_THIS_MACHINE
from familyview.reads.door import Caller, Outcome, Shown, open_family

logger = logging.getLogger(__name__)

DID_NOT_ANSWER = "did_not_answer"
REFUSED = "refused"
ANSWERED = "answered"


@dataclass(frozen=True)
class PeerReply:
    """One neighbour's reply to one request."""

    peer: str  # its registered name
    council: str  # the council's name as it answered (its registered name otherwise)
    outcome: Literal["answered", "did_not_answer", "refused"]
    # What it answered of each person asked about, by person id (when answered).
    answers: dict[str, protocol.Answer] = field(default_factory=dict)
    why: str = ""  # for a refusal or no answer, in a few words

    @property
    def display_name(self) -> str:
        """The council's name as it answered; for one that did not, its registered name in
        words ("east-sussex" as "East Sussex")."""
        if self.council != self.peer:
            return self.council
        return " ".join(self.peer.replace("_", "-").split("-")).title()

    @property
    def outcome_words(self) -> str:
        return {ANSWERED: "Answered", DID_NOT_ANSWER: "Did not answer", REFUSED: "Refused"}[
            self.outcome
        ]


@dataclass(frozen=True)
class NeighboursAsked:
    """What the page shows: who was asked about, who could not be, each neighbour's reply."""

    asked: tuple[FamilyMember, ...]
    not_asked: tuple[FamilyMember, ...]  # no valid NHS number or no full date of birth
    replies: tuple[PeerReply, ...]
    time_limit: float

    def for_person(self, person_id: str) -> list[tuple[PeerReply, protocol.Answer | None]]:
        """Each neighbour's reply about one person (its answer, when it answered)."""
        return [(reply, reply.answers.get(person_id)) for reply in self.replies]


def time_limit() -> float:
    """How long a worker's question waits for every neighbour, in seconds."""
    return float(settings.FAMILYVIEW_PEERS_TIME_LIMIT)


def asking_is_set_up() -> bool:
    """Whether this deployment has a name to ask its neighbours by (no query: the family
    page offers the button on it)."""
    return bool(settings.FAMILYVIEW_PEER_NAME)


def neighbours_asked_by(authority_id: int) -> list[Peer]:
    """The neighbours this council asks (asking switched on), by name."""
    return list(Peer.objects.filter(authority_id=authority_id, ask=True).order_by("name"))


def ask_neighbours(caller: Caller, person_id: str) -> Outcome:
    """Ask every neighbour about the child's family, through the one door: `Opened` with
    `NeighboursAsked` as its content, or the door's refusal (no purpose, break-glass...)."""
    return open_family(caller, person_id, Action.FAMILY_NEIGHBOURS_ASKED, show=_asker(caller))


def _asker(caller: Caller):
    def show(network: FamilyNetwork, access: PersonAccess) -> Shown[NeighboursAsked]:
        purpose = purpose_for(caller.state, network.child.person_id)
        assert purpose is not None and access.membership is not None  # the door saw to both
        members = network.members
        ids = [m.person_id for m in members]
        numbers = nhs_numbers_of(ids, access.authority_id)
        people = person_details(ids, [access.authority_id], network.today)
        subjects: dict[str, protocol.Subject] = {}
        for m in members:
            born = people[m.person_id].date_of_birth.as_date if m.person_id in people else None
            if m.person_id in numbers and born is not None:
                subjects[m.person_id] = protocol.Subject(
                    nhs_number=numbers[m.person_id], date_of_birth=born.isoformat()
                )
        worker = protocol.Worker(
            name=getattr(caller.staff, "display_name", "") or caller.staff.username,
            role=access.membership.role,
            council=access.membership.authority_name,
        )
        peers = neighbours_asked_by(access.authority_id) if asking_is_set_up() else []
        limit = time_limit()
        replies = ask(peers, subjects, worker, purpose.description, purpose.case_reference, limit)
        asked = NeighboursAsked(
            asked=tuple(m for m in members if m.person_id in subjects),
            not_asked=tuple(m for m in members if m.person_id not in subjects),
            replies=tuple(replies),
            time_limit=limit,
        )
        # The page names everyone in the family (asked about or not): all are subjects.
        return Shown(
            ids,
            Level.SERVICE_DETAIL,
            {
                "child": network.child.person_id,
                "asked_about": list(subjects),
                "time_limit_seconds": limit,
                "peers": {r.peer: r.outcome for r in replies},
                "shown": {
                    r.peer: {
                        pid: "held" if a.held else [s.category for s in a.services]
                        for pid, a in r.answers.items()
                        if a.held or a.services
                    }
                    for r in replies
                    if r.outcome == ANSWERED
                },
            },
            asked,
        )

    return show


def ask(
    peers: list[Peer],
    subjects: dict[str, protocol.Subject],
    worker: protocol.Worker,
    purpose: str,
    case_reference: str,
    limit: float,
) -> list[PeerReply]:
    """Send one signed request to each peer at once; each reply, in the peers' order.
    Waits at most `limit` seconds for all of them."""
    if not peers or not subjects:
        return []  # no one asked: nothing sent
    me = settings.FAMILYVIEW_PEER_NAME
    try:
        key = deployment_key()
    except (PeerKeyError, OSError) as e:
        logger.error("Neighbouring councils cannot be asked: %s", e)
        why = "this deployment's key cannot be used: tell your administrator"
        return [PeerReply(p.name, p.name, DID_NOT_ANSWER, why=why) for p in peers]
    order = list(subjects)
    pool = ThreadPoolExecutor(max_workers=len(peers), thread_name_prefix="ask-neighbour")
    futures = {}
    for peer in peers:
        claims = protocol.request_claims(me, peer.name)
        payload = {
            **claims,
            "worker": worker.model_dump(),
            "purpose": purpose,
            "case_reference": case_reference,
            "subjects": [subjects[pid].model_dump() for pid in order],
        }
        token = protocol.sign(payload, key, kid=me, typ=protocol.REQUEST_TYPE)
        futures[peer.name] = pool.submit(
            _send,
            peer,
            token,
            claims["jti"],
            {pid: subjects[pid].nhs_number for pid in order},
            limit,
        )
    done, _late = wait(futures.values(), timeout=limit)
    # The late ones are left to end on their own time-out (the same limit): the page
    # does not wait for them.
    pool.shutdown(wait=False, cancel_futures=True)
    replies = []
    for peer in peers:
        future = futures[peer.name]
        if future in done and future.exception() is None:
            replies.append(future.result())
        elif future in done:
            # A fault of ours, not the neighbour's answer: said in the log, by kind only.
            logger.error("Asking %s failed: %s", peer.name, type(future.exception()).__name__)
            replies.append(PeerReply(peer.name, peer.name, DID_NOT_ANSWER, why="a fault here"))
        else:
            replies.append(PeerReply(peer.name, peer.name, DID_NOT_ANSWER, why="no answer in time"))
    return replies


def _send(peer: Peer, token: str, jti: str, numbers: dict[str, str], limit: float) -> PeerReply:
    """One request to one peer, and its answer checked against the peer's key (and
    against the question: the same NHS numbers, in the same order)."""
    order = list(numbers)
    me = settings.FAMILYVIEW_PEER_NAME

    def no_answer(why: str) -> PeerReply:
        return PeerReply(peer.name, peer.name, DID_NOT_ANSWER, why=why)

    deadline = time.monotonic() + limit
    address = urlsplit(peer.url)
    if address.scheme != "https" and address.hostname not in ON_THIS_MACHINE:
        # Registered before https was required: the request would cross the network in
        # clear (its signature stops it being changed, not read).
        return no_answer("its address is not https://: tell your administrator")
    try:
        response = requests.post(
            peer.url.rstrip("/") + protocol.LOOKUP_PATH,
            data=token.encode(),
            headers={"Content-Type": protocol.CONTENT_TYPE, "Accept": protocol.CONTENT_TYPE},
            timeout=limit,
            allow_redirects=False,
            stream=True,
        )
        with response:
            body = _read_answer(response, deadline)
    except _TooSlow:
        return no_answer("no answer in time")
    except (requests.RequestException, OSError, urllib3.exceptions.HTTPError):
        return no_answer("could not be reached, or no answer in time")
    if 400 <= response.status_code < 500:
        return PeerReply(peer.name, peer.name, REFUSED, why=_problem_title(body))
    if response.status_code != 200:
        return no_answer(f"answered with an error ({response.status_code})")
    if len(body) > protocol.MAX_ANSWER_BYTES:
        return no_answer("its answer was too large")
    try:
        envelope = protocol.open_envelope(body)
        if envelope.kid != peer.name or envelope.typ != protocol.ANSWER_TYPE:
            raise protocol.BadSignature("not an answer signed by this peer")
        payload = protocol.checked_payload(envelope, peer_key(peer.public_key))
        answer = protocol.read_message(payload, protocol.LookupAnswer)
    except (protocol.NotSigned, protocol.BadSignature, protocol.BadMessage, PeerKeyError):
        return no_answer("its answer did not check against its key")
    if (
        answer.iss != peer.name
        or answer.aud != me
        or answer.in_reply_to != jti
        or [a.nhs_number for a in answer.answers] != [numbers[pid] for pid in order]
    ):
        return no_answer("its answer was not to this question")
    return PeerReply(
        peer.name,
        answer.council or peer.name,
        ANSWERED,
        dict(zip(order, answer.answers, strict=True)),
    )


class _TooSlow(Exception):
    """The neighbour was still sending its answer when the time limit passed."""


def _read_answer(response: requests.Response, deadline: float) -> bytes:
    """The answer's body, no more than an answer can be (one byte over says too large),
    read a piece at a time until the time limit: a neighbour that drips its answer a few
    bytes at a time, each within the read time-out, is hung up on once the limit passes
    rather than holding the connection (and this deployment's thread) for as long as it
    likes."""
    body = bytearray()
    while len(body) <= protocol.MAX_ANSWER_BYTES:
        if time.monotonic() > deadline:
            raise _TooSlow
        # At most one read from the connection, each within the read time-out.
        piece = response.raw.read1(protocol.MAX_ANSWER_BYTES + 1 - len(body), decode_content=True)
        if not piece:
            break
        body += piece
    return bytes(body)


def _problem_title(body: bytes) -> str:
    """A refusal's title, as the neighbour's problem details give it."""
    try:
        title: Any = json.loads(body).get("title", "")
    except (ValueError, AttributeError):
        title = ""
    return str(title)[:200] or "refused"
