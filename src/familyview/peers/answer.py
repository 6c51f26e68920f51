"""Answering a neighbouring council: one signed request in, one signed answer (or a
refusal) out, and one audit event either way (docs/peers.md).

The request is checked in this order, each failure a problem-details refusal recorded in
the audit log as `peer.lookup_refused` with its reason: this deployment has a name to be
asked by (404) and a key to sign its answer with (503); the body is small enough (413);
it is a signed request (401 unsigned); its signer is a registered peer (401
unknown-peer); the signature checks against that peer's key (401 bad-signature);
answering that peer is switched on (403); the payload is a lookup (400, naming the field:
an NHS number failing its check, a date, too many subjects, a NUL byte); it was signed
by that peer for this deployment (401); it is within its lifetime (401 expired); its
one-time id is new (401 replayed). Only then is anything of the persons read.

Each subject is matched exactly: a record still held gives the NHS number, and the
person's date of birth (as their records show it, identity/persons.py) is the one asked.
What is answered is what this deployment's own display rules let a practitioner here see
(families/network.py, involvements/display.py), the services involved now or recently
ended only, never a name or an address. A shielded person is answered "held", with this
council's duty line and nothing else; a sensitive service is answered with its name and
duty line only. Each decision not to share is recorded with its reason.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from familyview.access.models import Authority
from familyview.audit.actions import Action
from familyview.audit.events import record_event
from familyview.audit.models import Level
from familyview.families.network import Viewer, person_services
from familyview.identity.persons import person_details
from familyview.identity.queries import persons_with_nhs_numbers
from familyview.involvements.display import ServiceInvolvement
from familyview.peers import protocol
from familyview.peers.keys import PeerKeyError, deployment_key, peer_key
from familyview.peers.models import Peer, SeenRequest

logger = logging.getLogger(__name__)

# A neighbour's worker sees what a practitioner here would: the least any role sees.
PEER_VIEWER_ROLE = "practitioner"
PROBLEM_CONTENT_TYPE = "application/problem+json"


@dataclass(frozen=True)
class Actor:
    """A neighbouring deployment, as the audit log records who acted (`audit.events.Actor`)."""

    username: str
    user_id: None = None
    memberships: tuple = ()


@dataclass(frozen=True)
class Reply:
    """The HTTP answer: a status, a body and its content type."""

    status: int
    body: bytes
    content_type: str


class Refusal(Exception):
    """A request refused: the status, the problem's kind and what to say."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        peer: Peer | None = None,
        claimed: Peer | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail, self.peer = status, kind, detail, peer
        # The neighbour a request named but whose signature did not check: anyone can
        # write its name, so the refusal is not recorded as its own.
        self.claimed = claimed


TITLES = {
    "not-set-up": "This deployment does not answer neighbouring councils",
    "cannot-sign": "This deployment cannot answer now",
    "too-large": "The request is too large",
    "unsigned": "The request is not signed",
    "unknown-peer": "The request is signed by a deployment not registered here",
    "bad-signature": "The signature does not check",
    "answering-off": "Answering this deployment is switched off",
    "bad-request": "The request is not a lookup this deployment can answer",
    "wrong-audience": "The request is not addressed to this deployment",
    "expired": "The request has expired",
    "replayed": "The request has been answered already",
}


def answer_lookup(body: bytes, *, length: int | None = None) -> Reply:
    """Answer one inbound request (the body as sent), or refuse it; audited either way."""
    try:
        return _answer(body, length)
    except Refusal as refused:
        _record_refusal(refused)
        problem = {
            "type": f"{protocol.LOOKUP_PATH}/problems/{refused.kind}",
            "title": TITLES[refused.kind],
            "status": refused.status,
            "detail": refused.detail,
        }
        return Reply(refused.status, json.dumps(problem).encode(), PROBLEM_CONTENT_TYPE)


