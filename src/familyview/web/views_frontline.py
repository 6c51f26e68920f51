"""The front-line pages: search for a child, say why, see the family, the ecomap and
timeline, the "who to call" sheet, why the system thinks what it shows, and "something
looks wrong".

Each view parses the request and goes through the one door to personal data
(reads/door.py), which checks the person may be looked at (another authority's person is
answered 404, as if absent), the purpose and break-glass, reads, and records the page's
one audit event; the view turns its outcome into a page or a redirect.
Personal data never goes into a URL: people are named in URLs by their opaque person id,
and a search's criteria stay in the session under an opaque key.
"""

import secrets
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from familyview import ecomap
from familyview.access.break_glass import break_glass_given
from familyview.access.policy import (
    Permission,
    PersonAccess,
    authorities_with,
    staff_of,
)
from familyview.access.purpose import (
    PurposeOfAccess,
    case_child,
    purpose_for,
    remember_purpose,
)
from familyview.access.rules import requires, url_name
from familyview.audit.actions import Action
from familyview.audit.models import Level
from familyview.families.links import family_of
from familyview.families.network import (
    FamilyNetwork,
    FamilyNetworkRefused,
    ServiceInvolvement,
    Viewer,
    family_network,
)
from familyview.identity import explain, problems
from familyview.identity.models import Person, ProblemReport
from familyview.identity.persons import person_details
from familyview.identity.search import find_people
from familyview.involvements.categories import service_names
from familyview.peers.ask import ask_neighbours, asking_is_set_up
from familyview.reads import door
from familyview.web.forms_frontline import (
    ProblemForm,
    PurposeForm,
    SearchForm,
    error_list,
    field_error,
)
from familyview.web.known_to import family_known_to, known_to, sources_in_words

SEARCHES_KEY = "familyview.searches"
# The searches a session keeps (so that "Back to results" works), newest last.
MAX_SEARCHES = 10
RESULTS_SHOWN = 20
# The families opened this session listed under the search box, the latest first.
RECENT_FAMILIES_SHOWN = 10


# Search


