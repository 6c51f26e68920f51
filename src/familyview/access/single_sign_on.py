"""Single sign-on with OpenID Connect, as councils use Microsoft Entra ID.

The authorization code flow with PKCE (S256), through Authlib's Django client, which checks
the ID token's signature (the provider's published keys), issuer, audience, expiry and
nonce. From the token's claims:
- the authority is the one whose `sso_tenant_id` is the token's `tid` (Entra's tenant);
- the roles are the token's `roles` (Entra app roles whose values are Family View's role
  values: practitioner, team_manager, privacy_officer, data_steward, administrator);
- the member of staff is known by issuer and subject (`sub`), created at the first
  sign-in and updated at every one; their memberships are replaced by the token's.
The council's provider asks for the second factor (Conditional Access), not Family View.

Configured by FAMILYVIEW_OIDC_ISSUER, FAMILYVIEW_OIDC_CLIENT_ID and
FAMILYVIEW_OIDC_CLIENT_SECRET; with no issuer, only local sign-in is offered.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from familyview.access.models import Authority, Role, StaffAccount, StaffMembership

# Entra ID's multi-tenant metadata names the issuer with this placeholder for the tenant.
TENANT_PLACEHOLDER = "{tenantid}"
HTTP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class SingleSignOnSettings:
    issuer: str
    client_id: str
    client_secret: str
    button_text: str
    team_claim: str


def sso_settings() -> SingleSignOnSettings | None:
    """The single sign-on configuration, or None when the deployment has none."""
    issuer = getattr(settings, "FAMILYVIEW_OIDC_ISSUER", "")
    if not issuer:
        return None
    return SingleSignOnSettings(
        issuer=issuer.rstrip("/"),
        client_id=settings.FAMILYVIEW_OIDC_CLIENT_ID,
        client_secret=settings.FAMILYVIEW_OIDC_CLIENT_SECRET,
        button_text=settings.FAMILYVIEW_OIDC_BUTTON_TEXT,
        team_claim=settings.FAMILYVIEW_OIDC_TEAM_CLAIM,
    )


_clients: dict[SingleSignOnSettings, DjangoOAuth2App] = {}


def oidc_client(config: SingleSignOnSettings) -> DjangoOAuth2App:
    """Authlib's client for the provider; it reads the discovery document once."""
    client = _clients.get(config)
    if client is None:
        client = OAuth().register(
            name="council",
            client_id=config.client_id,
            client_secret=config.client_secret,
            server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": "openid profile email",
                "code_challenge_method": "S256",
                "default_timeout": HTTP_TIMEOUT_SECONDS,
            },
        )
        _clients[config] = client
    return client


def expected_issuer(metadata_issuer: str, tenant_id: str) -> str:
    """The issuer an ID token must name: Entra's multi-tenant metadata gives a template."""
    return metadata_issuer.replace(TENANT_PLACEHOLDER, tenant_id)


def id_token_claims_options(client: DjangoOAuth2App) -> dict[str, Any]:
    """How Authlib checks the issuer: exactly, or per tenant for a multi-tenant app."""
    metadata_issuer = client.load_server_metadata()["issuer"]

    def issuer_matches(claims, value) -> bool:
        return value == expected_issuer(metadata_issuer, str(claims.get("tid", "")))

    return {"iss": {"essential": True, "validate": issuer_matches}}


class Refusal(StrEnum):
    """Why a single sign-on was refused (for the audit log; the page says less)."""

    UNKNOWN_TENANT = "unknown_tenant"
    NO_ROLE = "no_role"
    DISABLED = "disabled"
    USERNAME_TAKEN = "username_taken"
    INCOMPLETE_TOKEN = "incomplete_token"  # noqa: S105 - a reason, not a secret


class SingleSignOnRefused(Exception):
    def __init__(self, reason: Refusal, username: str = ""):
        super().__init__(reason.value)
        self.reason = reason
        self.username = username


@dataclass(frozen=True)
class CouncilIdentity:
    """What Family View takes from a validated ID token."""

    issuer: str
    subject: str
    tenant_id: str
    username: str
    given_name: str
    family_name: str
    email: str
    roles: tuple[Role, ...]
    unknown_roles: tuple[str, ...]
    team: str