def _answer(body: bytes, length: int | None) -> Reply:
    me = settings.FAMILYVIEW_PEER_NAME
    if not me:
        raise Refusal(404, "not-set-up", "This deployment has no name for neighbours to ask it by")
    try:
        # Before anything is read: an answer that could not be signed must not be recorded.
        key = deployment_key()
    except (PeerKeyError, OSError) as e:
        logger.error("Neighbouring councils cannot be answered: %s", e)
        raise Refusal(503, "cannot-sign", "This deployment cannot sign answers now") from None
    if (length or 0) > protocol.MAX_BODY_BYTES or len(body) > protocol.MAX_BODY_BYTES:
        raise Refusal(413, "too-large", f"A request may be at most {protocol.MAX_BODY_BYTES} bytes")
    try:
        envelope = protocol.open_envelope(body)
    except protocol.NotSigned as e:
        raise Refusal(401, "unsigned", str(e)) from None
    if envelope.typ != protocol.REQUEST_TYPE:
        raise Refusal(401, "unsigned", f"the signature's type is not {protocol.REQUEST_TYPE}")
    peer = Peer.objects.select_related("authority").filter(name=envelope.kid).first()
    if peer is None:
        raise Refusal(401, "unknown-peer", "No deployment of that name is registered here")
    try:
        payload = protocol.checked_payload(envelope, peer_key(peer.public_key))
    except (protocol.BadSignature, PeerKeyError) as e:
        raise Refusal(401, "bad-signature", str(e), claimed=peer) from None
    if not peer.answer:
        raise Refusal(403, "answering-off", "This deployment does not answer yours", peer)
    try:
        request = protocol.read_message(payload, protocol.LookupRequest)
    except protocol.BadMessage as e:
        raise Refusal(400, "bad-request", str(e), peer) from None
    if request.iss != peer.name or request.aud != me:
        raise Refusal(401, "wrong-audience", f"the request must be from {peer.name} to {me}", peer)
    now = timezone.now().timestamp()
    leeway = protocol.CLOCK_LEEWAY_SECONDS
    if not 0 < request.exp - request.iat <= protocol.MAX_LIFETIME_SECONDS:
        raise Refusal(
            401,
            "expired",
            f"a request may live at most {protocol.MAX_LIFETIME_SECONDS} seconds",
            peer,
        )
    if request.exp + leeway < now or request.iat - leeway > now:
        raise Refusal(401, "expired", "the request is outside its lifetime (exp, iat)", peer)
    expires = datetime.fromtimestamp(request.exp + leeway, UTC)
    with transaction.atomic():
        SeenRequest.objects.filter(expires_at__lt=timezone.now()).delete()
        try:
            with transaction.atomic():
                SeenRequest.objects.create(peer=peer, request_id=request.jti, expires_at=expires)
        except IntegrityError:
            raise Refusal(401, "replayed", "this request id has been seen already", peer) from None
        answers, matched, returned, withheld = _answers(peer, request)
        record_event(
            Actor(f"peer:{peer.name}"),
            Action.PEER_LOOKUP_ANSWERED,
            level=Level.SERVICE_DETAIL if matched else Level.SEARCH,
            subjects=matched,
            purpose=request.purpose,
            case_reference=request.case_reference,
            authority_id=peer.authority_id,
            details={
                "peer": peer.name,
                "agreement": peer.agreement,
                "request_id": request.jti,
                "worker": request.worker.model_dump(),
                "subjects_asked": len(request.subjects),
                "matched": len(matched),
                "returned": returned,
                "withheld": withheld,
            },
        )
    signed = protocol.sign(
        {
            "iss": me,
            "aud": peer.name,
            "iat": int(now),
            "exp": int(now) + protocol.LIFETIME_SECONDS,
            "in_reply_to": request.jti,
            "council": peer.authority.name,
            "answers": [a.model_dump() for a in answers],
        },
        key,
        kid=me,
        typ=protocol.ANSWER_TYPE,
    )
    return Reply(200, signed.encode(), protocol.CONTENT_TYPE)


