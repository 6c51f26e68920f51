"""Subject access: for one person, everything Family View holds about them and everyone
who looked at them, for a privacy officer answering a subject access request.

`subject_access_report(person_id, staff, reference)` gathers, from the privacy officer's
own authorities only:

- every source record of the person with all its fields, whether the source still sends
  it, and how the person index linked it (basis, probability, which run);
- every service involvement on those records, with all its fields and details;
- every relationship a source recorded to or from those records (the other person by
  their opaque identifier only: they are a third party);
- the sources, and how current each one's data is;
- the person's link history (merges and splits, with reasons);
- every audit event that showed or touched the person, under this identifier or one
  merged into it: who, role, when, what, purpose, case reference, level, outcome.

Producing the report is a read of family data and is audited (one event per report,
the request reference as its case reference) before the report is assembled, so the
report lists its own production. `report_csv_lines` writes it as CSV that no spreadsheet
runs as a formula.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from familyview.access.models import Authority, Role
from familyview.access.policy import Permission, Staff, authorities_with, membership_for
from familyview.audit.events import record_event
from familyview.audit.models import Level
from familyview.audit.queries import events_for_subject
from familyview.identity.models import IdentityChange, LinkedRecord
from familyview.identity.search import PersonQuery, search_people
from familyview.involvements.models import Involvement, InvolvementStatus, ServiceCategory
from familyview.privacy.merges import former_ids, merged_into
from familyview.sources.models import (
    ExtractImport,
    PersonRecord,
    RelationshipType,
    Source,
    SourceRelationship,
)
from familyview.spreadsheets import csv_lines
from familyview.words import clock_words, date_words, day_words

REFERENCE_MAX_LENGTH = 100
SEARCH_RESULTS_SHOWN = 20
PURPOSE = "Subject access request"


class SubjectAccessRefused(ValueError):
    """The report cannot be produced as asked; the message says why in the officer's words."""


class SubjectNotFound(LookupError):
    """No such person in the officer's authorities (another authority's looks the same).

    `merged_into` names the person a retired identifier was merged into, when there is one
    the officer may see.
    """

    def __init__(self, person_id: str, merged_into: str | None = None):
        super().__init__(person_id)
        self.person_id = person_id
        self.merged_into = merged_into


Fact = tuple[str, str]  # (what, value) in words


@dataclass(frozen=True)
class SourceRecord:
    """One source's record of the person, with every field."""

    record_id: int
    source_code: str
    source_name: str
    source_record_id: str
    facts: list[Fact]
    still_in_source: bool
    linked: list[Fact]  # how the person index holds it


@dataclass(frozen=True)
class InvolvementHeld:
    """One service involvement on one of the person's records, with every field."""

    source_code: str
    source_name: str
    source_involvement_id: str
    service: str
    facts: list[Fact]


@dataclass(frozen=True)
class RelationshipHeld:
    """A relationship a source recorded between the person and someone else."""

    source_code: str
    description: str  # "Person P12... is their mother"
    other_person_id: str
    other_source_record_id: str
    facts: list[Fact]


@dataclass(frozen=True)
class SourceHeld:
    code: str
    name: str
    organisation: str
    service: str
    records: int
    data_current_as_of: datetime | None


@dataclass(frozen=True)
class LinkChange:
    at: datetime
    what: str
    reason: str
    by: str


@dataclass(frozen=True)
class Viewing:
    """One audit event that showed or touched the person."""

    sequence: int
    at: datetime
    who: str
    username: str
    role: str
    authority: str
    team: str
    action: str
    level: str
    purpose: str
    case_reference: str
    outcome: str
    as_person_id: str  # the identifier the event named


@dataclass(frozen=True)
class SubjectAccessReport:
    """Everything held about one person and everyone who viewed them."""

    person_id: str
    reference: str
    produced_at: datetime
    produced_by: str
    authorities: list[str]
    former_ids: list[str]
    records: list[SourceRecord]
    involvements: list[InvolvementHeld]
    relationships: list[RelationshipHeld]
    sources: list[SourceHeld]
    link_history: list[LinkChange]
    viewings: list[Viewing]
    other_authorities_records: int = 0
    event_sequence: int = 0


@dataclass(frozen=True)
class SubjectCandidate:
    """A person a subject access search found, with enough to tell them apart."""

    person_id: str
    names: list[str]
    dates_of_birth: list[str]
    postcodes: list[str]
    sources: list[str]
    reasons: list[str] = field(default_factory=list)


