"""Deny by default: a page that declares no access rule (access/rules.py) is never run.

A new URL is closed until someone decides its rule, and the authorisation-matrix test
fails until it is listed.
"""

from django.http import HttpRequest, HttpResponse

from familyview.access.rules import View, refuse, rule_of


class AccessRuleMiddleware:
    """Refuses, audited, any view that declares no access rule."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: View, view_args, view_kwargs):
        if rule_of(view_func) is None:
            refuse(request, "the page declares no access rule")
        return None
