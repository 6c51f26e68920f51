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

from familyview.access.break_glass import MAX_JUSTIFICATION, MIN_JUSTIFICATION
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
    location: str = Field(description="Where the field is: body, query, path or header")
    field: str = Field(
        description="The field's name (nested fields joined with dots), parameter or header"
    )
    detail: str = Field(description="What is wrong with it and how to put it right")


class Problem(Schema):
    """RFC 9457 problem details: every error the API gives."""

    type: str = Field(description='"about:blank" or /api/v1/problems/<name> (docs/api.md)')
    title: str = Field(description="A short summary of the kind of problem")
    status: int = Field(description="The HTTP status code, as in the response")
    detail: str = Field(description="What went wrong with this call, in words to show a user")
    instance: str = Field(description="The path that was called")
    errors: list[FieldError] = Field(description="What is wrong with each field, if any")


# Pagination


class Links(Schema):
    self: str = Field(description="This page's address")
    next: str | None = Field(description="The next page's address; null on the last page")
    prev: str | None = Field(description="The previous page's address; null on the first")


# People and search


class DateOfBirthIn(Schema):
    """A date of birth as far as it is known: a year, a month of a year, or a day. It must
    be in the past and from 1900."""

    year: int = Field(ge=1900, le=2100, description="The year of birth (1900 to this year)")
    month: int | None = Field(
        default=None, ge=1, le=12, description="The month (1 to 12), if known; needs a year"
    )
    day: int | None = Field(
        default=None,
        ge=1,
        le=31,
        description="The day of the month, if known; needs a month, and a real date",
    )


class SearchIn(Schema):
    """What is known about the person. At least one criterion must be given: name,
    date_of_birth, postcode, nhs_number or source_id (otherwise 422, naming `name`); any
    one is enough."""

    name: str = Field(
        default="",
        max_length=200,
        description="The person's name, given and family names as far as known",
    )
    date_of_birth: DateOfBirthIn | None = Field(
        default=None, description="The date of birth, as far as known"
    )
    postcode: str = Field(
        default="",
        max_length=10,
        description="A full UK postcode, like SK4 1AA",
    )
    nhs_number: str = Field(
        default="",
        max_length=20,
        description="10 digits (spaces or dashes allowed) with a valid check digit",
    )
    source_id: str = Field(
        default="", max_length=64, description="A source system's identifier for the person"
    )
    limit: int = Field(
        default=20, ge=1, le=MAX_PAGE, description=f"How many to show (1 to {MAX_PAGE})"
    )
    offset: int = Field(
        default=0,
        ge=0,
        lt=MAX_SEARCH_RESULTS,
        description=f"How many to skip: a search shows at most {MAX_SEARCH_RESULTS} people",
    )


PERSON_ID_WORDS = "The person's opaque identifier in Family View (safe in an address)"


class PersonSummaryOut(Schema):
    """A person as a result list shows them: enough to tell people apart, no more."""

    person_id: str = Field(description=PERSON_ID_WORDS)
    name: str = Field(description="The name to show, as their records give it")
    age: int | None = Field(description="Age in whole years; null if no year of birth is known")
    partial_address: str = Field(description='Street and postcode district; "" if withheld')
    shielded: bool = Field(
        description="Shielded (address withheld; break-glass needed to see their family)"
    )
    deceased: bool = Field(description="A source has recorded the person's death")
    sources: list[str] = Field(
        validation_alias="source_names", description="The source systems that know the person"
    )


class SearchOut(Schema):
    items: list[PersonSummaryOut] = Field(description="The people on this page, best first")
    limit: int = Field(description="How many a page holds, as asked")
    offset: int = Field(description="How many were skipped, as asked")
    next_offset: int | None = Field(
        description="The offset of the next page (POST again with it); null on the last"
    )


