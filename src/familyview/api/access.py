"""Who may call which endpoint, and on what terms: the API's side of access.policy.

Every endpoint declares its rule in one place, with `@requires(Permission.X)`, `@public`
or `@signed_in`. The rule is written on the URL's view under the attribute the pages use
(`familyview_access_rule`), so the deny-by-default middleware and the authorisation
matrix read API endpoints exactly as they read pages. Person-level checks, purposes of
access, break-glass and the audit event of each read are the one door's
(reads/door.py, through api/reads.py); this module reads the purpose headers.
"""

from collections.abc import Callable, MutableMapping
from functools import wraps
from typing import Any

from django.http import HttpRequest

from familyview.access.policy import Permission, has, staff_of
from familyview.access.purpose import Purpose, PurposeOfAccess
from familyview.access.refusals import refuse_permission
from familyview.api.problems import ApiProblem, FieldProblem

# The same attribute and values as familyview.web.permissions (tests/api checks they
# agree): the API does not import the web layer.
RULE_ATTRIBUTE = "familyview_access_rule"
PUBLIC = "public"
SIGNED_IN = "signed_in"

PURPOSE_HEADER = "X-Purpose"
PURPOSE_OTHER_HEADER = "X-Purpose-Other"
CASE_REFERENCE_HEADER = "X-Case-Reference"


def rule_of(view: Callable) -> Permission | str | None:
    """The access rule a view declares (None: none, and the middleware refuses it)."""
    return getattr(view, RULE_ATTRIBUTE, None)


def requires(permission: Permission) -> Callable[[Callable], Callable]:
    """Only staff holding this permission (in some authority) may call the endpoint;
    anyone else is refused with 403, and the refusal is audited."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs):
            if not has(staff_of(request), permission):
                refuse(request, f"needs the {permission.value} permission")
            return view(request, *args, **kwargs)

        setattr(checked, RULE_ATTRIBUTE, permission)
        return checked

    return decorate


def public(view: Callable) -> Callable:
    """Anyone may call the endpoint (it shows no one's data)."""
    setattr(view, RULE_ATTRIBUTE, PUBLIC)
    return view


def signed_in(view: Callable) -> Callable:
    """Any authenticated member of staff may call the endpoint (it shows no one's data)."""
    setattr(view, RULE_ATTRIBUTE, SIGNED_IN)
    return view


# Audit


def api_client_details(request: HttpRequest) -> dict[str, Any]:
    """What the audit log records of the calling system: which client, or the pages'
    session."""
    client = getattr(request, "api_client", None)
    if client is None:
        return {"via": "api-session"}
    return {"via": "api-client", "api_client": client.name, "api_client_key": client.key_id}


def refuse(request: HttpRequest, why: str) -> None:
    """Refuse the call (403), recording the refusal in the audit log."""
    refuse_permission(
        staff_of(request), why, where=url_name(request), details=api_client_details(request)
    )
    raise ApiProblem(403, "You do not have permission to do this.", kind="forbidden")


# People


def url_name(request: HttpRequest) -> str:
    """The name of the endpoint called, for the audit log."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


def state_of(request: HttpRequest) -> MutableMapping[str, Any]:
    """What is remembered for the caller: the browser session, or the API client's
    acting session for this user."""
    state = getattr(request, "api_state", None)
    if state is not None:
        return state
    return request.session


# Purpose of access


def purpose_from_headers(request: HttpRequest) -> PurposeOfAccess | None:
    """The purpose given in this call's headers; None when none is given. A purpose
    that is given but wrong is refused with 400 naming the header."""
    purpose = request.headers.get(PURPOSE_HEADER, "").strip()
    other = request.headers.get(PURPOSE_OTHER_HEADER, "").strip()
    reference = request.headers.get(CASE_REFERENCE_HEADER, "").strip()
    if not (purpose or other or reference):
        return None
    errors = []
    if purpose not in Purpose.values:
        errors.append(
            FieldProblem("header", PURPOSE_HEADER, f"Give one of: {', '.join(Purpose.values)}")
        )
    if not reference:
        errors.append(
            FieldProblem("header", CASE_REFERENCE_HEADER, "Give the case or referral reference")
        )
    if not errors:
        try:
            return PurposeOfAccess(Purpose(purpose), other, reference)
        except ValueError as e:
            field = PURPOSE_OTHER_HEADER if "words" in str(e) else CASE_REFERENCE_HEADER
            if "purpose must be" in str(e):
                field = PURPOSE_OTHER_HEADER
            errors.append(FieldProblem("header", field, _sentence(str(e))))
    raise ApiProblem(
        400,
        "The purpose of access is not right: " + "; ".join(e.detail for e in errors) + ".",
        kind="invalid-purpose",
        errors=errors,
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
