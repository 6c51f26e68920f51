"""The privacy officer's pages: the privacy alert queue, one alert with its evidence and
outcome, and subject access (find a person, then their report, printable or as CSV).

Privacy officers see only their own authorities' alerts and people: another authority's
alert or person is "not found". URLs carry opaque identifiers only (alert numbers, person
identifiers, the request reference); a search by name or date of birth is POSTed, never
put in a URL. The domain work (the queue, handling, reports, auditing) is in
privacy/alerts/ and privacy/subject_access.py. The queue page only reads: alerts are
raised by `familyview alerts run`, on a schedule.
"""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from familyview.access.policy import Permission, staff_of
from familyview.access.rules import requires
from familyview.identity.search import PersonQuery
from familyview.privacy import subject_access
from familyview.privacy.alerts import handling, queue
from familyview.privacy.models import AlertRule, AlertStatus
from familyview.web.forms import error_list, field_error
from familyview.web.pagination import pagination

# The alert queue


class HandleAlertForm(forms.Form):
    """What the privacy officer did about an alert, and (for an outcome) why."""

    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in handling.HANDLING_CHOICES],
        error_messages={
            "required": "Select what you have done about this alert",
            "invalid_choice": "Select what you have done about this alert",
        },
    )
    note = forms.CharField(
        required=False,
        max_length=handling.NOTE_MAX_LENGTH,
        error_messages={
            "max_length": f"The note must be {handling.NOTE_MAX_LENGTH} characters or fewer"
        },
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status")
            in (
                AlertStatus.NO_CONCERN,
                AlertStatus.CONCERN_REFERRED,
            )
            and not (cleaned.get("note") or "").strip()
        ):
            self.add_error("note", "Enter what you found and what was done")
        return cleaned


@requires(Permission.HANDLE_ALERTS)
@require_safe
def alert_queue(request: HttpRequest) -> HttpResponse:
    """Alerts waiting for an outcome (oldest first), or those with one (?show=closed), as
    the scheduled runs of the rules left them: opening the queue raises no alert."""
    showing = "closed" if request.GET.get("show") == "closed" else "active"
    found = queue.open_alert_queue(staff_of(request), showing, request.GET.get("page"))
    page = found.page
    return render(
        request,
        "web/privacy/alerts.html",
        {
            "alerts": page,
            "counts": found.counts,
            "rules_problem": found.rules_problem,
            "read_up_to": found.read_up_to,
            "last_run_at": found.last_run_at,
            "runs_overdue": found.runs_overdue,
            "showing": showing,
            "names": queue.staff_names(page.object_list),
            "rules": dict(AlertRule.choices),
            "pagination": pagination(request, page),
        },
    )