def officer_authority_ids(staff: Staff | None) -> list[int]:
    """The authorities whose people this member of staff may produce reports on."""
    return authorities_with(staff, Permission.SUBJECT_ACCESS)


def clean_reference(reference: str) -> str:
    """The request reference, checked: required, and short enough to record."""
    reference = (reference or "").strip()
    if not reference:
        raise SubjectAccessRefused("Enter the subject access request reference")
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise SubjectAccessRefused(
            f"The request reference must be {REFERENCE_MAX_LENGTH} characters or fewer"
        )
    return reference


def _role(staff: Staff, authority_id: int | None) -> str:
    membership = membership_for(staff, Permission.SUBJECT_ACCESS, authority_id)
    return membership.role if membership else ""


# Finding the person


def subject_person(person_id: str, staff: Staff) -> tuple[str, int]:
    """The person's identifier (as the index writes it) and authority, if the officer may
    report on them; SubjectNotFound otherwise (naming where a merged person went)."""
    person_id = (person_id or "").strip().upper()
    authority_ids = officer_authority_ids(staff)
    authority_id = (
        LinkedRecord.objects.filter(
            person_id=person_id, person_record__source__authority_id__in=authority_ids
        )
        .values_list("person_record__source__authority_id", flat=True)
        .first()
    )
    if authority_id is not None:
        return person_id, authority_id
    went_to = merged_into(person_id)
    if (
        went_to
        and LinkedRecord.objects.filter(
            person_id=went_to, person_record__source__authority_id__in=authority_ids
        ).exists()
    ):
        raise SubjectNotFound(person_id, went_to)
    raise SubjectNotFound(person_id)


def find_subjects(staff: Staff, query: PersonQuery) -> list[SubjectCandidate]:
    """People in the officer's authorities that fit the search, best first, each with
    every name, date of birth, postcode and source held. The search and the people shown
    are audited (results level)."""
    if query.is_empty():
        raise SubjectAccessRefused(
            "Enter a name, date of birth, postcode, NHS number or source record identifier"
        )
    authority_ids = officer_authority_ids(staff)
    matches = search_people(query, authority_ids, limit=SEARCH_RESULTS_SHOWN)
    records = defaultdict(list)
    for record in PersonRecord.objects.filter(
        link__person_id__in=[m.person_id for m in matches],
        source__authority_id__in=authority_ids,
    ).select_related("source", "link"):
        records[record.link.person_id].append(record)
    found = []
    for match in matches:
        held = records.get(match.person_id, [])
        found.append(
            SubjectCandidate(
                person_id=match.person_id,
                names=_distinct(_full_name(r) for r in held),
                dates_of_birth=_distinct(
                    date_words(r.birth_year, r.birth_month, r.birth_day) for r in held
                ),
                postcodes=_distinct(r.postcode for r in held),
                sources=_distinct(r.source.name for r in held),
                reasons=list(match.reasons),
            )
        )
    criteria = {
        name: value
        for name, value in (
            ("name", query.name),
            ("birth_year", query.birth_year),
            ("birth_month", query.birth_month),
            ("birth_day", query.birth_day),
            ("postcode", query.postcode),
            ("nhs_number", query.nhs_number),
            ("source_record_id", query.source_record_id),
        )
        if value not in ("", None)
    }
    shown = [c.person_id for c in found]
    record_event(
        staff,
        "subject_access.search",
        level=Level.RESULTS if shown else Level.SEARCH,
        subjects=shown,
        purpose=PURPOSE,
        details={"criteria": criteria, "results": len(shown)},
        role=_role(staff, authority_ids[0] if len(authority_ids) == 1 else None),
    )
    return found


def _distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _full_name(record: PersonRecord) -> str:
    return " ".join(
        part for part in (record.given_name, record.middle_names, record.family_name) if part
    )


# The report


