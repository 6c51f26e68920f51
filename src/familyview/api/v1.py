"""Family View's own API, version 1 (/api/v1/): person search, a person, the family
network for a child, a person's involvements with their lead professionals, the ecomap,
the purpose of access, break-glass and "something looks wrong" reports.

Each endpoint declares its rule (`@requires`, `@signed_in`), parses the request, calls
one domain function and answers; reads of family data go through reads.py, which applies
the pages' terms and records the one audit event.
"""

from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.responses import Status

from familyview.access.break_glass import JustificationError, break_glass
from familyview.access.policy import Permission, authorities_with, person_access, staff_of
from familyview.access.purpose import (
    Purpose,
    PurposeOfAccess,
    case_child,
    purpose_for,
    remember_purpose,
)
from familyview.api.access import (
    audit,
    person_or_404,
    requires,
    signed_in,
    state_of,
)
from familyview.api.ecomap import ecomap_svg
from familyview.api.params import (
    CASE_REFERENCE,
    PAGE_LIMIT,
    PAGE_OFFSET,
    PERSON_ID,
    PURPOSE,
    PURPOSE_OTHER,
    STATUS,
)
from familyview.api.people import person_facts
from familyview.api.problems import ApiProblem, FieldProblem
from familyview.api.reads import family_details, open_family, open_person
from familyview.api.schemas import (
    MAX_SEARCH_RESULTS,
    BreakGlassIn,
    BreakGlassOut,
    FamilyNetworkOut,
    InvolvementsOut,
    MeOut,
    PersonOut,
    ProblemReportIn,
    ProblemReportOut,
    ProblemReportsOut,
    ProblemStatus,
    PurposeChoice,
    PurposeIn,
    PurposeOut,
    SearchIn,
    SearchOut,
)
from familyview.api.search import criteria_words, person_query
from familyview.audit.models import Level
from familyview.identity import problems
from familyview.identity.summaries import find_people

router = Router(tags=["Family View"])


@router.get("/me", response=MeOut, url_name="v1-me", operation_id="getMe")
@signed_in
def me(request: HttpRequest):
    """Who is calling: the member of staff, their roles, and the API client acting for them."""
    staff = staff_of(request)
    client = getattr(request, "api_client", None)
    authorities = sorted({m.authority_name for m in staff.memberships})
    return {
        "username": staff.username,
        "display_name": staff.display_name,
        "roles": sorted({m.role for m in staff.memberships}),
        "authority": authorities[0] if len(authorities) == 1 else None,
        "api_client": client.name if client else None,
    }


@router.post(
    "/people/search", response=SearchOut, url_name="v1-people-search", operation_id="searchPeople"
)
@requires(Permission.SEARCH_PEOPLE)
def search_people(request: HttpRequest, criteria: SearchIn):
    """Find people by name, date of birth, postcode, NHS number or a source system's
    identifier, best first. The criteria go in the body, never in the address. Audited as
    a search and the results shown."""
    dob = criteria.date_of_birth
    query = person_query(
        name=criteria.name,
        birth=(dob.year, dob.month, dob.day) if dob else (None, None, None),
        postcode=criteria.postcode,
        nhs_number=criteria.nhs_number,
        source_id=criteria.source_id,
    )
    staff = staff_of(request)
    end = criteria.offset + criteria.limit
    found = find_people(
        query,
        authorities_with(staff, Permission.SEARCH_PEOPLE),
        min(end + 1, MAX_SEARCH_RESULTS),
    )
    page = found[criteria.offset : end]
    shown = [p.person_id for p in page]
    audit(
        request,
        "search",
        level=Level.RESULTS if shown else Level.SEARCH,
        subjects=shown,
        details={
            "criteria": criteria_words(query),
            "results": len(shown),
            "offset": criteria.offset,
        },
    )
    return {
        "items": page,
        "limit": criteria.limit,
        "offset": criteria.offset,
        "next_offset": end if len(found) > end and end < MAX_SEARCH_RESULTS else None,
    }


@router.get(
    "/people/{person_id}", response=PersonOut, url_name="v1-person", operation_id="getPerson"
)
@requires(Permission.VIEW_FAMILY)
def person(
    request: HttpRequest,
    person_id: str = PERSON_ID,
    x_purpose: PurposeChoice | None = PURPOSE,
    x_purpose_other: str | None = PURPOSE_OTHER,
    x_case_reference: str | None = CASE_REFERENCE,
):
    """One person's identifying facts. Needs a purpose of access (and break-glass for a
    shielded person); audited as a person summary viewed."""
    read = open_person(request, person_id, family=True)
    facts = person_facts([person_id], read.access.authority_id).get(person_id)
    if facts is None:
        raise ApiProblem(404, "There is no such person.", kind="no-such-person")
    read.record(request, "person.summary", Level.SUMMARY, [person_id])
    summary = facts.summary
    return {
        "person_id": person_id,
        "name": summary.name,
        "given_name": facts.given_name,
        "family_name": facts.family_name,
        "date_of_birth": facts.date_of_birth_text,
        "age": summary.age,
        "sex": facts.sex,
        "partial_address": summary.partial_address,
        "shielded": summary.shielded,
        "deceased": summary.deceased,
        "sources": list(summary.source_names),
    }