class PersonOut(Schema):
    """One person's identifying facts (a person summary, audited as one)."""

    person_id: str = Field(description=PERSON_ID_WORDS)
    name: str = Field(description="The name to show")
    given_name: str = Field(description="Given name(s)")
    family_name: str = Field(description="Family name")
    date_of_birth: str = Field(description='As far as known: "2016-06-04", "2016-06", "2016"')
    age: int | None = Field(description="Age in whole years; null if no year of birth is known")
    sex: str = Field(description='"female", "male", "other"; "" if not known')
    partial_address: str = Field(
        description='Street and postcode district of the current address; "" if withheld'
    )
    shielded: bool = Field(description="Shielded: no address is ever shown")
    deceased: bool = Field(description="A source has recorded the person's death")
    sources: list[str] = Field(description="The source systems that know the person")


# The family network


class SourceOut(Schema):
    code: str = Field(description="The source system's code")
    name: str = Field(description="The source system's name, as users know it")
    organisation: str = Field(description="The organisation that runs it")
    service_category: str = Field(description='The kind of service, e.g. "housing"')
    duty_phone: str = Field(description="The service's duty line")
    data_current_as_of: datetime | None = Field(
        description="When its latest loaded extract was taken; null if none was loaded"
    )
    stale: bool = Field(description="The latest extract is older than the source's usual cadence")


class ContactOut(Schema):
    name: str = Field(description="The lead professional's name")
    role: str = Field(description="Their role")
    phone: str = Field(description="Their phone number")
    email: str = Field(description="Their email address")


class OffenceOut(Schema):
    date: dt.date | None = Field(description="The date of the offence, if the rules show it")
    offence_type: str = Field(description='The kind of offence, e.g. "domestic abuse"')
    nature: str = Field(description='The person\'s involvement: "victim", "suspect"...')


class DetailOut(Schema):
    label: str = Field(description="What the detail is, in the service's words")
    value: str = Field(description="Its value")


class InvolvementOut(Schema):
    involvement_id: int = Field(description="The involvement's identifier (for problem reports)")
    service_category: str = Field(description='The service category\'s code, e.g. "housing"')
    service_name: str = Field(description='The service\'s name, e.g. "Housing"')
    status: str = Field(
        description='"current", "historic" or "not_recorded"; "" when only its existence '
        "may be shown"
    )
    current: bool = Field(description="The involvement is open now")
    start_date: date | None = Field(description="When it started, if shown")
    end_date: date | None = Field(description="When it ended; null if open or not shown")
    last_contact_date: date | None = Field(description="The most recent contact, if shown")
    team: str = Field(description="The team involved")
    organisation: str = Field(description="The organisation involved")
    lead_professional: ContactOut | None = Field(
        description="Who to call; null with withheld_reason saying why"
    )
    withheld_reason: str = Field(
        description="Why no lead professional is shown (a sensitive service, a shielded "
        'person, none recorded); "" when one is'
    )
    duty_phone: str = Field(description="The team's duty line (or the source's)")
    sensitive: bool = Field(description="A sensitive service: call its duty line, not a person")
    summary_only: bool = Field(
        description="Shown only as existing: status, team, dates, details and offences are empty"
    )
    offences: list[OffenceOut] = Field(
        description="Police offences, at most as many as the display rules allow"
    )
    details: list[DetailOut] = Field(description="Further details the display rules show")
    source: SourceOut = Field(description="The source system that recorded it")


class ProvenanceOut(Schema):
    kind: str = Field(
        description='"source" (a source system recorded it), "household" (the same address '
        'at the same time) or "derived" (worked out, e.g. two children of one parent)'
    )
    source_code: str = Field(description='The source\'s code; "" for a household or derived link')
    source_name: str = Field(description="The source's name, or how the link was worked out")
    said_at: datetime | None = Field(description="When the source said so (its extract's time)")
    since: date | None = Field(description="Since when, as the source gave it")
    until: date | None = Field(description="Until when, as the source gave it")
    description: str = Field(description="One sentence saying who said so")


class RelationshipOut(Schema):
    relationship_type: str = Field(description='The relationship\'s code, e.g. "mother"')
    label: str = Field(description='In words: "Mother", "Half-sibling"')
    confidence: float = Field(description="How likely it is, 0 to 1")
    confidence_words: str = Field(description='"Very likely", "Likely" or "Possible"')
    provenance: list[ProvenanceOut] = Field(description="Who said so, and when")
    disputed: bool = Field(description="Another source says something different")


