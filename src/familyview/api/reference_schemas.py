"""The Family Context reference API's shapes (docs/reference/family-context-api.yaml),
field for field, so that a client written for it reads Family View unchanged.

Optional fields are left out of a response when there is nothing to say (the reference
schemas allow no nulls).
"""

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from familyview.api.schemas import MAX_PAGE


class Person(Schema):
    id: str
    cmsId: str | None = None
    firstName: str
    lastName: str
    dateOfBirth: dt.date | None = None
    gender: str | None = Field(default=None, description="male, female or other; absent if unknown")
    address: str | None = Field(
        default=None, description="Street and postcode district only; absent if withheld"
    )


class PersonWithRelationship(Person):
    relationship: str | None = None
    relationshipToId: str | None = None


class PaginationDetails(Schema):
    resultsPerPage: int | None = Field(default=None, ge=1, le=MAX_PAGE)
    pageNumber: int | None = Field(default=None, ge=1, le=100, description="From 1")


class PersonQuery(Schema):
    firstName: str = Field(max_length=100)
    lastName: str = Field(max_length=100)
    dateOfBirth: dt.date | None = None
    paginationDetails: PaginationDetails | None = None


class PaginationInfo(Schema):
    totalResults: int
    resultsPerPage: int
    pageNumber: int


class SearchResults(Schema):
    paginationInfo: PaginationInfo
    results: list[Person]


class ServiceSummary(Schema):
    id: str
    title: str
    lastSynchronised: dt.datetime | None = None
    coverageStartDate: dt.date | None = None
    coverageEndDate: dt.date | None = None
    dataSource: str | None = None
    recordsAvailable: bool
    coverageExplanation: str | None = None


class ServiceDetail(Schema):
    model_config = ConfigDict(populate_by_name=True)

    summary: ServiceSummary
    schema_: dict[str, Any] = Field(alias="schema", description="JSON Schema of `data`")
    data: dict[str, Any]


class AuthStatus(Schema):
    id: str
    name: str
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
