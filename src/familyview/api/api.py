"""The API as one NinjaAPI: Family View's own endpoints under /api/v1/ and the Family
Context reference API's under /api/, described by one OpenAPI 3 document generated from
the code (served at /api/v1/openapi.json, checked in as docs/openapi.json).

Authentication happens in ApiMiddleware, before any view; the auth classes here only
confirm it and describe it in the document. Every error is problem details.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from familyview.api import reference, v1
from familyview.api.examples import EXAMPLES, PROBLEM_EXAMPLES
from familyview.api.problems import (
    ApiProblem,
    FieldProblem,
    forbidden,
    generic_problem,
    problem_response,
)
from familyview.api.schemas import Problem

TITLE = "Family View API"
VERSION = "1"
DESCRIPTION = """\
Family View's JSON API: find a child, see their family network and the services around
each member, with who to call. Every call is made for a named member of staff, with
their roles and authority; reads of family data need a purpose of access and are audited.

Family View's own endpoints are under /api/v1/. The Family Context reference API's
endpoints are under /api/ in its own shapes. docs/api.md describes authentication,
purposes of access, errors, pagination and rate limits.
"""


class ApiClientBearer(HttpBearer):
    """An API client's bearer token with X-Acting-User (checked by ApiMiddleware)."""

    def __call__(self, request: HttpRequest) -> Any:
        if getattr(request, "api_client", None) is not None and request.user.is_authenticated:
            return request.user
        return None

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return None


class PagesSession(APIKeyCookie):
    """The pages' signed-in session (CSRF checked by ApiMiddleware)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def __call__(self, request: HttpRequest) -> Any:
        if getattr(request, "api_client", None) is None and request.user.is_authenticated:
            return request.user
        return None

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        return None


class FamilyViewApi(NinjaAPI):
    """A NinjaAPI whose OpenAPI document states the API's own conventions: the security
    schemes, and the problem details every operation may answer with."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params=None):
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return finish_document(document)


api = FamilyViewApi(
    title=TITLE,
    version=VERSION,
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/v1/openapi.json",
    docs_url=None,
    auth=[ApiClientBearer(), PagesSession()],
)
api.add_router("/v1/", v1.router)
api.add_router("/", reference.router)


# Errors


@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(request, exc)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    status = 422
    for error in exc.errors:
        location, *rest = [str(p) for p in error.get("loc", ())] or ["body"]
        if location == "body" and len(rest) > 1:
            rest = rest[1:]  # the view's parameter name
        if error.get("type") == "json_invalid":
            status = 400
        errors.append(FieldProblem(location, ".".join(rest), str(error.get("msg", "Not valid"))))
    detail = (
        "The request body is not valid JSON."
        if status == 400
        else "The request is not right: see errors."
    )
    return problem_response(
        request, ApiProblem(status, detail, kind="invalid-request", errors=errors)
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(request, generic_problem(401))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(request, ApiProblem(exc.status_code, str(exc)))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(request, generic_problem(404))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(request, forbidden())


# The document

PROBLEM_STATUSES = {
    "400": "Bad input: the JSON, a control character such as NUL anywhere in the request, "
    "or the purpose of access (missing or wrong)",
    "401": "Not authenticated: no or a wrong bearer token or X-Acting-User, no session",
    "403": "Not allowed: the role does not hold the permission, break-glass is needed, "
    "or a session's CSRF token is missing",
    "404": "No such person or thing in your authority",
    "422": "The request's fields are not right (errors lists them)",
    "429": "Too many calls: wait for Retry-After seconds",
}
PROBLEM_HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "description": "How to authenticate: an API client's bearer token",
            "schema": {"type": "string"},
            "example": 'Bearer realm="Family View API"',
        }
    },
    "429": {
        "Retry-After": {
            "description": "Whole seconds to wait before calling again",
            "schema": {"type": "integer", "minimum": 1},
            "example": 4,
        }
    },
}
SECURITY_SCHEMES = {
    "ApiClient": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API client's token (fv_...), issued with `familyview api-clients add`. "
        "The Family Context reference API's cookie login (/api/auth/login, FCSESSIONID) is "
        "not served: a client written for it sends this token and X-Acting-User instead.",
    },
    "ActingUser": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Acting-User",
        "description": "The Family View username of the member of staff the call is made for",
    },
    "Session": {
        "type": "apiKey",
        "in": "cookie",
        "name": settings.SESSION_COOKIE_NAME,
        "description": "The pages' signed-in session; unsafe methods need X-CSRFToken",
    },
}


def finish_document(document: dict[str, Any]) -> dict[str, Any]:
    """Add what the generator does not know: the security schemes (a client's token
    together with the user it acts for, or the session), the problem responses with the
    headers 401 and 429 carry, and an example of each operation's request and answer."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
    components["securitySchemes"] = SECURITY_SCHEMES
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "head", "post", "put", "patch", "delete"):
                continue
            if operation.get("security"):
                operation["security"] = [{"ApiClient": [], "ActingUser": []}, {"Session": []}]
            responses = operation.setdefault("responses", {})
            statuses = dict(PROBLEM_STATUSES)
            if operation.get("operationId") == "breakGlass":
                statuses["409"] = "The person is not shielded"
            for status, description in statuses.items():
                media: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/Problem"}}
                if status in PROBLEM_EXAMPLES:
                    media["example"] = PROBLEM_EXAMPLES[status]
                response = {
                    "description": description,
                    "content": {"application/problem+json": media},
                }
                if status in PROBLEM_HEADERS:
                    response["headers"] = PROBLEM_HEADERS[status]
                responses.setdefault(status, response)
            _add_examples(operation, EXAMPLES.get(operation.get("operationId", ""), {}))
    return document


def _add_examples(operation: dict[str, Any], examples: dict[str, Any]) -> None:
    """The example request body, and the example answer on the successful response."""
    if "request" in examples:
        for media in operation.get("requestBody", {}).get("content", {}).values():
            media["example"] = examples["request"]
    if "response" in examples:
        for status, response in operation["responses"].items():
            if str(status).startswith("2"):
                for media in response.get("content", {}).values():
                    media["example"] = examples["response"]
