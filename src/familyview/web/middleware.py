"""Every page needs a signed-in user, except the sign-in page and static files."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers


class SignInRequiredMiddleware:
    """Deny by default: a page is public only if it is listed here.

    Pages for signed-in users are never stored by browsers or proxies: they show data
    about families and must not survive signing out on a shared computer.
    """

    PUBLIC_PREFIXES = ("/static/",)
    PUBLIC_NAMES = ("web:sign-in", "web:health")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not self._is_public(request.path):
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
        return path in {reverse(name) for name in self.PUBLIC_NAMES}