def subject_access_report(
    person_id: str, staff: Staff, reference: str, output: str = "page"
) -> SubjectAccessReport:
    """Everything held about the person in the officer's authorities, and every view.

    Audited first ("subject_access.report", service-detail level, the request reference as
    case reference, `output` saying page or csv), in the same transaction as the reads.
    """
    reference = clean_reference(reference)
    person_id, authority_id = subject_person(person_id, staff)
    authority_ids = officer_authority_ids(staff)
    with transaction.atomic():
        event = record_event(
            staff,
            "subject_access.report",
            level=Level.SERVICE_DETAIL,
            subjects=[person_id],
            purpose=PURPOSE,
            case_reference=reference,
            details={"output": output},
            authority_id=authority_id,
            role=_role(staff, authority_id),
        )
        records = list(
            PersonRecord.objects.filter(
                link__person_id=person_id, source__authority_id__in=authority_ids
            )
            .select_related("source", "link", "link__linked_by_run")
            .order_by("source__code", "source_record_id", "pk")
        )
        all_records = LinkedRecord.objects.filter(person_id=person_id).count()
        merged_in = former_ids(person_id)
        report = SubjectAccessReport(
            person_id=person_id,
            reference=reference,
            produced_at=event.occurred_at,
            produced_by=staff.display_name,
            authorities=list(
                Authority.objects.filter(pk__in={r.source.authority_id for r in records})
                .order_by("name")
                .values_list("name", flat=True)
            ),
            former_ids=merged_in,
            records=[_source_record(r) for r in records],
            involvements=_involvements(records),
            relationships=_relationships(records),
            sources=_sources(records),
            link_history=_link_history(person_id, [r.pk for r in records]),
            viewings=_viewings([person_id, *merged_in]),
            other_authorities_records=all_records - len(records),
            event_sequence=event.sequence,
        )
    return report


def _text(value: Any) -> str:
    if value is None or value == "":
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{day_words(local.date())} at {clock_words(local.time())}"
    if isinstance(value, date):
        return day_words(value)
    return str(value)


def _still_sent(ended_at: datetime | None) -> str:
    return _text(ended_at) if ended_at else "Still sent"


def _source_record(record: PersonRecord) -> SourceRecord:
    link = getattr(record, "link", None)
    facts: list[Fact] = [
        ("Record in the source", record.source_record_id),
        ("Given name", _text(record.given_name)),
        ("Middle names", _text(record.middle_names)),
        ("Family name", _text(record.family_name)),
        ("Previous names", _text(record.previous_names)),
        (
            "Date of birth",
            date_words(record.birth_year, record.birth_month, record.birth_day) or "Not recorded",
        ),
        ("Sex or gender", _text(record.sex)),
        ("NHS number", _text(record.nhs_number)),
        ("Unique pupil number", _text(record.upn)),
        ("Address line 1", _text(record.address_line1)),
        ("Address line 2", _text(record.address_line2)),
        ("Town", _text(record.town)),
        ("Postcode", _text(record.postcode)),
        ("Property reference (UPRN)", _text(record.uprn)),
        ("At this address since", _text(record.address_from)),
        ("Date of death", _text(record.date_of_death)),
        ("Shielded (address and contact details withheld)", _text(record.restricted)),
        (
            "No longer sent by the source since",
            _text(record.ended_at) if record.ended_at else "Still sent",
        ),
    ]
    linked: list[Fact] = []
    if link is not None:
        linked = [
            ("How it was linked", link.get_basis_display()),
            ("How sure the index is", f"{link.match_probability:.1%}"),
            (
                "Linked by",
                f"link run {link.linked_by_run_id} on {_text(link.linked_by_run.started_at)}",
            ),
        ]
    return SourceRecord(
        record_id=record.pk,
        source_code=record.source.code,
        source_name=record.source.name,
        source_record_id=record.source_record_id,
        facts=facts,
        still_in_source=record.ended_at is None,
        linked=linked,
    )


def _involvements(records: list[PersonRecord]) -> list[InvolvementHeld]:
    services = dict(ServiceCategory.objects.values_list("code", "name"))
    statuses = dict(InvolvementStatus.choices)
    by_id = {r.pk: r for r in records}
    held = []
    for chunk in _chunks(list(by_id)):
        for inv in Involvement.objects.filter(person_record_id__in=chunk).order_by(
            "person_record_id", "start_date", "source_involvement_id"
        ):
            record = by_id[inv.person_record_id]
            facts: list[Fact] = [
                ("Involvement in the source", inv.source_involvement_id),
                ("Record in the source", record.source_record_id),
                ("Service", services.get(inv.service_category, inv.service_category)),
                ("Status", statuses.get(inv.status, inv.status)),
                ("Team", _text(inv.team)),
                ("Organisation", _text(inv.organisation)),
                ("Started", _text(inv.start_date)),
                ("Ended", _text(inv.end_date)),
                ("Last contact", _text(inv.last_contact_date)),
                ("Lead professional", _text(inv.lead_name)),
                ("Lead professional's role", _text(inv.lead_role)),
                ("Lead professional's phone", _text(inv.lead_phone)),
                ("Lead professional's email", _text(inv.lead_email)),
                ("Duty phone", _text(inv.duty_phone)),
                *_details(inv.details),
                ("No longer sent by the source since", _still_sent(inv.ended_at)),
            ]
            held.append(
                InvolvementHeld(
                    source_code=record.source.code,
                    source_name=record.source.name,
                    source_involvement_id=inv.source_involvement_id,
                    service=services.get(inv.service_category, inv.service_category),
                    facts=facts,
                )
            )
    return held


