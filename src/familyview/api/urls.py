"""The API's addresses: /api/v1/... and the reference API's /api/..., each URL carrying
the access rule its endpoints declare (the deny-by-default middleware and the
authorisation matrix read it there)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from familyview.access.rules import PUBLIC, RULE_ATTRIBUTE, public, rule_of
from familyview.api.api import TITLE, VERSION, api

app_name = "api"


def _with_rules(patterns: list) -> list:
    """Write each endpoint's declared rule on the view Django calls for its URL. Every
    operation at one address must declare the same rule; the OpenAPI document and the
    API root show no one's data and are public."""
    operations = {}
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                operations.setdefault(operation.url_name, set()).add(rule_of(operation.view_func))
    for pattern in patterns:
        if pattern.name in ("openapi-json", "api-root"):
            rule = PUBLIC
        else:
            rules = operations.get(pattern.name, {None})
            if len(rules) != 1 or None in rules:
                raise RuntimeError(f"API endpoint {pattern.name} must declare one access rule")
            (rule,) = rules
        setattr(pattern.callback, RULE_ATTRIBUTE, rule)
    return patterns


@public
def index(request: HttpRequest) -> JsonResponse:
    """What is here: the API's versions and its OpenAPI document."""
    return JsonResponse(
        {
            "title": TITLE,
            "versions": {VERSION: "/api/v1/"},
            "openapi": "/api/v1/openapi.json",
            "reference_api": "The Family Context reference API's endpoints, under /api/",
        }
    )


def _own_index(patterns: list) -> list:
    """The API's root answers with its index (django-ninja's would be a 404 without its
    interactive docs, which are off: the document itself is the API's description)."""
    return [path("", index, name="api-root") if p.name == "api-root" else p for p in patterns]


urlpatterns = _with_rules(_own_index(api.urls[0]))