class IdentityOut(Schema):
    probability: float = Field(
        description="How sure the index is that the records are one person, 0 to 1 (the "
        "least sure of their records)"
    )
    words: str = Field(description='"Very sure", "Sure", "Fairly sure" or "Not sure"')
    records: int = Field(description="How many source records make up this person")
    source_names: list[str] = Field(description="The sources that know them")


class MemberOut(Schema):
    person_id: str = Field(description=PERSON_ID_WORDS)
    display_name: str = Field(description="The name to show")
    age: int | None = Field(description="Age in whole years on `today`; null if not known")
    date_of_birth: str = Field(description='As far as known, "4 June 2016" or "2016"; "" if none')
    partial_address: str = Field(
        description='Street and postcode district; "" if shielded, not known, or shared with '
        "a shielded member"
    )
    shielded: bool = Field(description="Shielded: no address or lead professional is shown")
    group: str = Field(
        description='"child", "parent_or_carer", "sibling", "household" or "other_family"'
    )
    relationships: list[RelationshipOut] = Field(
        description="What they are to the child; empty for the child"
    )
    identity: IdentityOut = Field(description="How sure the index is of who they are")
    involvements: list[InvolvementOut] = Field(
        description="Their services, current first, as the display rules allow"
    )


class FamilyNetworkOut(Schema):
    child: MemberOut = Field(description="The child asked about")
    parents_and_carers: list[MemberOut] = Field(description="Parents, step-parents and carers")
    siblings: list[MemberOut] = Field(description="Full, half and step siblings")
    household: list[MemberOut] = Field(description="Others living at the same address")
    other_family: list[MemberOut] = Field(
        description="Grandparents, parents' partners, other relatives"
    )
    sources: list[SourceOut] = Field(description="Every source a fact shown came from")
    rules_version: str = Field(description="The version of the display rules applied")
    today: date = Field(description="The day ages and 'current' are worked out for")


class InvolvementsOut(Schema):
    items: list[InvolvementOut] = Field(description="The involvements on this page")
    total: int = Field(description="How many there are in all")
    limit: int = Field(description="How many a page holds")
    offset: int = Field(description="How many were skipped")
    links: Links = Field(description="This page and the pages either side")


# Purpose, break-glass, problem reports


class PurposeIn(Schema):
    purpose: PurposeChoice = Field(description="Why you are looking at this child's family")
    other_text: str = Field(
        default="",
        max_length=OTHER_TEXT_MAX_LENGTH,
        description=f"Your own words, needed with purpose `other` and only with it "
        f"(at most {OTHER_TEXT_MAX_LENGTH} characters)",
    )
    case_reference: str = Field(
        max_length=CASE_REFERENCE_MAX_LENGTH,
        description=f"The case or referral reference: not blank, at most "
        f"{CASE_REFERENCE_MAX_LENGTH} characters",
    )


class PurposeOut(Schema):
    person_id: str = Field(description=PERSON_ID_WORDS)
    purpose: PurposeChoice = Field(description="The purpose given")
    description: str = Field(description="The purpose in words, as the audit log records it")
    other_text: str = Field(description='Your own words for `other`; "" otherwise')
    case_reference: str = Field(description="The case or referral reference")


class BreakGlassIn(Schema):
    justification: str = Field(
        max_length=MAX_JUSTIFICATION,
        json_schema_extra={"minLength": MIN_JUSTIFICATION},
        description=f"Why you need to see this shielded person's family: {MIN_JUSTIFICATION} "
        f"to {MAX_JUSTIFICATION} characters, not counting spaces at either end. It is "
        "audited and always raises a privacy alert.",
    )


class BreakGlassOut(Schema):
    person_id: str = Field(description=PERSON_ID_WORDS)
    opened: bool = Field(
        description="The person's family is open to you for the rest of this session"
    )


