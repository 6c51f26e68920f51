"""Every page needs a signed-in user, except public ones; signed-in sessions end on time."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers

from familyview.access.policy import SESSION_CHECKED, staff_for
from familyview.access.rules import PUBLIC, rule_of
from familyview.access.sessions import SessionEnd, check_session
from familyview.access.sign_in import record_session_end
from familyview.web.client_address import client_address


class SignInRequiredMiddleware:
    """Deny by default: only static files and views marked @public are open to anyone.

    Pages for signed-in users are never stored by browsers or proxies: they show data
    about families and must not survive signing out on a shared computer.
    """

    PUBLIC_PREFIXES = ("/static/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not self._is_public(request.path_info):
            sign_in = reverse(settings.LOGIN_URL)
            if request.path == "/":
                return redirect(sign_in)
            return redirect(f"{sign_in}?{urlencode({'next': request.get_full_path()})}")
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response

    def _is_public(self, path: str) -> bool:
        if path.startswith(self.PUBLIC_PREFIXES):
            return True
        try:
            match = resolve(path)
        except Resolver404:
            return False
        return rule_of(match.func) == PUBLIC


SIGNED_OUT_BECAUSE = {
    SessionEnd.IDLE: "You were signed out because you had not used Family View for {idle}. "
    "Sign in again to carry on.",
    SessionEnd.TOO_LONG: "You were signed out because you had been signed in for {absolute}. "
    "Sign in again to carry on.",
    SessionEnd.ENDED: "You were signed out because your account changed. Sign in again to "
    "carry on.",
}


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{round(seconds)} seconds"
    minutes = round(seconds / 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


WARN_BEFORE_SECONDS = 180


def session_time_out() -> dict[str, int | str]:
    """The idle time-out and how long before it the pages warn (seconds, and in words)."""
    idle = int(settings.FAMILYVIEW_SESSION_IDLE_TIMEOUT.total_seconds())
    warn = min(WARN_BEFORE_SECONDS, idle // 2)
    return {"idle": idle, "warn": warn, "warn_in_words": _duration(warn)}


class SessionLimitsMiddleware:
    """End a signed-in session that has been idle too long, has lasted too long, or whose
    account has changed (disabled, roles changed, second factor reset) since it began.

    The request then goes on as a signed-out one: the sign-in page says why.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            why = check_session(request.session, request.user)
            if why is not None:
                record_session_end(staff_for(request.user), why.value, client_address(request))
                logout(request)
                messages.info(
                    request,
                    SIGNED_OUT_BECAUSE[why].format(
                        idle=_duration(settings.FAMILYVIEW_SESSION_IDLE_TIMEOUT.total_seconds()),
                        absolute=_duration(
                            settings.FAMILYVIEW_SESSION_ABSOLUTE_TIMEOUT.total_seconds()
                        ),
                    ),
                )
            else:
                # The roles the session remembers are the account's (access.policy).
                setattr(request, SESSION_CHECKED, True)
        return self.get_response(request)
