"""What a data steward reads of the person index: a person's whole source records, a
review pair's two records, the review queue's names, a worker's report of something wrong.
Each read is decided and audited here, in one place: one event naming the persons shown,
or one refusal when the person, pair or report is not in the steward's authorities
(answered as if it did not exist). Pages only turn the outcome into a response.
"""

from dataclasses import dataclass

from django.core.paginator import Page
from django.db import transaction

from familyview.access.policy import Permission, Staff, authorities_with, membership_for
from familyview.access.refusals import ReadRefusal, refuse_read
from familyview.audit.actions import Action
from familyview.audit.events import Level, record_event
from familyview.identity import duplicates, explain, queries
from familyview.identity import problems as problem_reports
from familyview.identity.models import (
    IdentityChange,
    LinkedRecord,
    Person,
    ProblemReport,
    ReviewPair,
)
from familyview.sources.models import PersonRecord, Source


@dataclass(frozen=True)
class PersonShown:
    """A person as the steward's page shows them: every record, why they are together,
    and the merges and splits recorded on them."""

    explanation: explain.PersonExplanation
    history: list[IdentityChange]


@dataclass(frozen=True)
class PairShown:
    """A review pair as the steward's page shows it."""

    pair: ReviewPair
    explanation: explain.PairExplanation
    why_not_linked: str


@dataclass(frozen=True)
class ProblemShown:
    """A worker's report as the steward's page shows it."""

    report: ProblemReport


@dataclass(frozen=True)
class NotShown:
    """Not in the steward's authorities (or not at all): the same answer either way."""


def steward_authorities(staff: Staff | None) -> list[int]:
    """The authorities whose person index this member of staff looks after."""
    return authorities_with(staff, Permission.REVIEW_IDENTITY)


def steward_read_person(
    staff: Staff | None, person_id: str, where: str = ""
) -> PersonShown | NotShown:
    """A person's records for the steward's person page, audited as one read (`where`:
    the page that asked, named in a refusal)."""
    authority_ids = steward_authorities(staff)
    try:
        explanation = explain.explain_person(person_id, authority_ids)
    except Person.DoesNotExist:
        return _refused(staff, person_id, where)
    authority_id = _authority_of(explanation.records, authority_ids)
    _record(
        staff,
        Action.STEWARD_PERSON_VIEWED,
        [person_id],
        {"records": [r.record_id for r in explanation.records]},
        authority_id,
    )
    return PersonShown(explanation, queries.person_history(person_id))


def steward_read_pair(staff: Staff | None, pair_id: int, where: str = "") -> PairShown | NotShown:
    """A review pair's two records for the steward's pair page, audited as one read
    naming the persons the records belong to."""
    authority_ids = steward_authorities(staff)
    try:
        pair = queries.review_pair(pair_id, authority_ids)
    except ReviewPair.DoesNotExist:
        return _refused(staff, "", where, {"pair_asked_for": pair_id})
    explanation = explain.explain_review_pair(pair)
    records = (explanation.record_a, explanation.record_b)
    _record(
        staff,
        Action.STEWARD_PAIR_VIEWED,
        [r.person_id for r in records if r.person_id],
        {"pair": pair.pk, "records": [r.record_id for r in records]},
        pair.record_a.source.authority_id,
    )
    return PairShown(pair, explanation, explain.why_not_linked(pair))


def steward_read_queue(staff: Staff | None, page_number: str | None) -> Page:
    """One page of the review queue, audited as one read naming the persons whose records
    it lists by name (level `results`, as a search's result list)."""
    authority_ids = steward_authorities(staff)
    page = queries.review_queue(authority_ids, page_number)
    pairs = list(page)
    records = [r for pair in pairs for r in (pair.record_a_id, pair.record_b_id)]
    persons = dict(
        LinkedRecord.objects.filter(person_record_id__in=records).values_list(
            "person_record_id", "person_id"
        )
    )
    authority_id = pairs[0].record_a.source.authority_id if pairs else None
    membership = membership_for(staff, Permission.REVIEW_IDENTITY, authority_id)
    record_event(
        staff,
        Action.STEWARD_QUEUE_VIEWED,
        level=Level.RESULTS,
        subjects=[persons[r] for r in records if r in persons],
        details={"page": page.number, "pairs": [pair.pk for pair in pairs]},
        authority_id=membership.authority_id if membership else None,
        role=membership.role if membership else "",
    )
    return page