class ProblemReportIn(Schema):
    kind: ProblemKind = Field(description="What kind of problem it is")
    what: str = Field(
        max_length=WHAT_MAX_LENGTH,
        description=f"What looks wrong, in your words: not blank, at most {WHAT_MAX_LENGTH} "
        "characters",
    )
    involvement_id: int | None = Field(
        default=None,
        ge=1,
        le=2**62,
        description="The involvement it is about, if one: one shown for this person",
    )
    same_as: str | None = Field(
        default=None,
        max_length=20,
        description='For kind "same_person": the person (in the same council) this one is '
        "the same person as. A pair of their records goes to the data steward's review queue",
    )

    @field_validator("what")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Describe what looks wrong")
        return value


class ProblemReportOut(Schema):
    id: int = Field(description="The report's number")
    person_id: str = Field(description=PERSON_ID_WORDS)
    kind: ProblemKind = Field(description="What kind of problem it is")
    what: str = Field(description="What looks wrong, in the reporter's words")
    involvement_id: int | None = Field(description="The involvement it is about, if one")
    same_as_id: str | None = Field(
        description='For kind "same_person": the person this one is said to be'
    )
    status: ProblemStatus = Field(description="Where the data steward is with it")
    reported_at: datetime = Field(description="When it was reported")
    resolved_at: datetime | None = Field(description="When it was decided; null while open")


class ProblemReportsOut(Schema):
    items: list[ProblemReportOut] = Field(description="The reports on this page")
    total: int = Field(description="How many there are in all")
    limit: int = Field(description="How many a page holds")
    offset: int = Field(description="How many were skipped")
    links: Links = Field(description="This page and the pages either side")


# Who is calling


class MeOut(Schema):
    username: str = Field(description="The member of staff's Family View username")
    display_name: str = Field(description="Their name")
    roles: list[str] = Field(
        description='Their roles (in the API client\'s council), e.g. "practitioner"'
    )
    authority: str | None = Field(description="Their council; null if they work for several")
    api_client: str | None = Field(
        description="The API client calling for them; null for the pages' session"
    )


# Neighbouring councils (docs/peers.md)


class NeighbourServiceOut(Schema):
    service: str = Field(description='The service\'s name, e.g. "Probation"')
    category: str = Field(description='Its service category\'s code, e.g. "probation"')
    status: str = Field(
        description='"current", "historic" or "not_recorded"; "" when the neighbour holds it back'
    )
    start_date: str | None = Field(description="When it started (YYYY-MM-DD), if shown")
    end_date: str | None = Field(description="When it ended, if it has and is shown")
    last_contact_date: str | None = Field(description="The latest contact, if shown")
    team: str = Field(description="The team")
    organisation: str = Field(description="The organisation")
    lead_professional: ContactOut | None = Field(description="Who to call, when shown")
    withheld: str = Field(description="Why there is no lead professional to call")
    duty_line: str = Field(description="The service's duty line")
    data_current_as_of: str | None = Field(description="When the neighbour's data was taken")


class HeldOut(Schema):
    council: str = Field(description="The council that holds something it does not share")
    duty_line: str = Field(description="Its duty line: call it")


class NeighbourAnswerOut(Schema):
    peer: str = Field(description="The neighbouring deployment's name")
    council: str = Field(description="The council, as it answered")
    outcome: str = Field(description='"answered", "did_not_answer" or "refused"')
    why: str = Field(description="For no answer or a refusal, why, in a few words")
    held: HeldOut | None = Field(description="Held by the neighbour: call its duty line")
    services: list[NeighbourServiceOut] = Field(
        description="The services involved now or recently ended, as its rules show them"
    )


class NeighboursPersonOut(Schema):
    person_id: str = Field(description="The family member asked about")
    answers: list[NeighbourAnswerOut] = Field(description="Each neighbour's reply about them")


class NeighboursOut(Schema):
    child: str = Field(description="The child whose family was asked about")
    time_limit_seconds: float = Field(description="How long each neighbour was waited for")
    asked: list[NeighboursPersonOut] = Field(
        description="The family members asked about (a valid NHS number and a full date of "
        "birth recorded here), each with every neighbour's reply"
    )
    not_asked: list[str] = Field(
        description="The family members not asked about: no NHS number or full date of birth"
    )
