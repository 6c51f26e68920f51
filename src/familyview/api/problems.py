"""Every error the API gives, in one shape: RFC 9457 problem details.

    {"type": "/api/v1/problems/purpose-required", "title": "A purpose of access is needed",
     "status": 400, "detail": "...", "instance": "/api/v1/people/P.../family",
     "errors": [{"location": "header", "field": "X-Purpose", "detail": "..."}]}

`type` is "about:blank" when the HTTP status says it all (then `title` is the status's
name); otherwise it names the problem, documented in docs/api.md. `errors` lists what
is wrong with each field of a request that was refused for bad input.
"""

import json
from dataclasses import dataclass, field
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPES = "/api/v1/problems/"


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field: where it was (body, query, header, path), its name
    and why."""

    location: str
    field: str
    detail: str


@dataclass
class ApiProblem(Exception):
    """Raised anywhere in an API view to answer with problem details."""

    status: int
    detail: str
    kind: str = ""  # a name under PROBLEM_TYPES; "" for about:blank
    title: str = ""
    errors: list[FieldProblem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail

    @property
    def type(self) -> str:
        return f"{PROBLEM_TYPES}{self.kind}" if self.kind else "about:blank"


def status_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(request: HttpRequest, problem: ApiProblem) -> HttpResponse:
    """The problem as an HTTP response."""
    body = {
        "type": problem.type,
        "title": problem.title or status_title(problem.status),
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.path,
        "errors": [
            {"location": e.location, "field": e.field, "detail": e.detail} for e in problem.errors
        ],
    }
    response = HttpResponse(
        json.dumps(body), status=problem.status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in problem.headers.items():
        response[name] = value
    return response


# The detail for errors that Django or the URL resolver answer before any API view runs.
GENERIC_DETAIL = {
    400: "The request could not be read.",
    401: "Send an API client's bearer token and the X-Acting-User header, or sign in.",
    403: "You do not have permission to do this.",
    404: "There is nothing at this address.",
    405: "This address does not accept this method.",
    406: "This API answers in JSON only.",
    500: "Something went wrong on our side. It has been logged; try again later.",
}


def forbidden() -> ApiProblem:
    """The answer to a refusal by the access rules (already audited by access/rules.py)."""
    return ApiProblem(403, GENERIC_DETAIL[403], kind="forbidden")


def generic_problem(status: int) -> ApiProblem:
    """A problem for an error status given without a more specific reason."""
    return ApiProblem(status, GENERIC_DETAIL.get(status, status_title(status) + "."))


# Django's error handlers for API requests (root_urls.py): problem details, no page.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response(request, generic_problem(400))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response(request, generic_problem(403))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response(request, generic_problem(404))


def server_error(request: HttpRequest) -> HttpResponse:
    return problem_response(request, generic_problem(500))