def _answers(
    peer: Peer, request: protocol.LookupRequest
) -> tuple[list[protocol.Answer], list[str], dict[str, list[str]], list[dict[str, str]]]:
    """Each subject's answer, the persons matched, what was returned of each (services by
    category) and what was withheld (person, service, why)."""
    authority = peer.authority
    by_number = persons_with_nhs_numbers({s.nhs_number for s in request.subjects}, authority.pk)
    today = timezone.localdate()
    people = person_details(
        sorted({pid for ids in by_number.values() for pid in ids}), [authority.pk], today
    )
    held = protocol.Held(council=authority.name, duty_line=peer.duty_line)
    matches = [
        sorted(
            pid
            for pid in by_number.get(subject.nhs_number, ())
            if pid in people
            and people[pid].date_of_birth.as_date == date.fromisoformat(subject.date_of_birth)
        )
        for subject in request.subjects
    ]
    # Only the persons matched are read further, and not their families.
    shown = person_services(
        sorted({pid for persons in matches for pid in persons if not people[pid].shielded}),
        Viewer(PEER_VIEWER_ROLE, authority.pk),
        today,
    )
    answers, matched = [], []
    returned: dict[str, list[str]] = {}
    withheld: list[dict[str, str]] = []
    for subject, persons in zip(request.subjects, matches, strict=True):
        services: list[protocol.Service] = []
        is_held = False
        for pid in persons:
            matched.append(pid)
            if people[pid].shielded:
                is_held = True
                withheld.append({"person": pid, "why": "shielded: answered with the duty line"})
                continue
            recent = [i for i in shown[pid][1] if i.recent] if pid in shown else []
            returned[pid] = [i.service_category for i in recent if not i.summary_only]
            for inv in recent:
                if inv.summary_only:
                    withheld.append(
                        {"person": pid, "service": inv.service_category, "why": "sensitive service"}
                    )
                services.append(_service(inv, authority.name))
        answers.append(
            protocol.Answer(
                nhs_number=subject.nhs_number,
                services=[] if is_held else services,
                held=held if is_held else None,
            )
        )
    return answers, matched, returned, withheld


def _service(inv: ServiceInvolvement, council: str) -> protocol.Service:
    lead = inv.lead_professional
    return protocol.Service(
        service=inv.service_name,
        category=inv.service_category,
        status=inv.status,  # type: ignore[arg-type]
        start_date=_iso(inv.start_date),
        end_date=_iso(inv.end_date),
        last_contact_date=_iso(inv.last_contact_date),
        team=inv.team,
        organisation=inv.organisation,
        lead_professional=protocol.Contact(
            name=lead.name, role=lead.role, phone=lead.phone, email=lead.email
        )
        if lead
        else None,
        withheld=f"Held by {council}: call the service's duty line"
        if inv.summary_only
        else inv.withheld_briefly,
        duty_line=inv.duty_phone,
        data_current_as_of=_iso(inv.source.data_current_as_of),
    )


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def _record_refusal(refused: Refusal) -> None:
    details: dict[str, Any] = {"why": refused.kind, "detail": refused.detail[:300]}
    peer = refused.peer
    if peer is not None:
        details["peer"] = peer.name
    claimed = refused.claimed
    if claimed is not None:
        details["claimed"] = claimed.name
    named = peer or claimed
    record_event(
        Actor(f"peer:{peer.name}" if peer else "peer:unknown"),
        Action.PEER_LOOKUP_REFUSED,
        outcome="refused",
        details=details,
        # The council whose agreement the request named sees it, signed or not.
        authority_id=named.authority_id if named else _the_only_council(),
    )


def _the_only_council() -> int | None:
    """A refusal that names no registered neighbour belongs to this deployment's council,
    so that its privacy officer sees it; with several councils here, to none of them."""
    councils = list(Authority.objects.values_list("pk", flat=True)[:2])
    return councils[0] if len(councils) == 1 else None
