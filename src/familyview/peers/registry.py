"""The register of neighbouring deployments: adding one, switching asking and answering,
listing them. Each change is an audit event (`admin.peer_added`, `admin.peer_changed`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction

from familyview.access.models import Authority
from familyview.audit.actions import Action
from familyview.audit.events import record_event
from familyview.peers.keys import PREFIX, PeerKeyError, peer_key
from familyview.peers.models import Peer

ON_THIS_MACHINE = {"localhost", "127.0.0.1", "::1"}


class PeerRefused(ValueError):
    """A peer that cannot be registered as given (the message says what is wrong)."""


def add_peer(
    name: str,
    url: str,
    public_key: str,
    *,
    agreement: str,
    authority_code: str | None,
    duty_line: str,
    ask: bool = True,
    answer: bool = True,
) -> Peer:
    """Register a neighbouring deployment (or change the one of that name)."""
    try:
        validate_slug(name)
    except ValidationError:
        raise PeerRefused(
            f"the name {name!r} may hold only lower-case letters, digits, - and _"
        ) from None
    if name != name.lower() or len(name) > 40:
        raise PeerRefused(f"the name {name!r} must be lower case, at most 40 characters")
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise PeerRefused(f"{url!r} is not a web address (https://...)") from None
    # The request's signature stops it being changed, not read: NHS numbers, dates of
    # birth and the worker's purpose cross the network only under TLS. Plain http is for
    # a neighbour on this machine (the demo's, a test's).
    parts = urlsplit(url)
    if parts.scheme != "https" and parts.hostname not in ON_THIS_MACHINE:
        raise PeerRefused(f"{url!r} must be an https:// address (plain http only for this machine)")
    try:
        peer_key(public_key)
    except PeerKeyError as e:
        raise PeerRefused(str(e)) from None
    if not agreement.strip() or len(agreement) > 100:
        raise PeerRefused("--agreement must give the data-sharing agreement's reference")
    if not duty_line.strip() or len(duty_line) > 40:
        raise PeerRefused("--duty-line must give this council's duty line for that neighbour")
    authority = _authority(authority_code)
    fields = {
        "url": url,
        "public_key": PREFIX + public_key.strip().removeprefix(PREFIX),
        "agreement": agreement.strip(),
        "authority": authority,
        "duty_line": duty_line.strip(),
        "ask": ask,
        "answer": answer,
    }
    with transaction.atomic():
        peer, created = Peer.objects.update_or_create(name=name, defaults=fields)
        record_event(
            None,
            Action.ADMIN_PEER_ADDED if created else Action.ADMIN_PEER_CHANGED,
            authority_id=authority.pk,
            details={
                "peer": name,
                "url": url,
                "agreement": peer.agreement,
                "ask": ask,
                "answer": answer,
            },
        )
    return peer


def _authority(code: str | None) -> Authority:
    if code:
        authority = Authority.objects.filter(code=code).first()
        if authority is None:
            raise PeerRefused(f"no council here has the code {code!r}")
        return authority
    authorities = list(Authority.objects.all()[:2])
    if len(authorities) != 1:
        raise PeerRefused(
            "this deployment serves "
            + ("no council yet" if not authorities else "more than one council")
            + ": say which with --authority CODE"
        )
    return authorities[0]


def peers() -> list[Peer]:
    return list(Peer.objects.select_related("authority").order_by("name"))
