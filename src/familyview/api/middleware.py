"""Authentication, rate limits, the first access checks and error shapes for everything
under /api/.

Sits before the pages' sign-in middleware: an API call is authenticated here, either by
an API client's bearer token naming the member of staff it acts for (X-Acting-User), or
by the pages' own signed-in session (with a CSRF token for unsafe methods). A call with
neither gets 401 in JSON, never the sign-in page. Then the caller's rate limit applies.
Whatever error comes back from further in (the URL resolver's 404, the deny-by-default
middleware's 403, an uncaught exception's 500), it leaves as problem details.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import Resolver404, resolve

from familyview.access.policy import Permission, has, staff_of
from familyview.access.refusals import refuse_acting_user
from familyview.access.rules import CALLER_ATTRIBUTE, PUBLIC, refuse, rule_of
from familyview.api.access import api_client_details
from familyview.api.clients import acting_staff, client_for_token
from familyview.api.problems import (
    PROBLEM_CONTENT_TYPE,
    ApiProblem,
    forbidden,
    generic_problem,
    problem_response,
)
from familyview.api.rate_limits import RateLimit, default_limit, take_token, user_limit
from familyview.api.reads import caller_of
from familyview.api.state import acting_state
from familyview.reads import door

API_PREFIX = "/api/"
API_URLCONF = "familyview.api.root_urls"
ACTING_USER_HEADER = "X-Acting-User"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
# Headers of an error response that still mean something once it is problem details.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")

logger = logging.getLogger(__name__)


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, refusing without rendering its failure page."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return HttpResponseForbidden(reason)


def _unauthenticated(detail: str) -> ApiProblem:
    return ApiProblem(
        401,
        detail,
        kind="unauthenticated",
        title="Authentication is needed",
        headers={"WWW-Authenticate": 'Bearer realm="Family View API"'},
    )


class ApiMiddleware:
    """Authenticates API calls, applies rate limits, and answers every error as problem
    details."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        # Resolve the API alone, with its own error handlers (problem details, no page).
        request.urlconf = API_URLCONF
        try:
            self._authenticate(request)
            setattr(request, CALLER_ATTRIBUTE, api_client_details(request))
            self._limit_rate(request)
        except ApiProblem as problem:
            return problem_response(request, problem)
        response = self.get_response(request)
        state = getattr(request, "api_state", None)
        if state is not None:
            state.save()
        return self._as_problem(request, response)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        """Refuse before anything of the request is read: a role without the endpoint's
        permission (403, audited), and a person the caller may not look at (404, as if
        absent), whatever the body says."""
        if not request.path_info.startswith(API_PREFIX):
            return None
        rule = rule_of(view_func)
        if not isinstance(rule, Permission):
            return None
        try:
            if not has(staff_of(request), rule):
                refuse(request, f"needs the {rule.value} permission")
            person_id = view_kwargs.get("person_id") or view_kwargs.get("personId")
            if person_id and request.method != "HEAD":
                caller = caller_of(request, with_purpose=False)
                if door.check_person(caller, person_id, rule) is None:
                    raise ApiProblem(404, "There is no such person.", kind="no-such-person")
        except PermissionDenied:
            return problem_response(request, forbidden())
        except ApiProblem as problem:
            return problem_response(request, problem)
        return None

    # Authentication

    def _authenticate(self, request: HttpRequest) -> None:
        request.api_client = None
        request.api_state = None
        authorization = request.headers.get("Authorization", "")
        if authorization:
            self._authenticate_client(request, authorization)
            return
        if request.user.is_authenticated:
            if request.method not in SAFE_METHODS:
                self._check_csrf(request)
            return
        if not self._is_public(request):
            raise _unauthenticated(
                "Send an API client's bearer token (Authorization: Bearer ...) and the "
                "member of staff it acts for (X-Acting-User), or sign in."
            )

    def _authenticate_client(self, request: HttpRequest, authorization: str) -> None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthenticated("Use an API client's bearer token: Authorization: Bearer ...")
        client = client_for_token(token)
        if client is None:
            raise _unauthenticated("The bearer token is not valid: it is wrong or was revoked.")
        request.api_client = client
        username = request.headers.get(ACTING_USER_HEADER, "")
        if not username:
            if self._is_public(request):
                return
            raise _unauthenticated(
                f"Name the member of staff this call is made for in the {ACTING_USER_HEADER} "
                "header (their Family View username)."
            )
        acting = acting_staff(client, username)
        if acting is None:
            refuse_acting_user(client.authority_id, username, api_client_details(request))
            raise _unauthenticated(
                f"{ACTING_USER_HEADER} does not name an active member of staff of "
                f"{client.authority.name}."
            )
        user, staff = acting
        request.user = user
        # access.policy.staff_of reads this: only the roles in the client's authority.
        request._familyview_staff = staff
        request.api_state = acting_state(client, user.pk)

    def _check_csrf(self, request: HttpRequest) -> None:
        from django.middleware.csrf import CsrfViewMiddleware

        refused = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})
        if refused is not None:
            raise ApiProblem(
                403,
                "A signed-in session must send its CSRF token (the X-CSRFToken header) "
                "with every POST.",
                kind="csrf",
                title="The CSRF token is missing or wrong",
            )

    def _is_public(self, request: HttpRequest) -> bool:
        try:
            match = resolve(request.path_info, urlconf=API_URLCONF)
        except Resolver404:
            return False
        return rule_of(match.func) == PUBLIC

    # Rate limits

    def _limit_rate(self, request: HttpRequest) -> None:
        """A client's calls count against the member of staff it acts for, then against
        the client: a user past their own allowance is refused without spending the
        client's, so the other users of that case system still get through."""
        client = request.api_client
        if client is not None:
            limit = default_limit()
            if client.rate_per_minute:
                limit = RateLimit(client.rate_per_minute, limit.burst)
            if request.user.is_authenticated:
                per_user = user_limit()
                self._take(
                    f"client:{client.pk}:user:{request.user.pk}",
                    per_user,
                    f"Too many calls for {request.user.get_username()} through "
                    f"{client.name}: at most {per_user.rate_per_minute} a minute for each "
                    "member of staff.",
                )
            self._take(
                f"client:{client.pk}",
                limit,
                f"Too many calls from {client.name}: at most {limit.rate_per_minute} a minute.",
            )
        elif request.user.is_authenticated:
            limit = default_limit()
            self._take(
                f"user:{request.user.pk}",
                limit,
                f"Too many calls: at most {limit.rate_per_minute} a minute.",
            )

    def _take(self, key: str, limit: RateLimit, detail: str) -> None:
        wait = take_token(key, limit)
        if wait:
            raise ApiProblem(
                429,
                f"{detail} Try again in {wait} seconds.",
                kind="rate-limited",
                title="Too many calls",
                headers={"Retry-After": str(wait)},
            )

    # Errors

    def _as_problem(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE):
            return response
        problem = generic_problem(response.status_code)
        for name in KEPT_HEADERS:
            if name in response:
                problem.headers[name] = response[name]
        return problem_response(request, problem)