@router.get(
    "/people/{person_id}/family",
    response=FamilyNetworkOut,
    url_name="v1-family",
    operation_id="getFamilyNetwork",
)
@requires(Permission.VIEW_FAMILY)
def family(
    request: HttpRequest,
    person_id: str = PERSON_ID,
    x_purpose: PurposeChoice | None = PURPOSE,
    x_purpose_other: str | None = PURPOSE_OTHER,
    x_case_reference: str | None = CASE_REFERENCE,
):
    """The child's family network: parents and carers, siblings, household, other family,
    each with the services they are involved with and who to call, as the display rules
    allow. Needs a purpose of access (and break-glass for a shielded child); audited as
    service details viewed."""
    read, network = open_family(request, person_id)
    shown = [m.person_id for m in network.members]
    read.record(
        request, "family.view", Level.SERVICE_DETAIL, shown, family_details(network, person_id)
    )
    return network


@router.get(
    "/people/{person_id}/involvements",
    response=InvolvementsOut,
    url_name="v1-involvements",
    operation_id="listInvolvements",
)
@requires(Permission.VIEW_FAMILY)
def involvements(
    request: HttpRequest,
    person_id: str = PERSON_ID,
    limit: int = PAGE_LIMIT,
    offset: int = PAGE_OFFSET,
    x_purpose: PurposeChoice | None = PURPOSE,
    x_purpose_other: str | None = PURPOSE_OTHER,
    x_case_reference: str | None = CASE_REFERENCE,
):
    """The person's service involvements with their lead professionals, current first,
    as the display rules allow. Needs a purpose of access (and break-glass for a shielded
    person); audited as service details viewed."""
    read, network = open_family(request, person_id)
    all_shown = network.child.involvements
    page = list(all_shown[offset : offset + limit])
    read.record(
        request,
        "person.involvements",
        Level.SERVICE_DETAIL,
        [person_id],
        {
            "rules_version": network.rules_version,
            "involvements": len(page),
            "offset": offset,
        },
    )
    return {
        "items": page,
        "total": len(all_shown),
        "limit": limit,
        "offset": offset,
        "links": _links(request, limit, offset, len(all_shown)),
    }


