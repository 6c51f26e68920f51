"""Something looks wrong: workers' reports about a person or a fact, and the data
steward's queue of them.

A worker who sees a wrong match, a wrong family link or a wrong detail reports it from the
page where they saw it; the report lands in the data steward's queue of the person's
authority with who reported it, when, what, and about which person or fact. The steward
resolves it with a note (having merged, split, or told the source's owner). Every function
takes the authorities its caller may act in, so that no report crosses them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from familyview.identity.models import LinkedRecord, ProblemReport
from familyview.identity.reported_pairs import queue_reported_pair
from familyview.involvements.categories import service_names
from familyview.involvements.models import Involvement

WHAT_MAX_LENGTH = 1200
NOTE_MAX_LENGTH = 1000
REPORTS_PER_PAGE = 50


class ProblemRefused(Exception):
    """The report or resolution cannot be made; the message says why in users' words."""


class SamePersonRefused(ProblemRefused):
    """Whom the person is said to be the same as is missing, or no one it could be."""


class ReportNotFound(ProblemRefused):
    """No such report in the caller's authorities (another authority's looks the same)."""


def report_problem(
    *,
    person_id: str,
    authority_id: int,
    reporter: AbstractBaseUser,
    kind: str,
    what: str,
    involvement_id: int | None = None,
    seen_in_family_of: str = "",
    same_as: str = "",
) -> ProblemReport:
    """Put a worker's report in the data steward's queue of the person's authority.

    The involvement, when given, must be one of the person's own in that authority.
    "The same person as someone else in the family" names that other person (`same_as`,
    of the same authority), and a pair of their records goes to the review queue too
    (identity/reported_pairs.py); call it inside a transaction.
    """
    what = what.strip()
    if not what:
        raise ProblemRefused("Describe what looks wrong")
    if len(what) > WHAT_MAX_LENGTH:
        raise ProblemRefused(f"Describe what looks wrong in {WHAT_MAX_LENGTH} characters or fewer")
    if kind not in ProblemReport.Kind.values:
        raise ProblemRefused("Select what kind of problem it is")
    if not _person_in(person_id, authority_id):
        raise ProblemRefused("There is no such person")
    if involvement_id is not None and not person_involvement(
        person_id, involvement_id, [authority_id]
    ):
        raise ProblemRefused("That service involvement is not this person's")
    same = kind == ProblemReport.Kind.SAME_PERSON
    if same and not same_as:
        raise SamePersonRefused("Select who in the family this is the same person as")
    if same and (same_as == person_id or not _person_in(same_as, authority_id)):
        raise SamePersonRefused("Select someone else in the family")
    report = ProblemReport.objects.create(
        authority_id=authority_id,
        person_id=person_id,
        involvement_id=involvement_id,
        seen_in_family_of=seen_in_family_of,
        kind=kind,
        what=what,
        reported_by=reporter,
        same_as_id=same_as if same else None,
    )
    if same:
        queue_reported_pair(report)
    return report


def person_involvement(
    person_id: str, involvement_id: int, authority_ids: Iterable[int]
) -> Involvement | None:
    """One of the person's involvements held by a source of these authorities, with its
    source; None otherwise."""
    return (
        Involvement.objects.filter(
            pk=involvement_id,
            person_record__link__person_id=person_id,
            source__authority_id__in=list(authority_ids),
        )
        .select_related("source")
        .first()
    )


def _person_in(person_id: str, authority_id: int) -> bool:
    return LinkedRecord.objects.filter(
        person_id=person_id,
        person__retired_at__isnull=True,
        person_record__source__authority_id=authority_id,
    ).exists()


def _visible(authority_ids: Iterable[int]) -> QuerySet[ProblemReport]:
    return ProblemReport.objects.filter(authority_id__in=list(authority_ids))


def problem_queue(
    authority_ids: Iterable[int],
    page_number: int | str | None = 1,
    per_page: int = REPORTS_PER_PAGE,
) -> Page:
    """One page of reports: open ones first, oldest first (they have waited longest);
    then resolved ones, most recently resolved first."""
    reports = (
        _visible(authority_ids)
        .annotate(
            done=Case(
                When(status=ProblemReport.Status.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .select_related("reported_by", "resolved_by", "involvement__source")
        .order_by("done", "reported_at", "pk")
    )
    return Paginator(reports, per_page).get_page(page_number)


@dataclass(frozen=True)
class ProblemCounts:
    open: int
    resolved: int


def problem_counts(authority_ids: Iterable[int]) -> ProblemCounts:
    counts = _visible(authority_ids).aggregate(
        open=Count("pk", filter=Q(status=ProblemReport.Status.OPEN)),
        resolved=Count("pk", filter=Q(status=ProblemReport.Status.RESOLVED)),
    )
    return ProblemCounts(open=counts["open"], resolved=counts["resolved"])


def problem_report(report_id: int, authority_ids: Iterable[int]) -> ProblemReport:
    """A report of these authorities with who reported it and the fact it is about.

    Raises ReportNotFound for a report of any other authority, or none.
    """
    try:
        return (
            _visible(authority_ids)
            .select_related("reported_by", "resolved_by", "involvement__source", "authority")
            .get(pk=report_id)
        )
    except ProblemReport.DoesNotExist:
        raise ReportNotFound("There is no such report") from None


def resolve_problem(
    report_id: int, steward: AbstractBaseUser, note: str, authority_ids: Iterable[int]
) -> ProblemReport:
    """Mark a report resolved with the steward's note on what was done."""
    note = note.strip()
    if not note:
        raise ProblemRefused("Enter what you did about the report")
    if len(note) > NOTE_MAX_LENGTH:
        raise ProblemRefused(f"The note must be {NOTE_MAX_LENGTH} characters or fewer")
    with transaction.atomic():
        try:
            report = _visible(authority_ids).select_for_update().get(pk=report_id)
        except ProblemReport.DoesNotExist:
            raise ReportNotFound("There is no such report") from None
        if report.status == ProblemReport.Status.RESOLVED:
            raise ProblemRefused("This report has already been resolved")
        report.status = ProblemReport.Status.RESOLVED
        report.resolved_by = steward
        report.resolved_at = timezone.now()
        report.resolution_note = note
        report.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
    return report


@dataclass(frozen=True)
class Resolution:
    """A report of theirs the steward has resolved, as its reporter is told of it: the
    report by its number, kind and date, never the person it was about."""

    report_id: int
    kind: str  # in words: "A detail is wrong or out of date"
    service: str  # the service it was about, "" when about the person as a whole
    reported_at: datetime
    resolved_at: datetime
    note: str


def resolutions_to_tell(reporter: AbstractBaseUser) -> list[Resolution]:
    """The reporter's reports resolved since they were last told, oldest first, marked
    as told: each is told once."""
    with transaction.atomic():
        reports = list(
            ProblemReport.objects.select_for_update(of=("self",))
            .filter(
                reported_by=reporter,
                status=ProblemReport.Status.RESOLVED,
                reporter_told_at__isnull=True,
            )
            .select_related("involvement__source")
            .order_by("resolved_at", "pk")
        )
        if not reports:
            return []
        ProblemReport.objects.filter(pk__in=[r.pk for r in reports]).update(
            reporter_told_at=timezone.now()
        )
    names = service_names()
    return [
        Resolution(
            report_id=r.pk,
            kind=r.get_kind_display(),
            service=names.get(r.involvement.source.service_category, "") if r.involvement else "",
            reported_at=r.reported_at,
            resolved_at=r.resolved_at,
            note=r.resolution_note,
        )
        for r in reports
    ]
