"""The shapes of Family View's own API (/api/v1/): what goes in and what comes out.

The OpenAPI document is generated from these. Output shapes are read straight from the
domain's values (FamilyNetwork, PersonSummary...), which have already passed the display
rules: nothing here decides what may be shown.
"""

import datetime as dt
from datetime import date, datetime
from enum import Enum

from ninja import Field, Schema
from pydantic import field_validator

from familyview.access.break_glass import MAX_JUSTIFICATION
from familyview.access.purpose import CASE_REFERENCE_MAX_LENGTH, OTHER_TEXT_MAX_LENGTH, Purpose
from familyview.identity.models import ProblemReport
from familyview.identity.problems import WHAT_MAX_LENGTH

MAX_PAGE = 50
# Search shows at most this many people in all, however the pages are cut.
MAX_SEARCH_RESULTS = 100

PurposeChoice = Enum("PurposeChoice", {p.name: p.value for p in Purpose}, type=str)
ProblemKind = Enum("ProblemKind", {k.name: k.value for k in ProblemReport.Kind}, type=str)
ProblemStatus = Enum("ProblemStatus", {s.name: s.value for s in ProblemReport.Status}, type=str)


# Errors


class FieldError(Schema):
    location: str = Field(description="body, query, path or header")
    field: str
    detail: str


class Problem(Schema):
    """RFC 9457 problem details: every error the API gives."""

    type: str = Field(description='"about:blank" or /api/v1/problems/<name> (docs/api.md)')
    title: str
    status: int
    detail: str
    instance: str = Field(description="The path that was called")
    errors: list[FieldError] = Field(description="What is wrong with each field, if any")


# Pagination


class Links(Schema):
    self: str
    next: str | None
    prev: str | None


# People and search


class DateOfBirthIn(Schema):
    year: int = Field(ge=1900, le=2100)
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)


class SearchIn(Schema):
    """What is known about the person. Any one criterion is enough."""

    name: str = Field(default="", max_length=200)
    date_of_birth: DateOfBirthIn | None = None
    postcode: str = Field(default="", max_length=10)
    nhs_number: str = Field(default="", max_length=20)
    source_id: str = Field(
        default="", max_length=64, description="A source system's identifier for the person"
    )
    limit: int = Field(default=20, ge=1, le=MAX_PAGE)
    offset: int = Field(default=0, ge=0, lt=MAX_SEARCH_RESULTS)


class PersonSummaryOut(Schema):
    """A person as a result list shows them: enough to tell people apart, no more."""

    person_id: str
    name: str
    age: int | None
    partial_address: str = Field(description='Street and postcode district; "" if withheld')
    shielded: bool
    deceased: bool
    sources: list[str] = Field(validation_alias="source_names")


class SearchOut(Schema):
    items: list[PersonSummaryOut]
    limit: int
    offset: int
    next_offset: int | None = Field(
        description="The offset of the next page (POST again with it); null on the last"
    )


class PersonOut(Schema):
    """One person's identifying facts (a person summary, audited as one)."""

    person_id: str
    name: str
    given_name: str
    family_name: str
    date_of_birth: str = Field(description='As far as known: "2016-06-04", "2016-06", "2016"')
    age: int | None
    sex: str = Field(description='"female", "male", "other"; "" if not known')
    partial_address: str
    shielded: bool
    deceased: bool
    sources: list[str]


# The family network


class SourceOut(Schema):
    code: str
    name: str
    organisation: str
    service_category: str
    duty_phone: str
    data_current_as_of: datetime | None
    stale: bool


class ContactOut(Schema):
    name: str
    role: str
    phone: str
    email: str


class OffenceOut(Schema):
    date: dt.date | None
    offence_type: str
    nature: str


class DetailOut(Schema):
    label: str
    value: str


class InvolvementOut(Schema):
    involvement_id: int
    service_category: str
    service_name: str
    status: str
    current: bool
    start_date: date | None
    end_date: date | None
    last_contact_date: date | None
    team: str
    organisation: str
    lead_professional: ContactOut | None
    withheld_reason: str
    duty_phone: str
    sensitive: bool
    summary_only: bool
    offences: list[OffenceOut]
    details: list[DetailOut]
    source: SourceOut


class ProvenanceOut(Schema):
    kind: str
    source_code: str
    source_name: str
    said_at: datetime | None
    since: date | None
    until: date | None
    description: str


class RelationshipOut(Schema):
    relationship_type: str
    label: str
    confidence: float
    confidence_words: str
    provenance: list[ProvenanceOut]
    disputed: bool


class IdentityOut(Schema):
    probability: float
    words: str
    records: int
    source_names: list[str]


class MemberOut(Schema):
    person_id: str
    display_name: str
    age: int | None
    date_of_birth: str
    partial_address: str
    shielded: bool
    group: str
    relationships: list[RelationshipOut]
    identity: IdentityOut
    involvements: list[InvolvementOut]


class FamilyNetworkOut(Schema):
    child: MemberOut
    parents_and_carers: list[MemberOut]
    siblings: list[MemberOut]
    household: list[MemberOut]
    other_family: list[MemberOut]
    sources: list[SourceOut]
    rules_version: str
    today: date


class InvolvementsOut(Schema):
    items: list[InvolvementOut]
    total: int
    limit: int
    offset: int
    links: Links


# Purpose, break-glass, problem reports


class PurposeIn(Schema):
    purpose: PurposeChoice
    other_text: str = Field(default="", max_length=OTHER_TEXT_MAX_LENGTH)
    case_reference: str = Field(max_length=CASE_REFERENCE_MAX_LENGTH)


class PurposeOut(Schema):
    person_id: str
    purpose: PurposeChoice
    description: str
    other_text: str
    case_reference: str


class BreakGlassIn(Schema):
    justification: str = Field(max_length=MAX_JUSTIFICATION)


class BreakGlassOut(Schema):
    person_id: str
    opened: bool


class ProblemReportIn(Schema):
    kind: ProblemKind
    what: str = Field(max_length=WHAT_MAX_LENGTH)
    involvement_id: int | None = Field(default=None, ge=1, le=2**62)

    @field_validator("what")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Describe what looks wrong")
        return value


class ProblemReportOut(Schema):
    id: int
    person_id: str
    kind: ProblemKind
    what: str
    involvement_id: int | None
    status: ProblemStatus
    reported_at: datetime
    resolved_at: datetime | None


class ProblemReportsOut(Schema):
    items: list[ProblemReportOut]
    total: int
    limit: int
    offset: int
    links: Links


# Who is calling


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    authority: str | None
    api_client: str | None
