"""Every page declares who may open it; a page that declares nothing is refused.

`@requires(Permission.X)` lets in a signed-in member of staff holding X in at least one
authority (which records the page may then show is the domain's business, scoped by
access.policy); `@public` marks the few pages anyone may open (sign-in, health). The
AccessRuleMiddleware refuses any view without one of these, so a new URL is closed until
someone decides its rule, and the authorisation-matrix test fails until it is listed.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from familyview.access.policy import Permission, has, staff_of
from familyview.access.refusals import refuse_permission

RULE_ATTRIBUTE = "familyview_access_rule"
PUBLIC = "public"
SIGNED_IN = "signed_in"

View = Callable[..., HttpResponse]


def requires(permission: Permission) -> Callable[[View], View]:
    """Only staff holding this permission (in some authority) may open the page."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not has(staff_of(request), permission):
                refuse(request, f"needs the {permission.value} permission")
            return view(request, *args, **kwargs)

        setattr(checked, RULE_ATTRIBUTE, permission)
        return checked

    return decorate


def public(view: View) -> View:
    """Anyone may open the page, signed in or not."""
    setattr(view, RULE_ATTRIBUTE, PUBLIC)
    return view


def signed_in(view: View) -> View:
    """Any signed-in member of staff may open the page (it shows no one's data)."""
    setattr(view, RULE_ATTRIBUTE, SIGNED_IN)
    return view


def rule_of(view: View) -> Permission | str | None:
    """The access rule a view declares (None: it declares none and is refused)."""
    return getattr(view, RULE_ATTRIBUTE, None)


def refuse(request: HttpRequest, why: str) -> None:
    """Refuse the request (403), recording the refusal in the audit log."""
    refuse_permission(staff_of(request), why, where=url_name(request))
    raise PermissionDenied(why)


def url_name(request: HttpRequest) -> str:
    """The name of the page asked for, for the audit log."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


class AccessRuleMiddleware:
    """Deny by default: a view that declares no access rule is never run."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: View, view_args, view_kwargs):
        if rule_of(view_func) is None:
            refuse(request, "the page declares no access rule")
        return None
