"""Every page and API endpoint declares who may open it; one that declares nothing is
refused.

`@requires(Permission.X)` lets in a signed-in member of staff holding X in at least one
authority (which records it may then show is the domain's business, scoped by
access.policy); `@public` marks the few addresses anyone may open (sign-in, health, the
API's document); `@signed_in` those any member of staff may open because they show no
one's data. The rule is written on the view, so the deny-by-default middleware of the
pages and of the API, and the authorisation-matrix test, read pages and endpoints alike.

A refusal is audited here and raised as Django's `PermissionDenied`: the pages answer it
with their 403 page, the API with problem details.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from familyview.access.policy import Permission, has, staff_of
from familyview.access.refusals import refuse_permission

RULE_ATTRIBUTE = "familyview_access_rule"
PUBLIC = "public"
SIGNED_IN = "signed_in"
# What the audit log records of the system a request came through (the API sets it: which
# client, or the pages' session); pages set nothing.
CALLER_ATTRIBUTE = "familyview_caller"

View = Callable[..., Any]


def requires(permission: Permission) -> Callable[[View], View]:
    """Only staff holding this permission (in some authority) may open it; anyone else is
    refused, and the refusal is audited."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs):
            if not has(staff_of(request), permission):
                refuse(request, f"needs the {permission.value} permission")
            return view(request, *args, **kwargs)

        setattr(checked, RULE_ATTRIBUTE, permission)
        return checked

    return decorate


def public(view: View) -> View:
    """Anyone may open it, signed in or not."""
    setattr(view, RULE_ATTRIBUTE, PUBLIC)
    return view


def signed_in(view: View) -> View:
    """Any signed-in member of staff may open it (it shows no one's data)."""
    setattr(view, RULE_ATTRIBUTE, SIGNED_IN)
    return view


def rule_of(view: View) -> Permission | str | None:
    """The access rule a view declares (None: it declares none and is refused)."""
    return getattr(view, RULE_ATTRIBUTE, None)


def refuse(request: HttpRequest, why: str) -> NoReturn:
    """Refuse the request (403), recording the refusal in the audit log."""
    refuse_permission(
        staff_of(request), why, where=url_name(request), details=caller_details(request)
    )
    raise PermissionDenied(why)


def url_name(request: HttpRequest) -> str:
    """The name of the page or endpoint asked for, for the audit log."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


def caller_details(request: HttpRequest) -> dict[str, Any]:
    """What the audit log records of the system the request came through."""
    return dict(getattr(request, CALLER_ATTRIBUTE, None) or {})
