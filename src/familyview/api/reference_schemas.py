"""The Family Context reference API's shapes (docs/reference/family-context-api.yaml),
field for field, so that a client written for it reads Family View's answers as it
reads the reference's.

Optional fields are left out of a response when there is nothing to say (the reference
schemas allow no nulls).
"""

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from familyview.api.schemas import MAX_PAGE


class Person(Schema):
    id: str = Field(description="The person's opaque identifier in Family View")
    cmsId: str | None = Field(
        default=None,
        description="Their children's social care record id; absent if they have none",
    )
    firstName: str = Field(description="Given name(s)")
    lastName: str = Field(description="Family name")
    dateOfBirth: dt.date | None = Field(
        default=None,
        description="The date of birth; absent in search results and when not known to the day",
    )
    gender: str | None = Field(default=None, description="male, female or other; absent if unknown")
    address: str | None = Field(
        default=None, description="Street and postcode district only; absent if withheld"
    )


class PersonWithRelationship(Person):
    relationship: str | None = Field(
        default=None, description='What they are to the person, in words: "Mother", "Half-sibling"'
    )
    relationshipToId: str | None = Field(
        default=None, description="The id of the person they are related to"
    )


class PaginationDetails(Schema):
    resultsPerPage: int | None = Field(
        default=None,
        ge=1,
        le=MAX_PAGE,
        description=f"How many a page holds (1 to {MAX_PAGE}; 20 if absent)",
    )
    pageNumber: int | None = Field(
        default=None, ge=1, le=100, description="Which page, from 1 (1 if absent)"
    )


class PersonQuery(Schema):
    """Both names are required; a date of birth narrows the search. At most 100 people
    are found in all."""

    firstName: str = Field(max_length=100, description="Given name, or part of it")
    lastName: str = Field(max_length=100, description="Family name, or part of it")
    dateOfBirth: dt.date | None = Field(
        default=None, description="The date of birth, if known: in the past, from 1900"
    )
    paginationDetails: PaginationDetails | None = Field(
        default=None, description="Which page to show; the first 20 if absent"
    )


class PaginationInfo(Schema):
    totalResults: int = Field(description="How many people were found in all (at most 100)")
    resultsPerPage: int = Field(description="How many a page holds")
    pageNumber: int = Field(description="This page's number, from 1")


class SearchResults(Schema):
    paginationInfo: PaginationInfo = Field(description="Which page this is, of how many results")
    results: list[Person] = Field(
        description="The people on this page, best first, without dates of birth"
    )


class ServiceSummary(Schema):
    id: str = Field(description='The service type, e.g. "police", "school"')
    title: str = Field(description="The service's name")
    lastSynchronised: dt.datetime | None = Field(
        default=None, description="When the latest extract of its sources was taken"
    )
    coverageStartDate: dt.date | None = Field(
        default=None, description="The earliest date its records cover"
    )
    coverageEndDate: dt.date | None = Field(
        default=None, description="The latest date its records cover"
    )
    dataSource: str | None = Field(default=None, description="The source systems it comes from")
    recordsAvailable: bool = Field(
        description="The family view would show an involvement of this service for the person"
    )
    coverageExplanation: str | None = Field(
        default=None, description="What the records cover, in words"
    )


class ServiceDetail(Schema):
    model_config = ConfigDict(populate_by_name=True)

    summary: ServiceSummary = Field(description="The service, as the service list shows it")
    schema_: dict[str, Any] = Field(alias="schema", description="JSON Schema of `data`")
    data: dict[str, Any] = Field(
        description="The latest involvement shown, in the service type's shape (Police, "
        "School, AdultSocialCare, Housing or Family View's Involvement), after the display rules"
    )


class AuthStatus(Schema):
    id: str = Field(description="The member of staff's Family View username")
    name: str = Field(description="Their name")
    status: str = Field(description='"authenticated"')


# The shapes of ServiceDetail.data


class Contact(Schema):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    role: str | None = None


class OffenceSummary(Schema):
    dateOfOffence: dt.date | None = Field(default=None, title="Date of Offence")
    typeOfOffence: str | None = Field(default=None, title="Type of Offence")
    natureOfInvolvement: str | None = Field(default=None, title="Nature of Involvement")


class OffenceRecordsFound(Schema):
    recordsFound: str | None = Field(default=None, title="Records Found")


class Police(Schema):
    policeArea: str | None = Field(default=None, title="Police Area")
    contact: Contact | None = Field(default=None, title="Contact")
    safeGuardingOffences: list[OffenceSummary] = Field(
        default_factory=list, title="Safeguarding Offences (a maximum of 3 will be listed)"
    )
    nonSafeGuardingOffences: list[OffenceRecordsFound] = Field(
        default_factory=list, title="Non-safeguarding Offences"
    )


class School(Schema):
    serviceInvolvement: str | None = Field(default=None, title="Service involvement")
    contact: Contact | None = Field(default=None, title="Contact")
    schoolName: str | None = Field(default=None, title="School name")
    admissionType: str | None = Field(default=None, title="Admission type")


class AdultSocialCare(Schema):
    serviceInvolvement: str | None = Field(default=None, title="Service involvement")
    localAuthorityOrganisation: str | None = Field(
        default=None, title="Local Authority Organisation"
    )
    contact: Contact | None = Field(default=None, title="Contact")
    startDateOfLastInvolvement: dt.date | None = Field(
        default=None, title="Start of last involvement"
    )
    dateOfMostRecentInteraction: dt.date | None = Field(
        default=None, title="Date of most recent interaction"
    )


class Housing(Schema):
    serviceInvolvement: str | None = Field(default=None, title="Service involvement")
    housingAssociation: str | None = Field(default=None, title="Housing Association")
    contact: Contact | None = Field(default=None, title="Contact")
    tenancyStart: dt.date | None = Field(default=None, title="Tenancy Start")
    antiSocialBehaviour: str | None = Field(default=None, title="Anti social behaviour")
    rentArrears: str | None = Field(default=None, title="Rent arrears")
    noticeSeekingPossession: str | None = Field(default=None, title="Notice seeking possession")
    eviction: str | None = Field(default=None, title="Eviction")


class Involvement(Schema):
    """Family View's shape for a service the reference API has no schema for."""

    serviceInvolvement: str | None = Field(default=None, title="Service involvement")
    team: str | None = Field(default=None, title="Team")
    organisation: str | None = Field(default=None, title="Organisation")
    contact: Contact | None = Field(default=None, title="Contact")
    dutyPhone: str | None = Field(default=None, title="Duty line")
    startDate: dt.date | None = Field(default=None, title="Start date")
    endDate: dt.date | None = Field(default=None, title="End date")
    dateOfMostRecentInteraction: dt.date | None = Field(
        default=None, title="Date of most recent interaction"
    )
    note: str | None = Field(default=None, title="Note")


SHAPES: dict[str, type[Schema]] = {
    "Police": Police,
    "School": School,
    "AdultSocialCare": AdultSocialCare,
    "Housing": Housing,
    "Involvement": Involvement,
}