@requires(Permission.HANDLE_ALERTS)
@require_http_methods(["GET", "HEAD", "POST"])
def alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One alert: why it was raised, the audit events behind it, what was done; the
    officer records a step or an outcome."""
    staff = staff_of(request)
    form = HandleAlertForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            handled = handling.handle_alert(
                alert_id, staff, form.cleaned_data["status"], form.cleaned_data["note"]
            )
        except queue.AlertNotFound:
            raise Http404("No such alert") from None
        except handling.AlertRefused as refused:
            form.add_error("status", str(refused))
        else:
            messages.success(
                request, f"Alert {handled.pk} is now: {handled.get_status_display().lower()}."
            )
            if handled.is_closed:
                return redirect("web:privacy-alerts")
            return redirect("web:privacy-alert", handled.pk)
    try:
        detail = queue.alert_detail(alert_id, staff)
    except queue.AlertNotFound:
        raise Http404("No such alert") from None
    return render(
        request,
        "web/privacy/alert.html",
        {
            "detail": detail,
            "alert": detail.alert,
            "events": queue.alert_events_details(detail.events),
            "form": form,
            "error_list": error_list(form),
            "status_error": field_error(form, "status"),
            "note_error": field_error(form, "note"),
        },
    )


# Subject access


class FindByIdentifierForm(forms.Form):
    person = forms.RegexField(
        regex=r"^\s*[Pp][0-9A-Fa-f]{16}\s*$",
        error_messages={
            "required": "Enter the person identifier",
            "invalid": "Enter a person identifier like P0003D6B3EF92D87D",
        },
    )


class SubjectSearchForm(forms.Form):
    """Who the request is about, as the requester describes themselves."""

    name = forms.CharField(required=False, max_length=200)
    birth_day = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=31,
        error_messages={"invalid": "Date of birth must be a real date"},
    )
    birth_month = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=12,
        error_messages={"invalid": "Date of birth must be a real date"},
    )
    birth_year = forms.IntegerField(
        required=False,
        min_value=1900,
        max_value=2100,
        error_messages={"invalid": "Year of birth must be a number like 2014"},
    )
    postcode = forms.CharField(required=False, max_length=10)
    nhs_number = forms.CharField(required=False, max_length=12)
    source_record_id = forms.CharField(required=False, max_length=64)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and self.query().is_empty():
            self.add_error(
                "name",
                "Enter a name, date of birth, postcode, NHS number or source record identifier",
            )
        return cleaned

    def query(self) -> PersonQuery:
        data = self.cleaned_data
        return PersonQuery(
            name=(data.get("name") or "").strip(),
            birth_year=data.get("birth_year"),
            birth_month=data.get("birth_month"),
            birth_day=data.get("birth_day"),
            postcode=(data.get("postcode") or "").strip(),
            nhs_number=(data.get("nhs_number") or "").strip(),
            source_record_id=(data.get("source_record_id") or "").strip(),
        )


class ReferenceForm(forms.Form):
    reference = forms.CharField(
        max_length=subject_access.REFERENCE_MAX_LENGTH,
        error_messages={
            "required": "Enter the subject access request reference",
            "max_length": "The request reference must be "
            f"{subject_access.REFERENCE_MAX_LENGTH} characters or fewer",
        },
    )


@requires(Permission.SUBJECT_ACCESS)
@require_http_methods(["GET", "HEAD", "POST"])
def subject_access_start(request: HttpRequest) -> HttpResponse:
    """Choose the person: by identifier (GET, opaque) or by search (POST, personal)."""
    by_id = FindByIdentifierForm(request.GET if "person" in request.GET else None)
    search = SubjectSearchForm(request.POST if request.method == "POST" else None)
    found = None
    if by_id.is_bound and by_id.is_valid():
        person_id = by_id.cleaned_data["person"].strip().upper()
        return redirect("web:subject-access-person", person_id)
    if search.is_bound and search.is_valid():
        found = subject_access.find_subjects(staff_of(request), search.query())
    posted = search if search.is_bound else by_id
    return render(
        request,
        "web/privacy/subject_access.html",
        {
            "by_id": by_id,
            "search": search,
            "found": found,
            "error_list": error_list(posted) if posted.is_bound else [],
            "errors": {
                name: field_error(form, name) for form in (by_id, search) for name in form.fields
            },
        },
    )


@requires(Permission.SUBJECT_ACCESS)
@require_safe
def subject_access_person(request: HttpRequest, person_id: str) -> HttpResponse:
    """Ask for the request reference, then show the report (each showing is audited)."""
    staff = staff_of(request)
    form = ReferenceForm(request.GET if "reference" in request.GET else None)
    try:
        person_id, _ = subject_access.subject_person(person_id, staff)
    except subject_access.SubjectNotFound as missing:
        return _not_found(request, missing)
    if not (form.is_bound and form.is_valid()):
        return render(
            request,
            "web/privacy/subject_access_reference.html",
            {
                "person_id": person_id,
                "form": form,
                "error_list": error_list(form) if form.is_bound else [],
                "reference_error": field_error(form, "reference"),
            },
        )
    reference = form.cleaned_data["reference"]
    report = subject_access.subject_access_report(person_id, staff, reference)
    return render(
        request,
        "web/privacy/subject_access_report.html",
        {
            "report": report,
            "download_href": reverse("web:subject-access-csv", args=[person_id])
            + "?"
            + request.GET.urlencode(),
        },
    )


@requires(Permission.SUBJECT_ACCESS)
@require_safe
def subject_access_csv(request: HttpRequest, person_id: str) -> HttpResponse:
    """The report as a CSV file (audited as its own report)."""
    staff = staff_of(request)
    try:
        person_id, _ = subject_access.subject_person(person_id, staff)
    except subject_access.SubjectNotFound as missing:
        return _not_found(request, missing)
    form = ReferenceForm(request.GET)
    if not form.is_valid():
        return redirect("web:subject-access-person", person_id)
    report = subject_access.subject_access_report(
        person_id, staff, form.cleaned_data["reference"], output="csv"
    )
    response = StreamingHttpResponse(
        subject_access.report_csv_lines(report), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="subject-access-{report.person_id}.csv"'
    )
    return response


def _not_found(request: HttpRequest, missing: subject_access.SubjectNotFound) -> HttpResponse:
    if missing.merged_into:
        return render(
            request,
            "web/privacy/subject_access_merged.html",
            {"person_id": missing.person_id, "merged_into": missing.merged_into},
            status=404,
        )
    raise Http404("No such person")
