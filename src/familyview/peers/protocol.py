"""The cross-border protocol's messages, signatures and limits (docs/peers.md).

A request is a JWS in compact form (RFC 7515), signed with the asking deployment's Ed25519
key (`alg` "Ed25519", RFC 9864: EdDSA over Ed25519, the name that replaced "EdDSA"), whose
payload is the JSON of `LookupRequest` with `iss` (the asker's name), `aud` (the answerer's
name), `iat`, `exp` (at most MAX_LIFETIME after `iat`) and a one-time `jti`. The answer is
a JWS of the same kind, signed by the answerer, whose payload is `LookupAnswer`, tied to
the request by `in_reply_to`. Refusals are problem details (RFC 9457), unsigned: they say
nothing about anyone.

Only NHS numbers and dates of birth go out; only services, teams, lead professionals' work
contacts, duty lines and dates come back. Never a name, an address or a note.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from familyview.sources.validation import nhs_number_is_valid

ALGORITHM = "Ed25519"
REQUEST_TYPE = "familyview-lookup+jws"
ANSWER_TYPE = "familyview-answer+jws"
CONTENT_TYPE = "application/jose"
LOOKUP_PATH = "/peer/v1/lookup"
# A request lives a minute; one that claims longer is refused.
LIFETIME_SECONDS = 60
MAX_LIFETIME_SECONDS = 120
# Clocks differ a little between councils' servers.
CLOCK_LEEWAY_SECONDS = 30
MAX_SUBJECTS = 50
# 50 subjects and the worker's details fit in a fraction of this.
MAX_BODY_BYTES = 64 * 1024
# An answer of 50 people, each with their services, fits in a fraction of this.
MAX_ANSWER_BYTES = 1024 * 1024

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Subject(_Message):
    """One person asked about: only their NHS number and date of birth."""

    nhs_number: str
    date_of_birth: str

    @field_validator("nhs_number")
    @classmethod
    def _valid_nhs_number(cls, value: str) -> str:
        if not nhs_number_is_valid(value):
            raise ValueError("is not a valid NHS number (10 digits, modulus 11 check)")
        return value

    @field_validator("date_of_birth")
    @classmethod
    def _a_full_date(cls, value: str) -> str:
        try:
            # Only the extended calendar form: fromisoformat also reads "20160309" and
            # week dates, which no one sends for a date of birth.
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
            born = date.fromisoformat(value)
        except ValueError:
            raise ValueError("is not a date as YYYY-MM-DD") from None
        if born > date.today():
            raise ValueError("is not a date of birth as YYYY-MM-DD")
        return value


class Worker(_Message):
    """Who is asking, at the asking council."""

    name: Line
    role: Short
    council: Line


class LookupRequest(_Message):
    """The payload of a signed request."""

    iss: Name
    aud: Name
    iat: int
    exp: int
    jti: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,64}$")]
    worker: Worker
    # "Other: " and a worker's own words fit (the audit log keeps 500).
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    case_reference: Short
    subjects: Annotated[list[Subject], Field(min_length=1, max_length=MAX_SUBJECTS)]


class Contact(_Message):
    name: str
    role: str
    phone: str
    email: str


class Service(_Message):
    """One service involved with a person, as the answering council's rules show it."""

    service: str  # the service's name, "Probation"
    category: str  # its category's code, "probation"
    status: Literal["current", "historic", "not_recorded", ""]
    start_date: str | None
    end_date: str | None
    last_contact_date: str | None
    team: str
    organisation: str
    lead_professional: Contact | None
    # Why there is no lead professional: a sensitive service, none recorded.
    withheld: str
    duty_line: str
    data_current_as_of: str | None

    # As dates, for the page to say in words (None when absent or not a date).

    @property
    def started(self) -> date | None:
        return _day(self.start_date)

    @property
    def ended(self) -> date | None:
        return _day(self.end_date)

    @property
    def current_as_of(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.data_current_as_of or "")
        except ValueError:
            return None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


class Held(_Message):
    """The answering council holds something it does not share: call it."""

    council: str
    duty_line: str


class Answer(_Message):
    """What the answering council shows of one subject (in the order asked)."""

    nhs_number: str
    services: list[Service]
    held: Held | None


class LookupAnswer(_Message):
    """The payload of a signed answer."""

    iss: Name
    aud: Name
    iat: int
    exp: int
    in_reply_to: str
    council: str
    answers: list[Answer]


# ---- signing and checking -----------------------------------------------------------------


def sign(payload: dict[str, Any], key: OKPKey, *, kid: str, typ: str) -> str:
    """The payload as a compact JWS signed with this deployment's key."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return jws.serialize_compact(
        {"alg": ALGORITHM, "kid": kid, "typ": typ}, body, key, algorithms=[ALGORITHM]
    )


def request_claims(sender: str, receiver: str, now: float | None = None) -> dict[str, Any]:
    """The claims every request carries: who sends it, to whom, when, until when, once."""
    issued = int(now if now is not None else time.time())
    return {
        "iss": sender,
        "aud": receiver,
        "iat": issued,
        "exp": issued + LIFETIME_SECONDS,
        "jti": uuid.uuid4().hex,
    }


class NotSigned(ValueError):
    """The body is not a compact JWS of ours: unsigned, or not a signature at all."""


class BadSignature(ValueError):
    """The signature does not check against the key registered for its signer."""


@dataclass(frozen=True)
class Envelope:
    """A JWS read but not yet checked: who says they signed it, and of what type."""

    kid: str
    typ: str
    token: str


def open_envelope(body: bytes) -> Envelope:
    """The signer a compact JWS names, before its signature is checked (raises NotSigned)."""
    try:
        token = body.decode("ascii").strip()
        headers = jws.extract_compact(token.encode()).headers()
    except (UnicodeDecodeError, JoseError, ValueError, TypeError):
        raise NotSigned("the body is not a signed request (a JWS in compact form)") from None
    if headers.get("alg") != ALGORITHM:
        raise NotSigned(f"the request is not signed with {ALGORITHM} (its alg is not)")
    kid, typ = headers.get("kid"), headers.get("typ")
    if not isinstance(kid, str) or not isinstance(typ, str):
        raise NotSigned("the signature's header names no signer (kid) or type (typ)")
    return Envelope(kid, typ, token)


def checked_payload(envelope: Envelope, key: OKPKey) -> bytes:
    """The signed payload, once the signature checks against the key (raises BadSignature)."""
    try:
        return jws.deserialize_compact(envelope.token, key, algorithms=[ALGORITHM]).payload
    except (JoseError, ValueError):
        raise BadSignature(
            "the signature does not match the key registered for its signer"
        ) from None


class BadMessage(ValueError):
    """A signed payload that is not a message of the protocol; the text says where."""


def read_message(payload: bytes, model: type[_Message]) -> Any:
    """The payload as one of the protocol's messages (raises BadMessage naming the field)."""
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError):
        raise BadMessage("the signed payload is not JSON") from None
    if not isinstance(document, dict):
        raise BadMessage("the signed payload is not a JSON object")
    if b"\x00" in payload or _holds_control_characters(document):
        raise BadMessage(
            "the request holds a NUL byte or another control character, which Family View "
            "does not accept"
        )
    try:
        return model.model_validate(document)
    except ValidationError as e:
        raise BadMessage("; ".join(_where(error) for error in e.errors()[:5])) from None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _holds_control_characters(document: Any) -> bool:
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str) and _CONTROL.search(value):
            return True
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _where(error: Any) -> str:
    place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{place or 'the request'}: {message}"