def _details(details: Any, prefix: str = "Details") -> list[Fact]:
    """Category-specific details (school, housing flags, police offences) as facts."""
    if details in (None, {}, []):
        return []
    if isinstance(details, dict):
        facts: list[Fact] = []
        for key, value in details.items():
            label = f"{prefix}: {str(key).replace('_', ' ')}"
            if isinstance(value, dict | list):
                facts.extend(_details(value, label))
            else:
                facts.append((label, _text(value)))
        return facts
    if isinstance(details, list):
        facts = []
        for number, item in enumerate(details, start=1):
            facts.extend(_details(item, f"{prefix} {number}"))
        return facts
    return [(prefix, _text(details))]


def _relationships(records: list[PersonRecord]) -> list[RelationshipHeld]:
    ids = [r.pk for r in records]
    labels = dict(RelationshipType.choices)
    relationships = []
    for chunk in _chunks(ids):
        relationships += list(
            SourceRelationship.objects.filter(
                Q(person_record_id__in=chunk) | Q(related_record_id__in=chunk)
            ).select_related("source", "person_record", "related_record")
        )
    seen: set[int] = set()
    others = {
        rel.related_record_id if rel.person_record_id in ids else rel.person_record_id
        for rel in relationships
    }
    person_of = dict(
        LinkedRecord.objects.filter(person_record_id__in=others).values_list(
            "person_record_id", "person_id"
        )
    )
    held = []
    for rel in sorted(relationships, key=lambda r: (r.source.code, r.pk)):
        if rel.pk in seen:
            continue
        seen.add(rel.pk)
        label = labels.get(rel.relationship_type, rel.relationship_type).lower()
        if rel.person_record_id in ids:
            other = rel.related_record
            other_person = person_of.get(other.pk, "not in the index")
            description = f"Person {other_person} is their {label}"
        else:
            other = rel.person_record
            other_person = person_of.get(other.pk, "not in the index")
            description = f"They are the {label} of person {other_person}"
        relationships_facts: list[Fact] = [
            ("Since", _text(rel.start_date)),
            ("Until", _text(rel.end_date)),
            ("No longer sent by the source since", _still_sent(rel.ended_at)),
        ]
        held.append(
            RelationshipHeld(
                source_code=rel.source.code,
                description=description,
                other_person_id=other_person,
                other_source_record_id=other.source_record_id,
                facts=relationships_facts,
            )
        )
    return held


def _sources(records: list[PersonRecord]) -> list[SourceHeld]:
    services = dict(ServiceCategory.objects.values_list("code", "name"))
    counts: dict[int, int] = defaultdict(int)
    sources: dict[int, Source] = {}
    for r in records:
        counts[r.source_id] += 1
        sources[r.source_id] = r.source
    current = {}
    for source_id, extracted_at in (
        ExtractImport.objects.filter(
            source_id__in=list(sources), status=ExtractImport.Status.LOADED
        )
        .order_by("source_id", "extracted_at")
        .values_list("source_id", "extracted_at")
    ):
        current[source_id] = extracted_at
    return [
        SourceHeld(
            code=s.code,
            name=s.name,
            organisation=s.organisation,
            service=services.get(s.service_category, s.service_category),
            records=counts[s.pk],
            data_current_as_of=current.get(s.pk),
        )
        for s in sorted(sources.values(), key=lambda s: s.code)
    ]


def _link_history(person_id: str, record_ids: list[int]) -> list[LinkChange]:
    query = Q(person_id=person_id) | Q(other_persons__icontains=person_id)
    changes = [
        c
        for c in IdentityChange.objects.filter(query)
        .select_related("steward", "run")
        .order_by("at", "pk")
        if c.person_id == person_id or person_id in (c.other_persons or [])
    ]
    wanted = set(record_ids)
    known = {c.pk for c in changes}
    for record_id in record_ids:
        for c in IdentityChange.objects.filter(records__icontains=str(record_id)).select_related(
            "steward", "run"
        ):
            if c.pk not in known and wanted & set(c.records or []):
                changes.append(c)
                known.add(c.pk)
    changes.sort(key=lambda c: (c.at, c.pk))
    history = []
    for c in changes:
        others = ", ".join(c.other_persons or []) or "none"
        if c.kind == IdentityChange.Kind.MERGE:
            what = f"Person {others} merged into person {c.person_id}"
        else:
            what = f"Records of person {c.person_id} split off to person {others}"
        if c.steward_id:
            by = c.steward.get_full_name() or c.steward.get_username()
        elif c.run_id:
            by = f"link run {c.run_id}"
        else:
            by = "Not recorded"
        history.append(LinkChange(at=c.at, what=what, reason=c.reason, by=by))
    return history