def steward_read_problem(
    staff: Staff | None, report_id: int, where: str = ""
) -> ProblemShown | NotShown:
    """A worker's report for the steward's page, audited as one read: it shows the
    reporter's words and the fact reported about the person (level `service_detail` when
    that fact is one of their services)."""
    try:
        report = problem_reports.problem_report(report_id, steward_authorities(staff))
    except problem_reports.ReportNotFound:
        return _refused(staff, "", where, {"report_asked_for": report_id})
    membership = membership_for(staff, Permission.REVIEW_IDENTITY, report.authority_id)
    record_event(
        staff,
        Action.STEWARD_PROBLEM_VIEWED,
        level=Level.SERVICE_DETAIL if report.involvement_id else Level.SUMMARY,
        subjects=[p for p in (report.person_id, report.same_as_id) if p],
        details={"report": report.pk},
        authority_id=report.authority_id,
        role=membership.role if membership else "",
    )
    return ProblemShown(report)


def steward_read_duplicates(
    staff: Staff | None, source: Source, page_number: str | None
) -> duplicates.DuplicatesPage:
    """One page of the people a source holds more than once, audited as one read naming
    the persons shown (which records the index holds as one person is personal data)."""
    found = duplicates.source_duplicates_page(source, page_number)
    record_event(
        staff,
        Action.STEWARD_DUPLICATES_VIEWED,
        subjects=[g.person_id for g in found.groups],
        details={
            "source": source.code,
            "page": found.page.number,
            "groups_shown": len(found.groups),
        },
        authority_id=source.authority_id,
        role="data_steward",
    )
    return found


def steward_export_duplicates(
    staff: Staff | None, source: Source
) -> list[duplicates.SourceDuplicate]:
    """Every person the source holds more than once, for its CSV file: the export is
    recorded (and committed) before the first line is sent, since an interrupted
    download was still an export."""
    groups = duplicates.source_duplicates(source)
    with transaction.atomic():
        record_event(
            staff,
            Action.EXPORT,
            subjects=[g.person_id for g in groups],
            details={
                "what": "source_duplicates",
                "source": source.code,
                "rows": sum(len(g.records) for g in groups),
            },
            authority_id=source.authority_id,
            role="data_steward",
        )
    return groups


def steward_may_change(staff: Staff | None, person_id: str, where: str) -> bool:
    """Whether the person is in the steward's authorities, before a merge or split is
    even considered; a refusal is audited (the change itself records its own event)."""
    try:
        queries.person_records(person_id, steward_authorities(staff))
    except Person.DoesNotExist:
        _refused(staff, person_id, where)
        return False
    return True


def _record(
    staff: Staff | None, action: Action, subjects: list[str], details: dict, authority_id: int
) -> None:
    membership = membership_for(staff, Permission.REVIEW_IDENTITY, authority_id)
    record_event(
        staff,
        action,
        level=Level.SUMMARY,
        subjects=subjects,
        details=details,
        authority_id=authority_id,
        role=membership.role if membership else "",
    )


def _refused(
    staff: Staff | None, person_id: str, where: str, details: dict | None = None
) -> NotShown:
    refuse_read(
        staff,
        person_id,
        ReadRefusal.NOT_FOUND,
        permission=Permission.REVIEW_IDENTITY,
        where=where,
        details=details,
    )
    return NotShown()


def _authority_of(records: list[explain.RecordView], authority_ids: list[int]) -> int:
    """The steward's authority that the records shown belong to."""
    if len(authority_ids) == 1:
        return authority_ids[0]
    shown = PersonRecord.objects.filter(pk__in=[r.record_id for r in records[:1]])
    return shown.values_list("source__authority_id", flat=True).first() or authority_ids[0]