@router.get(
    "/people/{person_id}/ecomap.svg",
    url_name="v1-ecomap",
    operation_id="getEcomap",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The ecomap, an SVG picture to save or attach to an assessment",
                "content": {"image/svg+xml": {"schema": {"type": "string"}}},
            }
        }
    },
)
@requires(Permission.VIEW_FAMILY)
def ecomap(
    request: HttpRequest,
    person_id: str = PERSON_ID,
    x_purpose: PurposeChoice | None = PURPOSE,
    x_purpose_other: str | None = PURPOSE_OTHER,
    x_case_reference: str | None = CASE_REFERENCE,
):
    """The family's ecomap as an SVG document (the one answer that is not JSON; errors
    still are). Audited as service details viewed."""
    read, network = open_family(request, person_id)
    svg = ecomap_svg(network)
    read.record(
        request,
        "family.ecomap_download",
        Level.SERVICE_DETAIL,
        [m.person_id for m in network.members],
        family_details(network, person_id),
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="ecomap-{person_id}.svg"'
    return response


@router.post(
    "/people/{person_id}/purpose",
    response=PurposeOut,
    url_name="v1-purpose",
    operation_id="givePurpose",
)
@requires(Permission.VIEW_FAMILY)
def give_purpose(request: HttpRequest, body: PurposeIn, person_id: str = PERSON_ID):
    """Say why you are looking at this child's family, for a case. It is remembered (for
    this member of staff, through this client) and covers the child and the family then
    shown, as the purpose page does; the reference API's endpoints rely on it."""
    _, access = person_or_404(request, person_id)
    try:
        given = PurposeOfAccess(Purpose(body.purpose.value), body.other_text, body.case_reference)
    except ValueError as e:
        field = "case_reference" if "reference" in str(e) else "other_text"
        message = str(e)[:1].upper() + str(e)[1:]
        raise ApiProblem(
            422,
            message + ".",
            kind="invalid-request",
            errors=[FieldProblem("body", field, message)],
        ) from None
    remember_purpose(state_of(request), person_id, given)
    audit(
        request,
        "purpose.given",
        subjects=[person_id],
        purpose=given.description,
        case_reference=given.case_reference,
        authority_id=access.authority_id,
        role=access.membership.role,
    )
    return {
        "person_id": person_id,
        "purpose": given.purpose.value,
        "description": given.description,
        "other_text": given.other_text,
        "case_reference": given.case_reference,
    }


@router.post(
    "/people/{person_id}/break-glass",
    response=BreakGlassOut,
    url_name="v1-break-glass",
    operation_id="breakGlass",
)
@requires(Permission.VIEW_FAMILY)
def break_glass_for(request: HttpRequest, body: BreakGlassIn, person_id: str = PERSON_ID):
    """Say why you need to see a shielded person's family. Recorded in the audit log (it
    always raises a privacy alert) and remembered for the rest of this session."""
    staff, access = person_or_404(request, person_id)
    if not access.shielded:
        raise ApiProblem(
            409,
            "This person is not shielded: their family needs no justification.",
            kind="not-shielded",
        )
    state = state_of(request)
    try:
        break_glass(
            state, staff, person_id, access, body.justification, purpose_for(state, person_id)
        )
    except JustificationError as e:
        raise ApiProblem(
            422,
            str(e) + ".",
            kind="invalid-request",
            errors=[FieldProblem("body", "justification", str(e))],
        ) from None
    return {"person_id": person_id, "opened": True}


@router.post(
    "/people/{person_id}/problem-reports",
    response={201: ProblemReportOut},
    url_name="v1-report-problem",
    operation_id="reportProblem",
)
@requires(Permission.REPORT_PROBLEM)
def report_problem(request: HttpRequest, body: ProblemReportIn, person_id: str = PERSON_ID):
    """Something looks wrong: a wrong match, family link or detail about this person (or
    one of their involvements). It goes to the data steward's queue."""
    staff = staff_of(request)
    access = person_access(staff, person_id, Permission.REPORT_PROBLEM)
    if not access.allowed:
        raise ApiProblem(404, "There is no such person.", kind="no-such-person")
    with transaction.atomic():
        try:
            report = problems.report_problem(
                person_id=person_id,
                authority_id=access.authority_id,
                reporter=request.user,
                kind=body.kind.value,
                what=body.what,
                involvement_id=body.involvement_id,
                seen_in_family_of=case_child(state_of(request), person_id) or "",
            )
        except problems.ProblemRefused as refused:
            field = "involvement_id" if "involvement" in str(refused) else "what"
            raise ApiProblem(
                422,
                str(refused) + ".",
                kind="invalid-request",
                errors=[FieldProblem("body", field, str(refused))],
            ) from None
        audit(
            request,
            "problem.reported",
            subjects=[person_id],
            details={
                "report": report.pk,
                "kind": report.kind,
                "involvement": report.involvement_id,
            },
            authority_id=access.authority_id,
            role=access.membership.role,
        )
    return Status(201, report)


@router.get(
    "/problem-reports",
    response=ProblemReportsOut,
    url_name="v1-problem-reports",
    operation_id="listProblemReports",
)
@requires(Permission.REVIEW_IDENTITY)
def problem_reports(
    request: HttpRequest,
    limit: int = PAGE_LIMIT,
    offset: int = PAGE_OFFSET,
    status: ProblemStatus | None = STATUS,
):
    """The data steward's queue of reports: open ones first, oldest first. Audited."""
    staff = staff_of(request)
    authority_ids = authorities_with(staff, Permission.REVIEW_IDENTITY)
    reports = problems.problem_queue(authority_ids).paginator.object_list
    if status is not None:
        reports = reports.filter(status=status.value)
    total = reports.count()
    page = list(reports[offset : offset + limit])
    audit(
        request,
        "problem_reports.listed",
        subjects=sorted({r.person_id for r in page}),
        details={"reports": [r.pk for r in page], "offset": offset},
        role="data_steward",
        authority_id=authority_ids[0] if len(authority_ids) == 1 else None,
    )
    return {
        "items": page,
        "total": total,
        "limit": limit,
        "offset": offset,
        "links": _links(request, limit, offset, total),
    }


# Helpers


def _links(request: HttpRequest, limit: int, offset: int, total: int) -> dict[str, str | None]:
    """Links to this page and the pages either side (the query kept, offset changed)."""

    def to(at: int) -> str:
        query = {k: v for k, v in request.GET.items() if k not in ("limit", "offset")}
        return f"{request.path}?{urlencode({**query, 'limit': limit, 'offset': at})}"

    return {
        "self": to(offset),
        "next": to(offset + limit) if offset + limit < total else None,
        "prev": to(max(offset - limit, 0)) if offset > 0 else None,
    }
