"""Every page needs a signed-in user, except the sign-in page and static files."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse


class SignInRequiredMiddleware:
    """Deny by default: a page is public only if it is listed here."""

    PUBLIC_PREFIXES = ("/static/",)
    PUBLIC_NAMES = ("web:sign-in", "web:health")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not self._is_public(request.path):
            return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
        return self.get_response(request)

    def _is_public(self, path: str) -> bool:
        if path.startswith(self.PUBLIC_PREFIXES):
            return True
        return path in {reverse(name) for name in self.PUBLIC_NAMES}
