"""The audit log pages: search the log by user, person, team and dates; download as CSV.

Privacy officers see every event of their authorities; team managers their own team's
events only (privacy/log_scope.scope_for). The search form is POSTed and answered with a
redirect to a URL holding only opaque values (a user number, a person identifier, a team,
dates), so that no username is written to a URL. Searching and exporting are themselves
audited ("audit.search", "export").
"""

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from familyview.access.models import Role
from familyview.access.policy import Permission, staff_of
from familyview.access.rules import requires
from familyview.audit import export, queries
from familyview.audit.models import Level, Outcome
from familyview.privacy import log_scope
from familyview.web.forms import error_list, field_error
from familyview.web.pagination import pagination

EVENTS_PER_PAGE = 50
PERSON_ID_EXAMPLE = "P0003D6B3EF92D87D"
DATE_PARTS = ("day", "month", "year")


class AuditSearchForm(forms.Form):
    """Who, about whom, which team and when; every field may be left blank."""

    user = forms.CharField(
        required=False,
        max_length=150,
        error_messages={"max_length": "The username must be 150 characters or fewer"},
    )
    person = forms.CharField(
        required=False,
        max_length=40,
        error_messages={"max_length": f"Enter a person identifier like {PERSON_ID_EXAMPLE}"},
    )
    team = forms.ChoiceField(required=False, choices=[])

    def __init__(self, *args, scope: queries.AuditScope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.teams = queries.teams_in_scope(scope)
        self.fields["team"].choices = [("", "Any team"), *((t, t) for t in self.teams)]
        self.fields["team"].error_messages["invalid_choice"] = "Select a team from the list"
        # GOV.UK date inputs: day, month and year as three boxes, named date_from-day...
        for prefix in ("date_from", "date_to"):
            for part in DATE_PARTS:
                self.fields[f"{prefix}-{part}"] = forms.CharField(required=False, max_length=10)
        self.user_id: int | None = None
        self.neighbour = ""
        self.date_error_parts: dict[str, str] = {}

    def _date(self, prefix: str, words: str) -> dt.date | None:
        values = {p: (self.cleaned_data.get(f"{prefix}-{p}") or "").strip() for p in DATE_PARTS}
        if not any(values.values()):
            return None
        missing = [p for p in DATE_PARTS if not values[p]]
        if missing:
            self.date_error_parts[prefix] = missing[0]
            self.add_error(f"{prefix}-day", f"{words} must include a {missing[0]}")
            return None
        try:
            day, month, year = (int(values[p]) for p in DATE_PARTS)
            if not 1000 <= year <= 9999:
                raise ValueError
            return dt.date(year, month, day)
        except ValueError:
            self.date_error_parts[prefix] = "day"
            self.add_error(f"{prefix}-day", f"{words} must be a real date")
            return None

    def clean(self):
        cleaned = super().clean()
        username = (cleaned.get("user") or "").strip()
        if username.lower().startswith(log_scope.PEER_ACTOR_PREFIX):
            # A neighbouring council's Family View, as the log names it: "peer:manchester".
            self.neighbour = log_scope.neighbour_actor(self.scope, username)
            if not self.neighbour:
                self.add_error(
                    "user", "No neighbouring council of that name has asked your authority"
                )
        elif username:
            self.user_id = log_scope.staff_user_id(self.scope, username)
            if self.user_id is None:
                self.add_error("user", "There is no one with this username in your authority")
        person = (cleaned.get("person") or "").strip().upper()
        if person and not (person.startswith("P") and len(person) > 4 and _is_hex(person[1:])):
            self.add_error("person", f"Enter a person identifier like {PERSON_ID_EXAMPLE}")
        cleaned["person"] = person
        cleaned["date_from"] = self._date("date_from", "The start date")
        cleaned["date_to"] = self._date("date_to", "The end date")
        if (
            cleaned["date_from"]
            and cleaned["date_to"]
            and cleaned["date_to"] < cleaned["date_from"]
        ):
            self.date_error_parts["date_to"] = "day"
            self.add_error(
                "date_to-day", "The end date must be the same as or after the start date"
            )
        return cleaned

    def search(self) -> queries.AuditSearch:
        c = self.cleaned_data
        return queries.AuditSearch(
            user_id=self.user_id,
            username=self.neighbour,
            person_id=c["person"],
            team=c.get("team") or "",
            date_from=c["date_from"],
            date_to=c["date_to"],
        )

    def date_value(self, prefix: str, part: str) -> str:
        return self.data.get(f"{prefix}-{part}", "") if self.is_bound else ""


def _is_hex(text: str) -> bool:
    return all(c in "0123456789ABCDEF" for c in text)


def _query_string(search: queries.AuditSearch) -> dict[str, str]:
    """A search as URL parameters: opaque values only."""
    params = {
        "user": str(search.user_id) if search.user_id else "",
        # A neighbouring council's name is no one's personal data.
        "neighbour": search.username.removeprefix(log_scope.PEER_ACTOR_PREFIX),
        "person": search.person_id,
        "team": search.team,
        "from": search.date_from.isoformat() if search.date_from else "",
        "to": search.date_to.isoformat() if search.date_to else "",
    }
    return {k: v for k, v in params.items() if v}


def _form_from_url(request: HttpRequest, scope: queries.AuditScope) -> AuditSearchForm:
    """The search in a results URL, as the form a reader would have filled in."""
    q = request.GET
    data: dict[str, str] = {"person": q.get("person", ""), "team": q.get("team", "")}
    if q.get("user", "").isdigit():
        data["user"] = log_scope.staff_username(scope, int(q["user"])) or "?"
    elif q.get("neighbour"):
        data["user"] = log_scope.PEER_ACTOR_PREFIX + q["neighbour"][:40]
    for prefix, key in (("date_from", "from"), ("date_to", "to")):
        try:
            day = dt.date.fromisoformat(q.get(key, ""))
        except ValueError:
            continue
        data.update({f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month)})
        data[f"{prefix}-year"] = str(day.year)
    return AuditSearchForm(data, scope=scope)


