"""API clients: issuing, checking and revoking their credentials, and who they act for.

A client belongs to one authority. Every call names the member of staff it is made for
(the X-Acting-User header); only that person's roles in the client's own authority apply,
so a client can never carry a user's roles in another council into this one.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from familyview.access.models import Authority
from familyview.access.policy import Staff, staff_for
from familyview.api.models import ApiClient

TOKEN_PREFIX = "fv"  # noqa: S105 - the prefix every token starts with, not a secret
_TOKEN = re.compile(r"^fv_([a-z0-9]{12})_([A-Za-z0-9_-]{40,100})$")
# Refreshing "last used" at most this often spares a write on every call.
LAST_USED_RESOLUTION_SECONDS = 60


class ClientError(ValueError):
    """A client cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True)
class IssuedClient:
    """A new client and its token: the token is shown once and never kept."""

    client: ApiClient
    token: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_client(
    authority: Authority, name: str, created_by: str = "", rate_per_minute: int | None = None
) -> IssuedClient:
    """Register a system to call the API for this authority, and make its token."""
    name = name.strip()
    if not name:
        raise ClientError("Give the client a name, e.g. the case management system's")
    if len(name) > 200:
        raise ClientError("The client's name must be 200 characters or fewer")
    if rate_per_minute is not None and rate_per_minute < 1:
        raise ClientError("The rate must be at least 1 call a minute")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(40)
    with transaction.atomic():
        if ApiClient.objects.filter(
            authority=authority, name=name, revoked_at__isnull=True
        ).exists():
            raise ClientError(f"{authority.name} already has a client called {name!r}")
        client = ApiClient.objects.create(
            authority=authority,
            name=name,
            key_id=key_id,
            secret_hash=_hash(secret),
            created_by=created_by,
            rate_per_minute=rate_per_minute,
        )
    return IssuedClient(client, f"{TOKEN_PREFIX}_{key_id}_{secret}")


def client_for_token(token: str) -> ApiClient | None:
    """The live client this token belongs to; None for a wrong, malformed or revoked one."""
    match = _TOKEN.match(token.strip())
    if match is None:
        return None
    key_id, secret = match.groups()
    client = (
        ApiClient.objects.select_related("authority")
        .filter(key_id=key_id, revoked_at__isnull=True)
        .first()
    )
    if client is None or not hmac.compare_digest(client.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if (
        client.last_used_at is None
        or (now - client.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


def revoke_client(key_id: str) -> ApiClient:
    """Stop a client's token working, at once and for good."""
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().filter(key_id=key_id).first()
        if client is None:
            raise ClientError(f"There is no API client with key id {key_id!r}")
        if client.revoked_at is None:
            client.revoked_at = timezone.now()
            client.save(update_fields=["revoked_at"])
    return client


def acting_staff(client: ApiClient, username: str):
    """The member of staff a client acts for, with only their roles in the client's
    authority; (user, Staff) or None when the name is not an active member of staff
    there (an unknown name and another council's user get the same None)."""
    username = username.strip()
    if not username or len(username) > 150:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    staff = staff_for(user)
    if staff is None:
        return None
    memberships = tuple(m for m in staff.memberships if m.authority_id == client.authority_id)
    if not memberships:
        return None
    return user, Staff(
        user_id=staff.user_id,
        username=staff.username,
        display_name=staff.display_name,
        memberships=memberships,
    )