@requires(Permission.SEARCH_PEOPLE)
@require_http_methods(["GET", "HEAD", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """POST the search (criteria are personal data: never in a URL), then show the results
    under an opaque key kept in the session (POST-redirect-GET)."""
    staff = staff_of(request)
    if request.method == "POST":
        form = SearchForm(request.POST)
        if form.is_valid():
            key = _remember_search(request, form.criteria())
            return redirect(f"{reverse('web:search')}?results={key}")
        return _search_page(request, form, None)
    key = request.GET.get("results", "")
    criteria = request.session.get(SEARCHES_KEY, {}).get(key)
    if criteria is None:
        return _search_page(
            request,
            SearchForm(),
            None,
            recent=door.recent_families(_caller(request), RECENT_FAMILIES_SHOWN),
            resolutions=problems.resolutions_to_tell(request.user),
        )
    form = SearchForm.from_criteria(criteria)
    results = find_people(
        form.query(), authorities_with(staff, Permission.SEARCH_PEOPLE), RESULTS_SHOWN
    )
    shown = [r.person_id for r in results]
    door.record_search(
        _caller(request),
        shown,
        {"criteria": _criteria_words(criteria), "results": len(shown)},
    )
    return _search_page(request, form, results, key)


def _search_page(
    request: HttpRequest,
    form: SearchForm,
    results: list | None,
    key: str = "",
    *,
    recent: list[door.RecentFamily] | None = None,
    resolutions: list[problems.Resolution] | None = None,
) -> HttpResponse:
    errors = error_list(form, {"date_of_birth_day": form.error_anchor("date_of_birth_day")})
    names = service_names() if results else {}
    return render(
        request,
        "web/people/search.html",
        {
            "form": form,
            "results": results,
            "known_to": {r.person_id: known_to(r.service_categories, names) for r in results or ()},
            "recent": recent or [],
            "resolutions": resolutions or [],
            "results_key": key,
            "error_list": errors,
            "errors": {name: field_error(form, name) for name in form.fields},
            "limit": RESULTS_SHOWN,
        },
    )


def _remember_search(request: HttpRequest, criteria: dict[str, Any]) -> str:
    searches = dict(request.session.get(SEARCHES_KEY, {}))
    key = secrets.token_urlsafe(9)
    searches[key] = criteria
    request.session[SEARCHES_KEY] = dict(list(searches.items())[-MAX_SEARCHES:])
    return key


def _criteria_words(criteria: dict[str, Any]) -> dict[str, Any]:
    """The criteria given, without the empty ones (for the audit log)."""
    return {name: value for name, value in criteria.items() if value not in ("", None)}


# Purpose of access


@requires(Permission.VIEW_FAMILY)
@require_http_methods(["GET", "HEAD", "POST"])
def purpose(request: HttpRequest, person_id: str) -> HttpResponse:
    """Say why, before any family data is shown: purpose and case reference."""
    caller = _caller(request)
    access = door.check_person(caller, person_id, Permission.VIEW_FAMILY)
    if access is None:
        raise Http404("No such person")
    given = purpose_for(request.session, person_id)
    if request.method == "POST":
        form = PurposeForm(request.POST)
        if form.is_valid():
            remember_purpose(
                request.session,
                person_id,
                form.purpose_of_access(),
                covers=family_of(person_id, access.authority_id),
            )
            return redirect("web:family", person_id)
    else:
        initial = {}
        if given is not None:
            initial = {
                "purpose": given.purpose.value,
                "other_purpose": given.other_text,
                "case_reference": given.case_reference,
            }
        form = PurposeForm(initial=initial)
    opened = _opened_or_response(
        door.read_person(
            caller,
            person_id,
            Action.PERSON_SUMMARY,
            lambda access: _summary_shown(person_id, access),
            purpose=False,
            break_glass=False,
            access=access,
        )
    )
    if isinstance(opened, HttpResponse):
        return opened
    return render(
        request,
        "web/people/purpose.html",
        {
            "person": opened.content,
            "known_to": known_to(opened.content.service_categories, service_names()),
            "form": form,
            "shielded": access.shielded,
            "error_list": error_list(form, {"purpose": "purpose"}),
            "errors": {name: field_error(form, name) for name in form.fields},
            "back_href": _back_to_results(request),
        },
    )


# The family view, ecomap and timeline, who to call


@requires(Permission.VIEW_FAMILY)
@require_safe
def family(request: HttpRequest, person_id: str) -> HttpResponse:
    found = _family_or_redirect(request, person_id, Action.FAMILY_VIEW)
    if isinstance(found, HttpResponse):
        return found
    network, purpose_of_access = found
    names = service_names()
    return render(
        request,
        "web/family/family.html",
        {
            "network": network,
            "purpose": purpose_of_access,
            "relationships": _relationships(network),
            "known_to": family_known_to(network, names),
            "source_services": {
                s.code: known_to([s.service_category], names)[0] for s in network.sources
            },
            "ask_neighbours": asking_is_set_up(),
            "source_words": sources_in_words(network.sources, names),
        },
    )


@requires(Permission.VIEW_FAMILY)
@require_safe
def ecomap_page(request: HttpRequest, person_id: str) -> HttpResponse:
    found = _family_or_redirect(request, person_id, Action.FAMILY_ECOMAP)
    if isinstance(found, HttpResponse):
        return found
    network, purpose_of_access = found
    return render(
        request,
        "web/family/ecomap.html",
        {
            "network": network,
            "purpose": purpose_of_access,
            "svg": ecomap.render_svg(network, title_id="ecomap-title", desc_id="ecomap-desc"),
            "timeline": ecomap.timeline(network),
            "people": ecomap.people_table(network),
        },
    )


@requires(Permission.VIEW_FAMILY)
@require_safe
def ecomap_svg(request: HttpRequest, person_id: str) -> HttpResponse:
    """The ecomap alone, to save and attach to an assessment."""
    found = _family_or_redirect(request, person_id, Action.FAMILY_ECOMAP_DOWNLOAD)
    if isinstance(found, HttpResponse):
        return found
    network, _ = found
    response = HttpResponse(
        ecomap.render_svg(network, standalone=True), content_type="image/svg+xml; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="ecomap-{person_id}.svg"'
    return response


@requires(Permission.VIEW_FAMILY)
@require_safe
def who_to_call(request: HttpRequest, person_id: str) -> HttpResponse:
    found = _family_or_redirect(request, person_id, Action.FAMILY_WHO_TO_CALL)
    if isinstance(found, HttpResponse):
        return found
    network, purpose_of_access = found
    staff = staff_of(request)
    return render(
        request,
        "web/family/who_to_call.html",
        {
            "network": network,
            "purpose": purpose_of_access,
            "printed_by": staff.display_name,
            "printed_at": timezone.now(),
            # The family page's first screen, to print: who to call first, in its order.
            "members": [(m, m.recent_involvements) for m in network.who_to_call_first],
            "relationships": _relationships(network),
            "source_words": sources_in_words(network.sources, service_names()),
        },
    )


@requires(Permission.VIEW_FAMILY)
@require_POST
def neighbours(request: HttpRequest, person_id: str) -> HttpResponse:
    """Known to neighbouring councils? The family page's button: the peers' domain function
    reads the family through the one door, asks every neighbour at once and records the one
    event (docs/peers.md); the answers are shown once, never kept in a URL."""
    opened = _opened_or_response(ask_neighbours(_caller(request), person_id))
    if isinstance(opened, HttpResponse):
        return opened
    network = opened.network
    return render(
        request,
        "web/family/neighbours.html",
        {
            "network": network,
            "purpose": opened.purpose,
            "asked": opened.content,
            "relationships": _relationships(network),
        },
    )


def _family_or_redirect(
    request: HttpRequest, person_id: str, action: Action
) -> tuple[FamilyNetwork, PurposeOfAccess] | HttpResponse:
    """The family as this viewer may see it, through the one door (reads/door.py), which
    checks, reads and records the page's one audit event; or where to go instead."""
    opened = _opened_or_response(door.open_family(_caller(request), person_id, action))
    if isinstance(opened, HttpResponse):
        return opened
    return opened.network, opened.purpose


def _relationships(network: FamilyNetwork) -> dict[str, str]:
    """What each person is to the child, in words, by person id."""
    return {m.person_id: ecomap.relationship_words(m, network) for m in network.members}


# Why the system thinks so


@requires(Permission.VIEW_FAMILY)
@require_safe
def why(request: HttpRequest, person_id: str) -> HttpResponse:
    """How sure the system is that these records are one person, and why, in plain words."""

    def shown(access: PersonAccess) -> door.Shown | None:
        try:
            explanation = explain.explain_person(person_id, [access.authority_id])
        except Person.DoesNotExist:
            return None
        summary = _summary_shown(person_id, access)
        if summary is None:
            return None
        return door.Shown([person_id], Level.SUMMARY, content=(explanation, summary.content))

    opened = _opened_or_response(
        door.read_person(_caller(request), person_id, Action.PERSON_WHY, shown)
    )
    if isinstance(opened, HttpResponse):
        return opened
    explanation, summary = opened.content
    return render(
        request,
        "web/people/why.html",
        {
            "person": summary,
            "explanation": explanation,
            "purpose": opened.purpose,
            "child_id": case_child(request.session, person_id),
        },
    )


# Something looks wrong


@requires(Permission.REPORT_PROBLEM)
@require_http_methods(["GET", "HEAD", "POST"])
def report_problem(request: HttpRequest, person_id: str) -> HttpResponse:
    """ "Something looks wrong" about a person, once per person on the family page: the
    worker chooses here which fact (the person, or one of their services)."""
    caller = _caller(request)
    access = door.check_person(caller, person_id, Permission.REPORT_PROBLEM)
    if access is None:
        raise Http404("No such person")
    # Their services are listed to choose from only where the family page would show
    # them: under a purpose for the case, and for a shielded person after break-glass.
    with_services = purpose_for(request.session, person_id) is not None and (
        not access.needs_break_glass or break_glass_given(request.session, person_id)
    )
    involvements = _shown_involvements(person_id, access) if with_services else ()
    involvement = _chosen_involvement(request, involvements)
    child_id = case_child(request.session, person_id) or ""
    others = _others_in_the_family(door.case_family(caller, person_id), person_id)
    form = ProblemForm(
        request.POST if request.method == "POST" else None,
        others=others,
        initial=_same_as_asked(request, others),
    )
    sent = (
        request.method == "POST"
        and form.is_valid()
        and _send_report(request, form, access, person_id, involvement, child_id)
    )
    if sent:
        messages.success(
            request, "Thank you: your report is with the data steward, who will check it."
        )
        back = child_id or person_id
        if purpose_for(request.session, back):
            return redirect("web:family", back)
        return redirect("web:search")

    def shown(access: PersonAccess) -> door.Shown | None:
        summary = _summary_shown(person_id, access)
        if summary is None:
            return None
        details = {
            "involvement": involvement.involvement_id if involvement else None,
            "involvements_listed": len(involvements),
        }
        level = Level.SERVICE_DETAIL if involvements else Level.SUMMARY
        # The family members offered as "the same person as" are shown too.
        shown_ids = [person_id, *(other for other, _ in others)]
        return door.Shown(shown_ids, level, details, summary.content)

    opened = _opened_or_response(
        door.read_person(
            caller,
            person_id,
            Action.PROBLEM_FORM,
            shown,
            permission=Permission.REPORT_PROBLEM,
            purpose=with_services,
            break_glass=with_services,
            access=access,
        )
    )
    if isinstance(opened, HttpResponse):
        return opened
    return render(
        request,
        "web/people/report_problem.html",
        {
            "person": opened.content,
            "involvements": involvements,
            "involvement": involvement,
            "form": form,
            "kinds": form.fields["kind"].choices,
            "others": others,
            "error_list": error_list(form),
            "errors": {name: field_error(form, name) for name in form.fields},
            "back_href": reverse("web:family", args=[child_id or person_id])
            if purpose_for(request.session, child_id or person_id)
            else reverse("web:search"),
        },
    )


def _send_report(
    request: HttpRequest,
    form: ProblemForm,
    access: PersonAccess,
    person_id: str,
    involvement: ServiceInvolvement | None,
    child_id: str,
) -> bool:
    """Put the report in the steward's queue, audited; False (with the reason on the
    form) when it cannot be made."""
    try:
        door.report_problem(
            _caller(request),
            access,
            person_id,
            reporter=request.user,
            kind=form.cleaned_data["kind"],
            what=form.cleaned_data["what"],
            involvement_id=involvement.involvement_id if involvement else None,
            seen_in_family_of=child_id,
            same_as=form.cleaned_data["same_as"],
        )
    except problems.ProblemRefused as refused:
        same = isinstance(refused, problems.SamePersonRefused)
        form.add_error("same_as" if same else "what", str(refused))
        return False
    return True


def _others_in_the_family(network: FamilyNetwork | None, person_id: str) -> list[tuple[str, str]]:
    """Whom else in the case's family a person may be the same as: (person id, how the
    worker knows them: name, what they are to the child, age)."""
    if network is None:
        return []
    return [
        (
            m.person_id,
            ", ".join(
                [m.display_name, ecomap.relationship_words(m, network)]
                + ([f"{m.age}"] if m.age is not None else [])
            ),
        )
        for m in network.members
        if m.person_id != person_id
    ]


def _same_as_asked(request: HttpRequest, others: list[tuple[str, str]]) -> dict[str, str]:
    """ "These may be the same person" links here with the other person chosen."""
    asked = request.GET.get("same_as", "")
    if asked and asked in {other for other, _ in others}:
        return {"kind": ProblemReport.Kind.SAME_PERSON, "same_as": asked}
    return {}


def _shown_involvements(person_id: str, access: PersonAccess) -> tuple[ServiceInvolvement, ...]:
    """The person's services as the display rules show them to this worker."""
    try:
        network = family_network(person_id, Viewer(access.membership.role, access.authority_id))
    except FamilyNetworkRefused:
        raise Http404("No such person") from None
    return network.child.involvements


def _chosen_involvement(
    request: HttpRequest, involvements: tuple[ServiceInvolvement, ...]
) -> ServiceInvolvement | None:
    """The service the report is about (None: the person as a whole); 404 for one not
    listed to this worker (so that guessing an id reveals nothing)."""
    raw = request.POST.get("involvement") if request.method == "POST" else None
    if raw is None:
        raw = request.GET.get("involvement", "")
    if not raw:
        return None
    for involvement in involvements:
        if str(involvement.involvement_id) == raw:
            return involvement
    raise Http404("No such involvement")


# Helpers


def _caller(request: HttpRequest) -> door.Caller:
    """The signed-in member of staff, their session and the page asked, for the door."""
    return door.Caller(staff_of(request), request.session, where=url_name(request))


def _opened_or_response(outcome: door.Outcome) -> door.Opened | HttpResponse:
    """An opened read, or the page's answer to a refused one (the door has audited it)."""
    if isinstance(outcome, door.Opened):
        return outcome
    if isinstance(outcome, door.NeedsPurpose):
        return redirect("web:purpose", outcome.person_id)
    if isinstance(outcome, door.NeedsBreakGlass):
        return redirect("web:break-glass", outcome.person_id)
    if isinstance(outcome, door.Refused):
        raise PermissionDenied(outcome.why)
    raise Http404("No such person")


def _summary_shown(person_id: str, access: PersonAccess) -> door.Shown | None:
    """The person as their records show them, as a read at level summary; None when they
    have no records."""
    person = person_details([person_id], [access.authority_id]).get(person_id)
    if person is None:
        return None
    return door.Shown([person_id], Level.SUMMARY, content=person)


def _back_to_results(request: HttpRequest) -> str:
    """The latest search's results, if the session holds one."""
    searches = request.session.get(SEARCHES_KEY, {})
    if not searches:
        return reverse("web:search")
    return f"{reverse('web:search')}?results={list(searches)[-1]}"
