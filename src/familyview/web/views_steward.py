"""The data steward's identity pages: the review queue, a pair, a person, data quality.

Only data stewards see them (the Imports pages' roles), and only for
their own authorities: another authority's pair or person is "not found". URLs carry
opaque identifiers only (pair numbers, person identifiers), never a name or a date.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from familyview.access.policy import Permission, authorities_with, staff_of
from familyview.access.rules import requires, url_name
from familyview.identity import (
    duplicates,
    explain,
    queries,
    source_links,
    steward_reads,
    stewardship,
)
from familyview.identity import problems as problem_reports
from familyview.pipeline import steward_changes
from familyview.sources import quality
from familyview.sources.models import Source
from familyview.web.forms import error_list, field_error
from familyview.web.forms_frontline import ResolveProblemForm
from familyview.web.pagination import pagination

REASON_MAX_LENGTH = 1000
REASON_ERRORS = {
    "required": "Enter the reason for your decision",
    "max_length": f"The reason must be {REASON_MAX_LENGTH} characters or fewer",
}


def _reason_field() -> forms.CharField:
    """Why: every ruling, merge and split is kept with the steward's reason."""
    return forms.CharField(max_length=REASON_MAX_LENGTH, error_messages=REASON_ERRORS)


def _numbers_field(required: str, invalid: str) -> forms.TypedMultipleChoiceField:
    """Several pairs or records picked by number, with the words for none and for a stray one."""
    return forms.TypedMultipleChoiceField(
        coerce=int, error_messages={"required": required, "invalid_choice": invalid}
    )


class ReviewDecisionForm(forms.Form):
    """A steward's ruling on a review pair, with the reason every ruling needs."""

    ruling = forms.ChoiceField(
        choices=[
            ("same", "The same person"),
            ("different", "Different people"),
            ("not_sure", "Not sure"),
        ],
        error_messages={
            "required": "Select whether these records are the same person",
            "invalid_choice": "Select whether these records are the same person",
        },
    )
    reason = _reason_field()


class ConfirmDuplicatesForm(forms.Form):
    """Several pairs of one source's records confirmed as the same person, with one reason."""

    pairs = _numbers_field(
        "Select the pairs that are the same person",
        "Select only pairs of two records of one source",
    )
    confirm_reason = _reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any pair number: which pairs the steward may confirm is the domain's to check.
        if self.is_bound:
            self.fields["pairs"].choices = [(p, p) for p in self.data.getlist("pairs")]


class MergeForm(forms.Form):
    other_person = forms.CharField(
        max_length=20,
        error_messages={
            "required": "Enter the identifier of the person to merge into this one",
            "max_length": "Enter a person identifier like P0003D6B3EF92D87D",
        },
    )
    merge_reason = _reason_field()


