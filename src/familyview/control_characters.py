"""Requests holding a NUL byte or another control character are refused with 400, before
anything of them is used.

No one types a control character: one in an address, a query, a header or a field of a
form or of a JSON body is a broken client, a paste from somewhere odd, or a probe.
PostgreSQL text cannot hold NUL at all, and the others have no place in a name, a case
reference or a justification. Refused here, in one place, they never reach a person
look-up, a form, a session or the audit log: the API answers with problem details
(type control-characters) naming where each one was, the pages with a 400 page.

Not audited: the request is refused before it is authenticated or resolved to anyone's
data, and it reads none (docs/audit.md). Nothing of the request's values is logged; Django's
own line for a 400 names the path only, with control characters escaped.

The site's, not the pages' nor the API's: it runs before either (settings.MIDDLEWARE) and
answers in each one's words, so it sits beside urls.py, outside the floors, and neither
face imports the other for it.
"""

import json
import re
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from familyview.api.middleware import API_PREFIX, API_URLCONF
from familyview.api.problems import ApiProblem, FieldProblem, problem_response

# C0 controls and DEL. An address and a query string may hold none of them; a header
# value may hold a tab (RFC 9110); text in a form or a JSON body may hold tabs and line
# ends (a note over several lines).
_IN_ADDRESS = re.compile(r"[\x00-\x1f\x7f]")
_IN_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NAME_LENGTH = 100


def _detail(character: str) -> str:
    return f"holds a control character (U+{ord(character):04X}), which Family View does not accept"


def _name(name: str) -> str:
    """A field's name as it can be shown: its own control characters escaped."""
    return _IN_ADDRESS.sub(lambda m: f"\\x{ord(m.group()):02x}", name)[:NAME_LENGTH]


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def in_address_and_headers(request: HttpRequest) -> list[FieldProblem]:
    """Where the request's path, query string and headers hold a control character."""
    found = []
    if match := _IN_ADDRESS.search(request.path_info):
        names = _path_parameters_holding(request)
        found += [FieldProblem("path", name, _detail(match.group())) for name in names]
    for key, values in request.GET.lists():
        for text in (key, *values):
            if match := _IN_ADDRESS.search(text):
                found.append(FieldProblem("query", _name(key), _detail(match.group())))
                break
    for key, value in request.META.items():
        if not (key.startswith("HTTP_") and isinstance(value, str)):
            continue
        if match := _IN_HEADER.search(value):
            header = "-".join(part.capitalize() for part in key[5:].split("_"))
            found.append(FieldProblem("header", header, _detail(match.group())))
    return found


def _path_parameters_holding(request: HttpRequest) -> list[str]:
    """The names of the address's parameters that hold a control character (one unnamed
    place if the address names none: the character is elsewhere in it, or nothing is
    there)."""
    urlconf = API_URLCONF if _is_api(request) else None
    try:
        match = resolve(request.path_info, urlconf=urlconf)
    except Resolver404:
        return [""]
    names = [
        name
        for name, value in match.kwargs.items()
        if isinstance(value, str) and _IN_ADDRESS.search(value)
    ]
    return names or [""]


def in_body(request: HttpRequest) -> list[FieldProblem]:
    """Where the fields of a form or JSON body hold a control character. A body that is
    not JSON is left to the API, which says so."""
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(request.body)
        except (ValueError, RecursionError):
            return []
        return [
            FieldProblem("body", _name(".".join(path)), _detail(character))
            for path, character in _json_strings_holding(document)
        ]
    if content_type in FORM_TYPES:
        found = []
        for key, values in request.POST.lists():
            for text in (key, *values):
                if match := _IN_TEXT.search(text):
                    found.append(FieldProblem("body", _name(key), _detail(match.group())))
                    break
        return found
    return []


def _json_strings_holding(document: object) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path, character) for each key or string in a JSON document holding a control
    character, without recursion (a deep document is no deeper here than it is)."""
    stack: list[tuple[tuple[str, ...], object]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if match := _IN_TEXT.search(value):
                yield path, match.group()
        elif isinstance(value, dict):
            for key, item in value.items():
                if match := _IN_TEXT.search(key):
                    yield (*path, key), match.group()
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, str(i)), item) for i, item in enumerate(value))


def refusal(request: HttpRequest, found: list[FieldProblem]) -> HttpResponse:
    """400: problem details under /api/, otherwise the 400 page. Rendered without the
    request: its session cookie may be what holds the character."""
    if _is_api(request):
        problem = ApiProblem(
            400,
            "The request holds a control character (such as NUL), which Family View does "
            "not accept: see errors for where. Send text only.",
            kind="control-characters",
            title="The request holds a control character",
            errors=sorted(found, key=lambda f: (f.location, f.field)),
        )
        return problem_response(request, problem)
    # The response's script nonce is Family View's own, never from the request.
    nonce = getattr(request, "csp_nonce", None)
    return HttpResponseBadRequest(
        render_to_string(
            "400.html",
            {"control_characters": True, "given_nonce": "" if nonce is None else str(nonce)},
        )
    )


class ControlCharactersMiddleware:
    """Refuses a request whose address, query or headers hold a control character before
    any other middleware reads them (sessions, sign-in, the API's authentication), and
    one whose form or JSON body does before any view or CSRF check reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if found := in_address_and_headers(request):
            return refusal(request, found)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        # Here, not in __call__: an unreadable body then fails where it always has, inside
        # the API's or the pages' own error handling.
        if found := in_body(request):
            return refusal(request, found)
        return None
