"""The Permissions-Policy header: browser features no page of Family View uses are turned
off, so that a script that got in anyway could not reach a camera, a microphone or the
browser's location. Django has no setting for it; the value is settings.PERMISSIONS_POLICY.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
