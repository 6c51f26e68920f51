"""Parameters several endpoints share, described once for the OpenAPI document."""

from ninja import Header, Path, Query

from familyview.access.purpose import CASE_REFERENCE_MAX_LENGTH, OTHER_TEXT_MAX_LENGTH
from familyview.api.access import CASE_REFERENCE_HEADER, PURPOSE_HEADER, PURPOSE_OTHER_HEADER
from familyview.api.schemas import MAX_PAGE

PERSON_ID = Path(..., max_length=20, description="The person's opaque identifier")
REFERENCE_PERSON_ID = Path(..., max_length=40, description="ID of person")
SERVICE_TYPE = Path(..., max_length=40, description="Service type (docs/api.md lists them)")

# The purpose of access (access.py reads the headers themselves; declaring them documents
# them, and lets the API's tests send them).
PURPOSE = Header(
    None,
    alias=PURPOSE_HEADER,
    description="Why you are looking, with X-Case-Reference; needed unless given before for "
    "a case covering this person (POST /api/v1/people/{id}/purpose)",
)
PURPOSE_OTHER = Header(
    None,
    alias=PURPOSE_OTHER_HEADER,
    max_length=OTHER_TEXT_MAX_LENGTH,
    description="Your own words, for X-Purpose: other",
)
CASE_REFERENCE = Header(
    None,
    alias=CASE_REFERENCE_HEADER,
    max_length=CASE_REFERENCE_MAX_LENGTH,
    description="The case or referral reference",
)

PAGE_LIMIT = Query(20, ge=1, le=MAX_PAGE, description="How many to show, at most")
PAGE_OFFSET = Query(0, ge=0, le=100_000, description="How many to skip")
STATUS = Query(None, description="Only reports with this status")