def identity_from_claims(claims: dict[str, Any], team_claim: str = "") -> CouncilIdentity:
    """Read the claims of a validated ID token; refuses a token without what is needed."""
    subject = str(claims.get("sub") or "")
    issuer = str(claims.get("iss") or "")
    username = str(claims.get("preferred_username") or claims.get("email") or "")[:150]
    if not subject or not issuer or not username:
        raise SingleSignOnRefused(Refusal.INCOMPLETE_TOKEN, username)
    raw_roles = claims.get("roles") or []
    if isinstance(raw_roles, str):
        raw_roles = [raw_roles]
    by_value = {role.value: role for role in Role}
    roles, unknown = [], []
    for value in raw_roles:
        role = by_value.get(str(value).strip().casefold())
        if role is None:
            unknown.append(str(value)[:100])
        elif role not in roles:
            roles.append(role)
    given, family = str(claims.get("given_name") or ""), str(claims.get("family_name") or "")
    if not given and not family and claims.get("name"):
        given, _, family = str(claims["name"]).partition(" ")
    return CouncilIdentity(
        issuer=issuer,
        subject=subject,
        tenant_id=str(claims.get("tid") or ""),
        username=username,
        given_name=given[:150],
        family_name=family[:150],
        email=str(claims.get("email") or "")[:254],
        roles=tuple(roles),
        unknown_roles=tuple(unknown),
        team=str(claims.get(team_claim) or "")[:100] if team_claim else "",
    )


def staff_user_for(identity: CouncilIdentity) -> AbstractBaseUser:
    """The member of staff the council's provider signed in: created or brought up to
    date, with exactly the roles the token carries, in the tenant's authority."""
    authority = (
        Authority.objects.filter(sso_tenant_id=identity.tenant_id).first()
        if identity.tenant_id
        else None
    )
    if authority is None:
        raise SingleSignOnRefused(Refusal.UNKNOWN_TENANT, identity.username)
    if not identity.roles:
        raise SingleSignOnRefused(Refusal.NO_ROLE, identity.username)
    user_model = get_user_model()
    with transaction.atomic():
        account = (
            StaffAccount.objects.select_for_update()
            .select_related("user")
            .filter(sso_issuer=identity.issuer, sso_subject=identity.subject)
            .first()
        )
        if account is None:
            if user_model.objects.filter(username=identity.username).exists():
                # Never join a council identity to a local account by its name: that
                # would let whoever controls the name at the provider take the account.
                raise SingleSignOnRefused(Refusal.USERNAME_TAKEN, identity.username)
            user = user_model(username=identity.username)
            user.set_unusable_password()
            user.save()
            account = StaffAccount.objects.create(
                user=user, sso_issuer=identity.issuer, sso_subject=identity.subject
            )
        user = account.user
        if not user.is_active:
            raise SingleSignOnRefused(Refusal.DISABLED, identity.username)
        wanted = {
            "username": identity.username,
            "first_name": identity.given_name,
            "last_name": identity.family_name,
            "email": identity.email,
        }
        changed = [field for field, value in wanted.items() if getattr(user, field) != value]
        if "username" in changed and (
            user_model.objects.filter(username=identity.username).exclude(pk=user.pk).exists()
        ):
            raise SingleSignOnRefused(Refusal.USERNAME_TAKEN, identity.username)
        if changed:
            for field in changed:
                setattr(user, field, wanted[field])
            user.save(update_fields=changed)
        _replace_memberships(user, authority, identity.roles, identity.team)
    return user


def _replace_memberships(
    user: AbstractBaseUser, authority: Authority, roles: tuple[Role, ...], team: str
) -> None:
    """Make the user's memberships exactly these; unchanged ones are left alone, so that
    signing in again with the same roles does not end the user's other sessions."""
    wanted = {(authority.pk, role.value, team) for role in roles}
    held = {(m.authority_id, m.role, m.team): m for m in StaffMembership.objects.filter(user=user)}
    for key, membership in held.items():
        if key not in wanted:
            membership.delete()
    for authority_id, role, team_name in sorted(wanted - held.keys()):
        StaffMembership.objects.create(
            user=user, authority_id=authority_id, role=role, team=team_name
        )
