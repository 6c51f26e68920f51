"""Parameters several endpoints share, described once for the OpenAPI document."""

from ninja import Header, Path, Query

from familyview.access.purpose import CASE_REFERENCE_MAX_LENGTH, OTHER_TEXT_MAX_LENGTH
from familyview.api.access import CASE_REFERENCE_HEADER, PURPOSE_HEADER, PURPOSE_OTHER_HEADER
from familyview.api.schemas import MAX_PAGE

PERSON_ID = Path(..., max_length=20, description="The person's opaque identifier")
REFERENCE_PERSON_ID = Path(..., max_length=40, description="ID of person")
SERVICE_TYPE = Path(..., max_length=40, description="Service type (docs/api.md lists them)")

# The purpose of access (access.py reads the headers themselves and applies the pages'
# rules, access.purpose: declaring them documents them, lengths included, and lets the
# API's tests send them; the rules are checked once, there, not here too).


def _documented_length(header: Header, length: int) -> Header:
    """The header's longest value, stated in the document but not checked by the framework
    (the purpose rules check it, in the pages' words)."""
    header.json_schema_extra["maxLength"] = length
    return header


PURPOSE = Header(
    None,
    alias=PURPOSE_HEADER,
    description="Why you are looking, with X-Case-Reference; needed unless given before for "
    "a case covering this person (POST /api/v1/people/{id}/purpose)",
)
PURPOSE_OTHER = _documented_length(
    Header(
        None,
        alias=PURPOSE_OTHER_HEADER,
        description="Your own words, for X-Purpose: other",
    ),
    OTHER_TEXT_MAX_LENGTH,
)
CASE_REFERENCE = _documented_length(
    Header(
        None,
        alias=CASE_REFERENCE_HEADER,
        description="The case or referral reference",
    ),
    CASE_REFERENCE_MAX_LENGTH,
)

PAGE_LIMIT = Query(20, ge=1, le=MAX_PAGE, description="How many to show, at most")
PAGE_OFFSET = Query(0, ge=0, le=100_000, description="How many to skip")
STATUS = Query(None, description="Only reports with this status")
