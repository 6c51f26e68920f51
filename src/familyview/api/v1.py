"""Family View's own API, version 1 (/api/v1/): person search, a person, the family
network for a child, a person's involvements with their lead professionals, the ecomap,
the purpose of access, break-glass and "something looks wrong" reports.

Each endpoint declares its rule (`@requires`, `@signed_in`), parses the request, calls
one domain function and answers; reads of family data go through reads.py, which applies
the pages' terms and records the one audit event.
"""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.responses import Status

from familyview.access.break_glass import JustificationError, break_glass
from familyview.access.policy import Permission, PersonAccess, authorities_with, staff_of
from familyview.access.purpose import (
    Purpose,
    PurposeNotRight,
    PurposeOfAccess,
    case_child,
    purpose_for,
    remember_purpose,
)
from familyview.access.rules import requires, signed_in
from familyview.api.access import state_of
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
from familyview.api.problems import ApiProblem, FieldProblem
from familyview.api.reads import caller_of, opened
from familyview.api.schemas import (
    MAX_SEARCH_RESULTS,
    BreakGlassIn,
    BreakGlassOut,
    FamilyNetworkOut,
    InvolvementsOut,
    MeOut,
    NeighboursOut,
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
from familyview.audit.actions import Action
from familyview.audit.models import Level
from familyview.families.network import FamilyNetwork
from familyview.identity import problems
from familyview.identity.persons import person_details
from familyview.identity.search import find_people
from familyview.peers.ask import ask_neighbours
from familyview.reads import door

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
    door.record_search(
        caller_of(request, with_purpose=False),
        shown,
        {"criteria": criteria_words(query), "results": len(shown), "offset": criteria.offset},
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

    def shown(access: PersonAccess) -> door.Shown | None:
        found = person_details([person_id], [access.authority_id]).get(person_id)
        return door.Shown([person_id], Level.SUMMARY, content=found) if found else None

    read = opened(door.read_person(caller_of(request), person_id, Action.PERSON_SUMMARY, shown))
    found = read.content
    return {
        "person_id": person_id,
        "name": found.name,
        "given_name": found.given_name,
        "family_name": found.family_name,
        "date_of_birth": found.date_of_birth.iso,
        "age": found.age,
        "sex": found.sex,
        "partial_address": found.partial_address,
        "shielded": found.shielded,
        "deceased": found.deceased,
        "sources": list(found.source_names),
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
    return opened(door.open_family(caller_of(request), person_id, Action.FAMILY_VIEW)).network


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

    def shown(network: FamilyNetwork, access: PersonAccess) -> door.Shown:
        page = list(network.child.involvements[offset : offset + limit])
        details = {
            "rules_version": network.rules_version,
            "involvements": len(page),
            "offset": offset,
        }
        return door.Shown([person_id], Level.SERVICE_DETAIL, details, page)

    read = opened(
        door.open_family(caller_of(request), person_id, Action.PERSON_INVOLVEMENTS, shown)
    )
    all_shown, page = read.network.child.involvements, read.content
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

    def shown(network: FamilyNetwork, access: PersonAccess) -> door.Shown[str]:
        whole = door.whole_family(network, access)
        return door.Shown(whole.subjects, whole.level, whole.details, ecomap_svg(network))

    read = opened(
        door.open_family(caller_of(request), person_id, Action.FAMILY_ECOMAP_DOWNLOAD, shown)
    )
    response = HttpResponse(read.content, content_type="image/svg+xml; charset=utf-8")
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
    caller = caller_of(request, with_purpose=False)
    access = door.check_person(caller, person_id, Permission.VIEW_FAMILY)
    if access is None:
        raise ApiProblem(404, "There is no such person.", kind="no-such-person")
    try:
        given = PurposeOfAccess(Purpose(body.purpose.value), body.other_text, body.case_reference)
    except PurposeNotRight as e:
        errors = [FieldProblem("body", p.part, p.message) for p in e.problems]
        raise ApiProblem(
            422,
            "; ".join(p.message for p in e.problems) + ".",
            kind="invalid-request",
            errors=errors,
        ) from None
    remember_purpose(state_of(request), person_id, given)
    door.record_purpose_given(caller, person_id, access, given)
    return {
        "person_id": person_id,
        "purpose": given.purpose.value,
        "description": given.description,
        "other_text": given.other_text,
        "case_reference": given.case_reference,
    }


@router.post(
    "/people/{person_id}/neighbours",
    response=NeighboursOut,
    url_name="v1-neighbours",
    operation_id="askNeighbours",
)
@requires(Permission.VIEW_FAMILY)
def neighbours(
    request: HttpRequest,
    person_id: str = PERSON_ID,
    x_purpose: PurposeChoice | None = PURPOSE,
    x_purpose_other: str | None = PURPOSE_OTHER,
    x_case_reference: str | None = CASE_REFERENCE,
):
    """Ask the neighbouring councils' Family View deployments which services know the
    child's family and who to call (docs/peers.md): for each family member with a valid
    NHS number and a full date of birth, only those are sent, with your name, role,
    council, purpose and case reference, to every neighbour at once; each answers by its
    own rules, or did not answer in time, or refused. Needs a purpose of access (and
    break-glass for a shielded child); audited as neighbours asked, and by each
    neighbour."""
    asked = opened(ask_neighbours(caller_of(request), person_id)).content
    return {
        "child": person_id,
        "time_limit_seconds": asked.time_limit,
        "asked": [
            {
                "person_id": m.person_id,
                "answers": [
                    {
                        "peer": reply.peer,
                        "council": reply.council,
                        "outcome": reply.outcome,
                        "why": reply.why,
                        "held": answer.held.model_dump() if answer and answer.held else None,
                        "services": [s.model_dump() for s in answer.services] if answer else [],
                    }
                    for reply, answer in asked.for_person(m.person_id)
                ],
            }
            for m in asked.asked
        ],
        "not_asked": [m.person_id for m in asked.not_asked],
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
    caller = caller_of(request, with_purpose=False)
    access = door.check_person(caller, person_id, Permission.VIEW_FAMILY)
    if access is None:
        raise ApiProblem(404, "There is no such person.", kind="no-such-person")
    if not access.shielded:
        raise ApiProblem(
            409,
            "This person is not shielded: their family needs no justification.",
            kind="not-shielded",
        )
    state = state_of(request)
    try:
        break_glass(
            state,
            caller.staff,
            person_id,
            access,
            body.justification,
            purpose_for(state, person_id),
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
    caller = caller_of(request, with_purpose=False)
    access = door.check_person(caller, person_id, Permission.REPORT_PROBLEM)
    if access is None:
        raise ApiProblem(404, "There is no such person.", kind="no-such-person")
    try:
        report = door.report_problem(
            caller,
            access,
            person_id,
            reporter=request.user,
            kind=body.kind.value,
            what=body.what,
            involvement_id=body.involvement_id,
            seen_in_family_of=case_child(state_of(request), person_id) or "",
            same_as=body.same_as or "",
        )
    except problems.ProblemRefused as refused:
        field = "involvement_id" if "involvement" in str(refused) else "what"
        if isinstance(refused, problems.SamePersonRefused):
            field = "same_as"
        raise ApiProblem(
            422,
            str(refused) + ".",
            kind="invalid-request",
            errors=[FieldProblem("body", field, str(refused))],
        ) from None
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
    door.record_problem_reports_listed(
        caller_of(request, with_purpose=False), page, offset, authority_ids
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
