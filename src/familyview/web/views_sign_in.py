"""Signing in and out: a local account's password then security code, or the council's
single sign-on. The rules live in access/sign_in.py and access/single_sign_on.py.

Until the second factor is checked nobody is signed in: the session only remembers whose
password was right (for a few minutes), and login() then starts a session under a new
identifier (and CSRF token).
"""

import logging
import math
import time
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from joserfc.errors import JoseError

from familyview.access import second_factor
from familyview.access import sign_in as local
from familyview.access import single_sign_on as sso
from familyview.access.policy import Permission, Staff, has, staff_for, staff_in_session
from familyview.access.rules import public, signed_in
from familyview.access.sign_in import Step
from familyview.web.client_address import client_address
from familyview.web.forms import (
    WRONG_SECURITY_CODE,
    WRONG_USERNAME_OR_PASSWORD,
    SecurityCodeForm,
    SignInForm,
    error_list,
    field_error,
)

log = logging.getLogger(__name__)

PENDING = "familyview.sign_in_pending"
SSO_NEXT = "familyview.sso_next"
# How long the password stays checked while the user finds their phone.
PENDING_SECONDS = 10 * 60
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _locked_message() -> str:
    """The same words whoever is locked out, and whether or not the account exists."""
    minutes = max(1, math.ceil(settings.FAMILYVIEW_SIGN_IN_LOCKOUT.total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return (
        f"You have tried to sign in too many times. Wait {minutes} {unit}, then try again, "
        "or ask your Family View administrator"
    )


def _home(user: AbstractBaseUser, next_url: str | None, staff: Staff | None = None) -> str:
    """Where a member of staff lands once signed in: the page they were going to; else,
    for anyone who searches, the search (every case starts there, with their recent
    families and news of their reports); else the home page."""
    if next_url:
        return next_url
    if has(staff or staff_for(user), Permission.SEARCH_PEOPLE):
        return reverse("web:search")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@public
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next_url(request)
    if request.user.is_authenticated:
        return redirect(_home(request.user, next_url))
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and settings.FAMILYVIEW_LOCAL_SIGN_IN and form.is_valid():
        attempt = local.check_password(
            form.cleaned_data["username"], form.cleaned_data["password"], client_address(request)
        )
        if attempt.step in (Step.CODE, Step.SET_UP):
            return _password_checked(request, attempt.user, attempt.step, next_url)
        if attempt.step == Step.LOCKED:
            return _sign_in_page(request, form, next_url, _locked_message())
        form.add_error("username", WRONG_USERNAME_OR_PASSWORD)
    return _sign_in_page(request, form, next_url)


def _sign_in_page(
    request: HttpRequest, form: SignInForm, next_url: str | None, problem: str = ""
) -> HttpResponse:
    """The sign-in page; a problem (a lock) replaces the form's own errors."""
    config = sso.sso_settings()
    sso_url = None
    if config is not None:
        sso_url = reverse("web:sign-in-sso")
        if next_url:
            sso_url = f"{sso_url}?{urlencode({'next': next_url})}"
    return render(
        request,
        "web/sign_in.html",
        {
            "form": form,
            "next_url": next_url,
            "local_sign_in": settings.FAMILYVIEW_LOCAL_SIGN_IN,
            "sso_url": sso_url,
            "sso_button_text": config.button_text if config else "",
            "error_list": [{"text": problem, "href": "#username"}] if problem else error_list(form),
            "username_error": {"text": problem} if problem else field_error(form, "username"),
            "password_error": None if problem else field_error(form, "password"),
        },
    )


def _password_checked(
    request: HttpRequest, user: AbstractBaseUser, step: Step, next_url: str | None
) -> HttpResponse:
    """Remember (briefly) whose password was right, under a new session identifier."""
    request.session.cycle_key()
    request.session[PENDING] = {
        "user_id": user.pk,
        "since": int(time.time()),
        "next": next_url or "",
    }
    return redirect("web:sign-in-code" if step == Step.CODE else "web:sign-in-set-up")


def _pending_user(request: HttpRequest) -> tuple[AbstractBaseUser | None, dict]:
    """The user whose password was checked in this session, if it was checked lately."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None, {}
    if int(time.time()) - int(pending.get("since", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, {}
    user = get_user_model().objects.filter(pk=pending.get("user_id"), is_active=True).first()
    return user, pending


def _start_again(request: HttpRequest) -> HttpResponse:
    request.session.pop(PENDING, None)
    messages.info(request, "Your sign-in timed out. Enter your username and password again.")
    return redirect("web:sign-in")


def _locked_out(request: HttpRequest) -> HttpResponse:
    """Back to the sign-in page, with the lock explained in its error summary."""
    request.session.pop(PENDING, None)
    return _sign_in_page(request, SignInForm(), None, _locked_message())


@public
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step: the security code from the authenticator app."""
    if request.user.is_authenticated:
        return redirect(_home(request.user, None))
    user, pending = _pending_user(request)
    if user is None:
        return _start_again(request)
    if not second_factor.account_of(user).has_second_factor:
        return redirect("web:sign-in-set-up")
    form = SecurityCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        attempt = local.check_code(user, form.cleaned_data["code"], client_address(request))
        if attempt.step == Step.SIGNED_IN:
            return _start_session(request, user, pending.get("next") or None, "password_and_code")
        if attempt.step == Step.LOCKED:
            return _locked_out(request)
        form.add_error("code", WRONG_SECURITY_CODE)
    return render(
        request,
        "web/sign_in_code.html",
        {"form": form, "error_list": error_list(form), "code_error": field_error(form, "code")},
    )


@public
@sensitive_post_parameters("code")
@sensitive_variables("secret")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_set_up(request: HttpRequest) -> HttpResponse:
    """First sign-in (or after an administrator's reset): set up an authenticator app."""
    if request.user.is_authenticated:
        return redirect(_home(request.user, None))
    user, pending = _pending_user(request)
    if user is None:
        return _start_again(request)
    if second_factor.account_of(user).has_second_factor:
        return redirect("web:sign-in-code")
    secret = pending.get("secret")
    if not secret:
        # One secret for the whole set-up, so that reloading the page keeps the QR code.
        secret = second_factor.new_secret()
        request.session[PENDING] = {**pending, "secret": secret}
    form = SecurityCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        attempt = local.set_up_code(
            user, secret, form.cleaned_data["code"], client_address(request)
        )
        if attempt.step == Step.SIGNED_IN:
            messages.success(request, "Your authenticator app is set up.")
            return _start_session(request, user, pending.get("next") or None, "password_and_code")
        if attempt.step == Step.LOCKED:
            return _locked_out(request)
        form.add_error("code", WRONG_SECURITY_CODE)
    staff = staff_for(user)
    authorities = {m.authority_name for m in staff.memberships} if staff else set()
    enrolment = second_factor.enrolment_for(
        user, secret, authorities.pop() if len(authorities) == 1 else ""
    )
    return render(
        request,
        "web/sign_in_set_up.html",
        {
            "form": form,
            "enrolment": enrolment,
            "error_list": error_list(form),
            "code_error": field_error(form, "code"),
        },
    )


def _start_session(
    request: HttpRequest, user: AbstractBaseUser, next_url: str | None, method: str, **details
) -> HttpResponse:
    """Both factors are right (or the council's provider vouched): sign in.

    login() gives the session a new identifier and CSRF token (no session fixation) and
    stamps it with its start (access/sessions.py, through the user_logged_in signal).
    """
    request.session.pop(PENDING, None)
    with transaction.atomic():  # no session without its audit event
        login(request, user, backend=MODEL_BACKEND)
        # The roles are read here, once, and kept in the session for its pages.
        staff = staff_in_session(request.session, user)
        local.record_sign_in(staff, method, client_address(request), **details)
    return redirect(_home(user, next_url, staff))


def _safe_next_url(request: HttpRequest) -> str | None:
    """The page to return to after signing in, only if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


@public
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm; only a POST (with its CSRF token) signs out."""
    if request.method == "POST":
        local.record_sign_out(staff_for(request.user), client_address(request))
        logout(request)
        messages.success(request, "You have signed out.")
        return redirect(settings.LOGIN_URL)
    return render(request, "web/sign_out.html")


@signed_in
@never_cache
@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """'Stay signed in' from the time-out warning: the request itself notes the session
    as used (SessionLimitsMiddleware); a session already ended is sent to sign in."""
    return HttpResponse(status=204)


@public
@never_cache
@require_safe
def sign_in_sso(request: HttpRequest) -> HttpResponse:
    """Off to the council's identity provider (authorization code flow with PKCE)."""
    config = sso.sso_settings()
    if config is None:
        return redirect("web:sign-in")
    if request.user.is_authenticated:
        return redirect(_home(request.user, _safe_next_url(request)))
    request.session[SSO_NEXT] = _safe_next_url(request) or ""
    redirect_uri = settings.FAMILYVIEW_OIDC_REDIRECT_URI or request.build_absolute_uri(
        reverse("web:sign-in-sso-callback")
    )
    try:
        return sso.oidc_client(config).authorize_redirect(request, redirect_uri)
    except (requests.RequestException, ValueError, KeyError) as e:
        log.warning("single sign-on: the identity provider did not answer: %s", type(e).__name__)
        return _sso_problem(request, "unavailable", status=503)


@public
@never_cache
@require_safe
def sign_in_sso_callback(request: HttpRequest) -> HttpResponse:
    """Back from the council's identity provider: check the token, sign the user in."""
    config = sso.sso_settings()
    if config is None:
        return redirect("web:sign-in")
    address = client_address(request)
    client = sso.oidc_client(config)
    try:
        token = client.authorize_access_token(
            request, claims_options=sso.id_token_claims_options(client)
        )
        claims = token.get("userinfo")
        if not claims:
            raise OAuthError(error="no_id_token")
        identity = sso.identity_from_claims(dict(claims), config.team_claim)
        user = sso.staff_user_for(identity)
    except sso.SingleSignOnRefused as refused:
        _sso_refused(refused.username, address, f"sso_{refused.reason.value}")
        return _sso_problem(request, refused.reason.value, status=403)
    except OAuthError as e:
        _sso_refused("", address, f"sso_{e.error or 'error'}"[:100])
        return _sso_problem(request, "failed", status=400)
    except (JoseError, requests.RequestException, ValueError, KeyError) as e:
        _sso_refused("", address, f"sso_{type(e).__name__}")
        return _sso_problem(request, "failed", status=400)
    next_url = request.session.pop(SSO_NEXT, "") or None
    return _start_session(request, user, next_url, "single_sign_on", issuer=identity.issuer)


def _sso_refused(username: str, address: str, reason: str) -> None:
    local.record_sign_in_refused(username, address, reason)


SSO_PROBLEMS = {
    "no_role": "Your council account does not have a Family View role. Ask your Family "
    "View administrator to give you one.",
    "disabled": "Your Family View account has been disabled. Ask your Family View administrator.",
    "unavailable": "Single sign-on is not working at the moment. Try again later.",
}
SSO_PROBLEM_OTHERWISE = (
    "You could not be signed in with your council account. Try again, or ask your Family "
    "View administrator."
)


def _sso_problem(request: HttpRequest, problem: str, status: int) -> HttpResponse:
    return render(
        request,
        "web/sign_in_sso_problem.html",
        {
            "message": SSO_PROBLEMS.get(problem, SSO_PROBLEM_OTHERWISE),
            "local_sign_in": settings.FAMILYVIEW_LOCAL_SIGN_IN,
        },
        status=status,
    )