def _viewings(person_ids: list[str]) -> list[Viewing]:
    events = []
    for pid in person_ids:
        events += [(pid, e) for e in events_for_subject(pid)]
    events.sort(key=lambda pe: pe[1].sequence)
    users = {
        u.pk: u.get_full_name() or u.get_username()
        for u in get_user_model().objects.filter(
            pk__in={e.user_id for _, e in events if e.user_id is not None}
        )
    }
    authorities = dict(Authority.objects.values_list("pk", "name"))
    roles = dict(Role.choices)
    levels = dict(Level.choices)
    seen: set[int] = set()
    viewings = []
    for pid, e in events:
        if e.sequence in seen:
            continue
        seen.add(e.sequence)
        viewings.append(
            Viewing(
                sequence=e.sequence,
                at=e.occurred_at,
                who=users.get(e.user_id, e.username) if e.user_id else e.username,
                username=e.username,
                role=roles.get(e.role, e.role),
                authority=authorities.get(e.authority_id, ""),
                team=e.team,
                action=e.action,
                level=levels.get(e.level, ""),
                purpose=e.purpose,
                case_reference=e.case_reference,
                outcome=e.get_outcome_display(),
                as_person_id=pid,
            )
        )
    return viewings


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The report as CSV

CSV_COLUMNS = ("Section", "Item", "What", "Value")


def report_rows(report: SubjectAccessReport) -> Iterator[tuple[str, str, str, str]]:
    """The report as rows of (section, item, what, value): one fact a row."""
    yield ("Report", "", "Person", report.person_id)
    yield ("Report", "", "Request reference", report.reference)
    yield ("Report", "", "Produced", _text(report.produced_at))
    yield ("Report", "", "Produced by", report.produced_by)
    yield ("Report", "", "Authority", ", ".join(report.authorities))
    if report.former_ids:
        yield ("Report", "", "Also known in the index as", ", ".join(report.former_ids))
    for s in report.sources:
        item = f"{s.name} ({s.code})"
        yield ("Sources", item, "Service", s.service)
        yield ("Sources", item, "Organisation", s.organisation or "Not recorded")
        yield ("Sources", item, "Records of this person", str(s.records))
        yield ("Sources", item, "Data current as of", _text(s.data_current_as_of))
    for r in report.records:
        item = f"{r.source_code} {r.source_record_id}"
        for what, value in [*r.facts, *r.linked]:
            yield ("Source records", item, what, value)
    for i in report.involvements:
        item = f"{i.source_code} {i.source_involvement_id}"
        for what, value in i.facts:
            yield ("Involvements", item, what, value)
    for n, rel in enumerate(report.relationships, start=1):
        item = f"{rel.source_code} relationship {n}"
        yield ("Relationships", item, "Relationship", rel.description)
        yield ("Relationships", item, "Their record in the source", rel.other_source_record_id)
        for what, value in rel.facts:
            yield ("Relationships", item, what, value)
    for n, change in enumerate(report.link_history, start=1):
        item = f"Change {n}"
        yield ("Link history", item, "When", _text(change.at))
        yield ("Link history", item, "What", change.what)
        yield ("Link history", item, "Reason", change.reason)
        yield ("Link history", item, "By", change.by)
    for v in report.viewings:
        item = f"Audit event {v.sequence}"
        for what, value in (
            ("When", _text(v.at)),
            ("Who", v.who),
            ("Username", v.username),
            ("Role", v.role),
            ("Authority", v.authority),
            ("Team", v.team),
            ("Action", v.action),
            ("What was shown", v.level or "No family data"),
            ("Purpose", v.purpose),
            ("Case reference", v.case_reference),
            ("Outcome", v.outcome),
            ("As person", v.as_person_id),
        ):
            yield ("Viewed by", item, what, value)


def report_csv_lines(report: SubjectAccessReport) -> Iterator[str]:
    """The report as CSV text, line by line, every cell safe to open in a spreadsheet."""
    return csv_lines(CSV_COLUMNS, report_rows(report))
