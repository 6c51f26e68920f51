"""The Family Context reference API (docs/reference/family-context-api.yaml), answered
in its shapes, so that a client written for it works once it adds what Family View
needs (docs/api.md lists it: a bearer token, the acting user, a purpose of access).

The same rules as everywhere else apply: the roles and authority of the member of staff
the call is made for, a purpose of access (given in the X-Purpose and X-Case-Reference
headers, or before, with POST /api/v1/people/{id}/purpose), break-glass for a shielded
person, and one audit event per read.
"""

from django.http import HttpRequest, HttpResponse
from ninja import Router

from familyview.access.policy import Permission, PersonAccess, authorities_with, staff_of
from familyview.access.rules import requires, signed_in
from familyview.api import services
from familyview.api.params import (
    CASE_REFERENCE,
    PURPOSE,
    PURPOSE_OTHER,
    REFERENCE_PERSON_ID,
    SERVICE_TYPE,
)
from familyview.api.problems import ApiProblem
from familyview.api.reads import caller_of, opened
from familyview.api.reference_schemas import (
    SHAPES,
    AuthStatus,
    Person,
    PersonQuery,
    PersonWithRelationship,
    SearchResults,
    ServiceDetail,
    ServiceSummary,
)
from familyview.api.schemas import MAX_SEARCH_RESULTS, PurposeChoice
from familyview.api.search import criteria_words, person_query
from familyview.audit.actions import Action
from familyview.audit.models import Level
from familyview.families.network import FamilyMember, FamilyNetwork
from familyview.identity.persons import PersonDetails, person_details
from familyview.identity.search import find_people
from familyview.reads import door

router = Router(tags=["Family Context reference API"])

DEFAULT_PER_PAGE = 20
NO_CONTENT = {"200": {"description": "Supported"}}


@router.get(
    "/auth/status",
    response=AuthStatus,
    url_name="reference-auth-status",
    operation_id="getAuthStatus",
)
@signed_in
def auth_status(request: HttpRequest):
    """Whether the call is authenticated, and as whom."""
    staff = staff_of(request)
    return {"id": staff.username, "name": staff.display_name, "status": "authenticated"}


@router.post(
    "/search/person",
    response=SearchResults,
    url_name="reference-search-person",
    operation_id="searchPerson",
    exclude_none=True,
)
@requires(Permission.SEARCH_PEOPLE)
def search_person(request: HttpRequest, query: PersonQuery):
    """People matching the criteria, best first, a page at a time (pageNumber from 1;
    at most 100 people in all). Audited as a search and the results shown."""
    pages = query.paginationDetails
    per_page = (pages.resultsPerPage if pages else None) or DEFAULT_PER_PAGE
    page_number = (pages.pageNumber if pages else None) or 1
    dob = query.dateOfBirth
    person_query_ = person_query(
        name=f"{query.firstName} {query.lastName}",
        birth=(dob.year, dob.month, dob.day) if dob else (None, None, None),
        fields={"name": "lastName", "date_of_birth": "dateOfBirth"},
    )
    staff = staff_of(request)
    authority_ids = authorities_with(staff, Permission.SEARCH_PEOPLE)
    found = find_people(person_query_, authority_ids, MAX_SEARCH_RESULTS)
    start = (page_number - 1) * per_page
    page = found[start : start + per_page]
    shown = [p.person_id for p in page]
    door.record_search(
        caller_of(request, with_purpose=False),
        shown,
        {"criteria": criteria_words(person_query_), "results": len(shown), "page": page_number},
    )
    return {
        "paginationInfo": {
            "totalResults": len(found),
            "resultsPerPage": per_page,
            "pageNumber": page_number,
        },
        "results": [_person(p, with_birth=False) for p in page],
    }


@router.api_operation(
    ["HEAD"],
    "/search/person",
    url_name="reference-search-person",
    operation_id="searchPersonSupported",
    openapi_extra={"responses": NO_CONTENT},
)
@requires(Permission.SEARCH_PEOPLE)
def search_person_supported(request: HttpRequest):
    """Person search is supported (200)."""
    return HttpResponse(status=200)


@router.get(
    "/person/detail/{personId}",
    response=Person,
    url_name="reference-person-detail",
    operation_id="getPersonById",
    exclude_none=True,
)
@requires(Permission.VIEW_FAMILY)
def person_detail(
    request: HttpRequest,
    personId: str = REFERENCE_PERSON_ID,
    x_purpose: PurposeChoice | None = PURPOSE,
    x_purpose_other: str | None = PURPOSE_OTHER,
    x_case_reference: str | None = CASE_REFERENCE,
):
    """One person. Needs a purpose of access (and break-glass for a shielded person);
    audited as a person summary viewed."""

    def shown(access: PersonAccess) -> door.Shown | None:
        found = person_details([personId], [access.authority_id]).get(personId)
        return door.Shown([personId], Level.SUMMARY, content=found) if found else None

    read = opened(door.read_person(caller_of(request), personId, Action.PERSON_SUMMARY, shown))
    return _person(read.content, with_birth=True)