class SplitForm(forms.Form):
    records = _numbers_field(
        "Select the records to split off", "Select only records of this person"
    )
    split_reason = _reason_field()

    def __init__(self, record_ids: list[int], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [(str(r), str(r)) for r in record_ids]


# The review queue


@requires(Permission.REVIEW_IDENTITY)
@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    return _review_queue_page(request, ConfirmDuplicatesForm())


@requires(Permission.REVIEW_IDENTITY)
@require_POST
def review_confirm_duplicates(request: HttpRequest) -> HttpResponse:
    """Confirm the selected within-source pairs as the same person, each as one decision."""
    form = ConfirmDuplicatesForm(request.POST)
    if form.is_valid():
        try:
            confirmed = steward_changes.confirm_duplicates(
                form.cleaned_data["pairs"], request.user, form.cleaned_data["confirm_reason"]
            )
        except stewardship.StewardshipRefused as refused:
            form.add_error("pairs", str(refused))
        else:
            n = len(confirmed.outcomes)
            _tell(
                request,
                f"{n} pair{'s' if n != 1 else ''} confirmed as the same person: "
                f"{', '.join(str(p) for p in confirmed.outcomes)}",
                confirmed.warnings,
            )
            return redirect(
                f"{reverse('web:steward-review')}?{request.GET.urlencode()}"
                if request.GET
                else reverse("web:steward-review")
            )
    return _review_queue_page(request, form)


def _review_queue_page(request: HttpRequest, form: ConfirmDuplicatesForm) -> HttpResponse:
    authority_ids = _steward_authority_ids(request)
    page = steward_reads.steward_read_queue(staff_of(request), request.GET.get("page"))
    within_source = [
        p for p in page if queries.is_within_one_source(p) and p.status in stewardship.DECIDABLE
    ]
    selected = {str(p) for p in form.data.getlist("pairs")} if form.is_bound else set()
    return render(
        request,
        "web/steward/review_queue.html",
        {
            "pairs": page,
            "counts": queries.queue_counts(authority_ids),
            "pagination": pagination(request, page),
            "probability_words": explain.probability_words,
            "within_source": within_source,
            "form": form,
            "selected": selected,
            "error_list": error_list(form) if form.is_bound else [],
            "pairs_error": field_error(form, "pairs"),
            "reason_error": field_error(form, "confirm_reason"),
        },
    )


@requires(Permission.REVIEW_IDENTITY)
@require_http_methods(["GET", "HEAD", "POST"])
def review_pair(request: HttpRequest, pair_id: int) -> HttpResponse:
    """A pair's two records; the steward rules on it. The ruling is audited by the domain;
    the page, when shown, as one read of the pair."""
    authority_ids = _steward_authority_ids(request)
    form = ReviewDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = steward_changes.decide_pair(
                pair_id, form.cleaned_data["ruling"], request.user, form.cleaned_data["reason"]
            )
        except stewardship.NotFound:
            raise Http404("No such review pair") from None
        except stewardship.StewardshipRefused as refused:
            form.add_error(None, str(refused))
        else:
            _tell(request, f"Pair {pair_id}: {outcome.effect}", outcome.warnings)
            next_id = queries.next_open_pair_id(authority_ids)
            if next_id is not None:
                return redirect("web:steward-review-pair", next_id)
            return redirect("web:steward-review")
    shown = steward_reads.steward_read_pair(staff_of(request), pair_id, url_name(request))
    if isinstance(shown, steward_reads.NotShown):
        raise Http404("No such review pair")
    pair = shown.pair
    return render(
        request,
        "web/steward/review_pair.html",
        {
            "pair": pair,
            "explanation": shown.explanation,
            "why_not_linked": shown.why_not_linked,
            "decision": queries.decision_on_pair(pair),
            "decidable": pair.status in stewardship.DECIDABLE,
            "form": form,
            "error_list": error_list(form),
            "ruling_error": field_error(form, "ruling"),
            "reason_error": field_error(form, "reason"),
        },
    )


# Persons


@requires(Permission.REVIEW_IDENTITY)
@require_safe
def person(request: HttpRequest, person_id: str) -> HttpResponse:
    return _person_page(request, person_id)


@requires(Permission.REVIEW_IDENTITY)
@require_POST
def person_merge(request: HttpRequest, person_id: str) -> HttpResponse:
    _changeable_person_or_404(request, person_id)
    form = MergeForm(request.POST)
    return _person_change(
        request, person_id, form, steward_changes.merge_persons, "other_person", "merge_reason"
    )


@requires(Permission.REVIEW_IDENTITY)
@require_POST
def person_split(request: HttpRequest, person_id: str) -> HttpResponse:
    _changeable_person_or_404(request, person_id)
    found = queries.person_records(person_id, _steward_authority_ids(request))
    form = SplitForm([r.pk for r in found.records], request.POST)
    return _person_change(
        request, person_id, form, steward_changes.split_records, "records", "split_reason"
    )


def _person_change(
    request: HttpRequest,
    person_id: str,
    form: MergeForm | SplitForm,
    change: Callable[..., stewardship.Outcome],
    field: str,
    reason: str,
) -> HttpResponse:
    """A merge or split as the form asks: made, and back to the person; or refused, with
    why beside the field, on the person page again."""
    if form.is_valid():
        try:
            outcome = change(
                person_id, form.cleaned_data[field], request.user, form.cleaned_data[reason]
            )
        except stewardship.StewardshipRefused as refused:
            form.add_error(field, str(refused))
        else:
            _tell(request, outcome.effect, outcome.warnings)
            return redirect("web:steward-person", person_id)
    return _person_page(request, person_id, form)


def _person_page(
    request: HttpRequest,
    person_id: str,
    posted: MergeForm | SplitForm | None = None,
) -> HttpResponse:
    shown = steward_reads.steward_read_person(staff_of(request), person_id, url_name(request))
    if isinstance(shown, steward_reads.NotShown):
        raise Http404("No such person")
    explanation = shown.explanation
    merge_form = posted if isinstance(posted, MergeForm) else MergeForm()
    split_form = (
        posted
        if isinstance(posted, SplitForm)
        else SplitForm([r.record_id for r in explanation.records])
    )
    posted = merge_form if merge_form.is_bound else split_form
    return render(
        request,
        "web/steward/person.html",
        {
            "explanation": explanation,
            "person": explanation.person,
            "history": shown.history,
            "merge_form": merge_form,
            "split_form": split_form,
            "error_list": error_list(posted) if posted.is_bound else [],
            "errors": {
                name: field_error(form, name)
                for form in (merge_form, split_form)
                for name in form.fields
            },
            "selected": {
                str(r) for r in (split_form.data.getlist("records") if split_form.is_bound else [])
            },
        },
    )


def _changeable_person_or_404(request: HttpRequest, person_id: str) -> None:
    if not steward_reads.steward_may_change(staff_of(request), person_id, url_name(request)):
        raise Http404("No such person")


# Data quality


@requires(Permission.REVIEW_IDENTITY)
@require_safe
def data_quality(request: HttpRequest) -> HttpResponse:
    authority_ids = _steward_authority_ids(request)
    return render(
        request,
        "web/steward/quality.html",
        {
            "sources": source_links.data_quality(authority_ids),
            "fields": [name for name, _ in quality.COMPLETENESS.values()],
        },
    )


@requires(Permission.REVIEW_IDENTITY)
@require_safe
def source_quality(request: HttpRequest, source_code: str) -> HttpResponse:
    """One source's data quality: the people it holds more than once, for its owner to fix.

    Which records the index holds as one person is personal data: the showing is audited,
    naming the persons shown.
    """
    staff = staff_of(request)
    source = _visible_source_or_404(request, source_code)
    found = steward_reads.steward_read_duplicates(staff, source, request.GET.get("page"))
    return render(
        request,
        "web/steward/source_quality.html",
        {
            "source": source,
            "groups": found.groups,
            "count": found.page.paginator.count,
            "pagination": pagination(request, found.page),
            "probability_words": explain.probability_words,
        },
    )


@requires(Permission.REVIEW_IDENTITY)
@require_safe
def source_duplicates_csv(request: HttpRequest, source_code: str) -> HttpResponse:
    """The source's duplicates as a CSV file for its owner (audited as an export, before
    the first line is sent: an interrupted download was still an export)."""
    staff = staff_of(request)
    source = _visible_source_or_404(request, source_code)
    groups = steward_reads.steward_export_duplicates(staff, source)
    response = StreamingHttpResponse(
        duplicates.duplicates_csv_lines(source, groups), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="duplicates-{source.code}.csv"'
    return response


def _visible_source_or_404(request: HttpRequest, source_code: str) -> Source:
    try:
        return duplicates.visible_source(source_code, _steward_authority_ids(request))
    except Source.DoesNotExist:
        raise Http404("No such source") from None


def _steward_authority_ids(request: HttpRequest) -> list[int]:
    """The authorities whose person index the user looks after (`@requires` let in only
    them)."""
    return authorities_with(staff_of(request), Permission.REVIEW_IDENTITY)


def _tell(request: HttpRequest, effect: str, warnings: list[str]) -> None:
    messages.success(request, effect)
    for warning in warnings:
        messages.warning(request, warning)


# "Something looks wrong" reports


@requires(Permission.REVIEW_IDENTITY)
@require_safe
def problems(request: HttpRequest) -> HttpResponse:
    """The reports workers sent: open ones first, oldest first."""
    authority_ids = authorities_with(staff_of(request), Permission.REVIEW_IDENTITY)
    page = problem_reports.problem_queue(authority_ids, request.GET.get("page"))
    return render(
        request,
        "web/steward/problems.html",
        {
            "reports": page,
            "counts": problem_reports.problem_counts(authority_ids),
            "pagination": pagination(request, page),
        },
    )


@requires(Permission.REVIEW_IDENTITY)
@require_http_methods(["GET", "HEAD", "POST"])
def problem(request: HttpRequest, report_id: int) -> HttpResponse:
    """One report, with the person and fact it is about; the steward resolves it. The
    resolution is audited by the domain; the page, when shown, as one read of the report."""
    staff = staff_of(request)
    authority_ids = authorities_with(staff, Permission.REVIEW_IDENTITY)
    form = ResolveProblemForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            report = problem_reports.problem_report(report_id, authority_ids)
        except problem_reports.ReportNotFound:
            report = None  # refused below, as a read of it would be
        if report is not None:
            try:
                stewardship.resolve_problem(
                    staff, report, request.user, form.cleaned_data["note"], authority_ids
                )
            except problem_reports.ProblemRefused as refused:
                form.add_error("note", str(refused))
            else:
                messages.success(request, f"Report {report.pk} is resolved.")
                return redirect("web:steward-problems")
    shown = steward_reads.steward_read_problem(staff, report_id, url_name(request))
    if isinstance(shown, steward_reads.NotShown):
        raise Http404("No such report")
    return render(
        request,
        "web/steward/problem.html",
        {
            "report": shown.report,
            "form": form,
            "error_list": error_list(form),
            "note_error": field_error(form, "note"),
        },
    )
