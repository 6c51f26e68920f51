"""Reading a person or a family through the API: the call goes through the one door to
personal data (reads/door.py), on the pages' terms, and its outcome is answered here as
problem details (404 no such person, 400 a purpose is needed, 403 break-glass)."""

from django.http import HttpRequest

from familyview.access.policy import staff_of
from familyview.access.rules import url_name
from familyview.api.access import (
    CASE_REFERENCE_HEADER,
    PURPOSE_HEADER,
    api_client_details,
    purpose_from_headers,
    state_of,
)
from familyview.api.problems import ApiProblem, FieldProblem
from familyview.reads import door


def caller_of(request: HttpRequest, *, with_purpose: bool = True) -> door.Caller:
    """The member of staff the call is made for, what is remembered for them, the
    endpoint and the API client; with the purpose given in this call's headers (a wrong
    one is refused with 400 naming the header)."""
    return door.Caller(
        staff_of(request),
        state_of(request),
        where=url_name(request),
        via=api_client_details(request),
        purpose_given=(lambda: purpose_from_headers(request)) if with_purpose else None,
    )


def opened(outcome: door.Outcome) -> door.Opened:
    """The opened read, or the problem that answers a refused one (already audited)."""
    if isinstance(outcome, door.Opened):
        return outcome
    if isinstance(outcome, door.NeedsPurpose):
        raise ApiProblem(
            400,
            "Say why you are looking at this family: send the X-Purpose and "
            "X-Case-Reference headers (X-Purpose-Other too for 'other'), or POST them to "
            f"/api/v1/people/{outcome.person_id}/purpose first.",
            kind="purpose-required",
            title="A purpose of access is needed",
            errors=[
                FieldProblem("header", PURPOSE_HEADER, "Give why you are looking"),
                FieldProblem(
                    "header", CASE_REFERENCE_HEADER, "Give the case or referral reference"
                ),
            ],
        )
    if isinstance(outcome, door.NeedsBreakGlass):
        raise ApiProblem(
            403,
            "This person is shielded. Say why you need to see their family first: POST a "
            f"justification to /api/v1/people/{outcome.person_id}/break-glass.",
            kind="break-glass-required",
            title="A justification is needed to see a shielded person's family",
        )
    if isinstance(outcome, door.Refused):
        raise ApiProblem(403, "You do not have permission to do this.", kind="forbidden")
    raise ApiProblem(404, "There is no such person.", kind="no-such-person")