@router.get(
    "/person/detail/{personId}/service",
    response=list[ServiceSummary],
    url_name="reference-person-services",
    operation_id="getPersonServicesById",
    exclude_none=True,
)
@requires(Permission.VIEW_FAMILY)
def person_services(
    request: HttpRequest,
    personId: str = REFERENCE_PERSON_ID,
    x_purpose: PurposeChoice | None = PURPOSE,
    x_purpose_other: str | None = PURPOSE_OTHER,
    x_case_reference: str | None = CASE_REFERENCE,
):
    """Which services hold records about the person that the viewer may see, and what
    each source covers. Needs a purpose of access (and break-glass for a shielded
    person); audited as a person summary viewed."""

    def shown(network: FamilyNetwork, access: PersonAccess) -> door.Shown[list]:
        types = services.service_types()
        cover = services.coverage(access.authority_id, types)
        involvements = network.child.involvements
        summaries = [services.summary(t, cover[t.type], involvements) for t in types]
        details = {"services": [s["id"] for s in summaries if s["recordsAvailable"]]}
        return door.Shown([personId], Level.SUMMARY, details, summaries)

    return opened(
        door.open_family(caller_of(request), personId, Action.PERSON_SERVICES, shown)
    ).content


@router.get(
    "/person/detail/{personId}/service/{serviceType}",
    response=ServiceDetail,
    url_name="reference-person-service",
    operation_id="getPersonServiceByTypeAndId",
    exclude_none=True,
    by_alias=True,
)
@requires(Permission.VIEW_FAMILY)
def person_service(
    request: HttpRequest,
    personId: str = REFERENCE_PERSON_ID,
    serviceType: str = SERVICE_TYPE,
    x_purpose: PurposeChoice | None = PURPOSE,
    x_purpose_other: str | None = PURPOSE_OTHER,
    x_case_reference: str | None = CASE_REFERENCE,
):
    """One service's details for the person: the lead professional to call (or the duty
    line), and what the display rules allow. Audited as service details viewed."""
    s_type = services.service_type(serviceType)
    if s_type is None:
        raise ApiProblem(404, f"There is no service type {serviceType!r}.", kind="no-such-service")

    def shown(network: FamilyNetwork, access: PersonAccess) -> door.Shown[dict]:
        cover = services.coverage(access.authority_id, [s_type])[s_type.type]
        involvements = network.child.involvements
        data = services.detail_data(s_type, access.membership.authority_code, involvements)
        details = {
            "service": s_type.type,
            "rules_version": network.rules_version,
            "involvements": [
                i.involvement_id for i in involvements if i.service_category in s_type.categories
            ],
        }
        answer = {
            "summary": services.summary(s_type, cover, involvements),
            "schema": SHAPES[s_type.shape].model_json_schema(),
            "data": data,
        }
        return door.Shown([personId], Level.SERVICE_DETAIL, details, answer)

    return opened(
        door.open_family(caller_of(request), personId, Action.PERSON_SERVICE_DETAIL, shown)
    ).content


@router.get(
    "/person/related/{personId}/",
    response=list[PersonWithRelationship],
    url_name="reference-person-related",
    operation_id="getPersonRelated",
    exclude_none=True,
)
@requires(Permission.VIEW_FAMILY)
def person_related(
    request: HttpRequest,
    personId: str = REFERENCE_PERSON_ID,
    x_purpose: PurposeChoice | None = PURPOSE,
    x_purpose_other: str | None = PURPOSE_OTHER,
    x_case_reference: str | None = CASE_REFERENCE,
):
    """The person's family: parents and carers, siblings, household and other family,
    with how each is related. Needs a purpose of access (and break-glass for a shielded
    person); audited as person summaries viewed."""

    def shown(network: FamilyNetwork, access: PersonAccess) -> door.Shown[list]:
        members = [m for m in network.members if m.person_id != personId]
        found = person_details([m.person_id for m in members], [access.authority_id])
        related = [
            {
                **_person(found[m.person_id], with_birth=True),
                "relationship": _relationship_words(m),
                "relationshipToId": personId,
            }
            for m in members
            if m.person_id in found
        ]
        subjects = [personId, *(r["id"] for r in related)]
        return door.Shown(subjects, Level.SUMMARY, door.family_details(network), related)

    return opened(
        door.open_family(caller_of(request), personId, Action.PERSON_RELATED, shown)
    ).content


@router.api_operation(
    ["HEAD"],
    "/person/related/{personId}/",
    url_name="reference-person-related",
    operation_id="getPersonRelatedSupported",
    openapi_extra={"responses": NO_CONTENT},
)
@requires(Permission.VIEW_FAMILY)
def person_related_supported(request: HttpRequest, personId: str = REFERENCE_PERSON_ID):
    """Related individuals are supported (200)."""
    return HttpResponse(status=200)


def _relationship_words(member: FamilyMember) -> str:
    """'Mother', 'Father or Step-parent'; living at the same address only when nothing
    more is known."""
    labels = [r.label for r in member.relationships if r.relationship_type != "household_member"]
    labels = labels or [r.label for r in member.relationships]
    return " or ".join(dict.fromkeys(labels)) or "Family member"


def _person(found: PersonDetails, *, with_birth: bool) -> dict:
    """A reference Person. Search results carry no date of birth (the search page shows
    an age, not a birthday); a shielded person carries no address."""
    person = {
        "id": found.person_id,
        "cmsId": found.case_system_id or None,
        "firstName": found.given_name,
        "lastName": found.family_name,
        "gender": found.sex or None,
        "address": found.partial_address or None,
    }
    if with_birth:
        person["dateOfBirth"] = found.date_of_birth.as_date
    return person
