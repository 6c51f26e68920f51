"""The API's side of access: what the audit log records of the calling system, what is
remembered for the caller, and the purpose of access given in headers.

Endpoints declare who may call them with access/rules.py, as pages do. Person-level
checks, purposes of access, break-glass and the audit event of each read are the one
door's (reads/door.py, through api/reads.py).
"""

from collections.abc import MutableMapping
from typing import Any

from django.http import HttpRequest

from familyview.access.purpose import Purpose, PurposeOfAccess, purpose_problems
from familyview.api.problems import ApiProblem, FieldProblem

PURPOSE_HEADER = "X-Purpose"
PURPOSE_OTHER_HEADER = "X-Purpose-Other"
CASE_REFERENCE_HEADER = "X-Case-Reference"


# Audit


def api_client_details(request: HttpRequest) -> dict[str, Any]:
    """What the audit log records of the calling system: which client, or the pages'
    session."""
    client = getattr(request, "api_client", None)
    if client is None:
        return {"via": "api-session"}
    return {"via": "api-client", "api_client": client.name, "api_client_key": client.key_id}


def state_of(request: HttpRequest) -> MutableMapping[str, Any]:
    """What is remembered for the caller: the browser session, or the API client's
    acting session for this user."""
    state = getattr(request, "api_state", None)
    if state is not None:
        return state
    return request.session


# Purpose of access


# The header each part of a purpose is given in.
HEADER_OF_PART = {
    "purpose": PURPOSE_HEADER,
    "other_text": PURPOSE_OTHER_HEADER,
    "case_reference": CASE_REFERENCE_HEADER,
}


def purpose_from_headers(request: HttpRequest) -> PurposeOfAccess | None:
    """The purpose given in this call's headers; None when none is given. A purpose
    that is given but breaks the rules (the pages' rules: access.purpose) is refused with
    400 naming each header that is wrong."""
    purpose = request.headers.get(PURPOSE_HEADER, "").strip()
    other = request.headers.get(PURPOSE_OTHER_HEADER, "").strip()
    reference = request.headers.get(CASE_REFERENCE_HEADER, "").strip()
    if not (purpose or other or reference):
        return None
    problems = purpose_problems(purpose, other, reference)
    if not problems:
        return PurposeOfAccess(Purpose(purpose), other, reference)
    errors = [
        FieldProblem("header", HEADER_OF_PART[p.part], _in_headers(p.part, p.message))
        for p in problems
    ]
    raise ApiProblem(
        400,
        "The purpose of access is not right: " + "; ".join(e.detail for e in errors) + ".",
        kind="invalid-purpose",
        errors=errors,
    )


def _in_headers(part: str, message: str) -> str:
    """The page's words, with the values an API client sends where it chooses one."""
    if part == "purpose":
        return f"{message}: {', '.join(Purpose.values)}"
    return message