LEVEL_WORDS = dict(Level.choices)


@requires(Permission.READ_TEAM_AUDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def audit_log(request: HttpRequest) -> HttpResponse:
    """Search the audit log (POST redirects to the results URL) and show a page of events."""
    staff = staff_of(request)
    scope = log_scope.scope_for(staff)
    if request.method == "POST":
        form = AuditSearchForm(request.POST, scope=scope)
        if form.is_valid():
            params = _query_string(form.search())
            return redirect(f"{reverse('web:audit-log')}?{urlencode(params)}")
        return _render(request, form, scope, None)
    form = _form_from_url(request, scope)
    searched = bool(request.GET.keys() - {"page"})
    if not form.is_valid():
        return _render(request, form, scope, None)
    search = form.search()
    events = queries.search_events(scope, search).order_by("-sequence")
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    export.record_log_search(staff, search, page.number, len(page.object_list))
    return _render(request, form, scope, page, searched=searched, search=search)


def _render(request, form, scope, page, *, status=200, searched=False, search=None):
    return render(
        request,
        "web/audit/log.html",
        {
            "form": form,
            "errors": {name: field_error(form, name) for name in form.fields},
            "error_list": error_list(form) if form.is_bound and form.errors else [],
            "page": page,
            "pagination": pagination(request, page) if page is not None else None,
            "searched": searched,
            "team_only": not scope.authority_ids,
            "export_url": (
                f"{reverse('web:audit-export')}?{urlencode(_query_string(search))}"
                if search is not None
                else None
            ),
            "level_words": LEVEL_WORDS,
            "role_words": dict(Role.choices),
            "refused": Outcome.REFUSED.value,
            "details_in_words": queries.details_in_words,
            "peer_prefix": log_scope.PEER_ACTOR_PREFIX,
        },
        status=status,
    )


@requires(Permission.READ_TEAM_AUDIT)
@require_safe
def audit_export(request: HttpRequest) -> HttpResponse:
    """The events a search finds, as a CSV file (the export is audited first)."""
    staff = staff_of(request)
    scope = log_scope.scope_for(staff)
    form = _form_from_url(request, scope)
    if not form.is_valid():
        return _render(request, form, scope, None, status=400)
    search = form.search()
    filename, lines = export.export_events(staff, queries.search_events(scope, search), search)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
