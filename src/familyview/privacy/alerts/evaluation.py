"""Each rule applied to a batch of audit events: what the batch raises, keyed so that
findings about one member of staff, rule and day (or clock hour, for volumes) join one
alert. Writes nothing: runs.py turns what is found into alerts.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from familyview.access.models import Authority
from familyview.audit.actions import Action
from familyview.audit.models import AuditEvent
from familyview.identity.persons import PersonDetails
from familyview.privacy.alerts.facts import StaffFacts, people_looked_at, staff_facts
from familyview.privacy.alerts.rules import AlertRuleBook, AlertRules
from familyview.privacy.models import AlertRule


@dataclass
class Finding:
    """What one rule found in a batch: an alert to raise or to add to."""

    rule: str
    key: str
    authority_id: int | None
    user_id: int | None
    username: str
    subjects: dict[str, None] = field(default_factory=dict)  # ordered set
    events: dict[int, AuditEvent] = field(default_factory=dict)
    window: tuple[datetime, datetime] | None = None  # volumes: the hour or day counted

    def add(self, event: AuditEvent, subjects: Iterable[str] = ()) -> None:
        self.events[event.sequence] = event
        for person_id in subjects:
            self.subjects.setdefault(person_id, None)


@dataclass
class Evaluation:
    """Everything a batch of events raised, keyed by alert key."""

    findings: dict[str, Finding] = field(default_factory=dict)

    def finding(self, rule: str, key: str, event: AuditEvent, authority_id: int | None) -> Finding:
        if key not in self.findings:
            self.findings[key] = Finding(
                rule, key, authority_id, event.user_id, event.username or ""
            )
        return self.findings[key]


def _is_read(event: AuditEvent, levels: frozenset[str]) -> bool:
    return event.outcome == "allowed" and bool(event.level) and event.level in levels


def _local_day(when: datetime, zone: ZoneInfo) -> date:
    return when.astimezone(zone).date()


class _Context:
    """The facts one batch needs, read once."""

    def __init__(self, events: Sequence[AuditEvent], book: AlertRuleBook):
        self.book = book
        self.codes = dict(Authority.objects.values_list("id", "code"))
        self.people = people_looked_at((p for e in events for p in e.subjects), list(self.codes))
        self.staff = staff_facts(e.user_id for e in events if e.user_id is not None)

    def rules(self, authority_id: int | None) -> AlertRules:
        return self.book.for_authority(self.codes.get(authority_id))

    def authority_of(self, event: AuditEvent, subjects: Iterable[str] = ()) -> int | None:
        if event.authority_id is not None:
            return event.authority_id
        for person_id in subjects or event.subjects:
            person = self.people.get(person_id)
            if person is not None:
                return person.authority_id
        # An event that names no authority and no one (a search by someone with roles in
        # several councils): the first authority they work for, so that a privacy officer
        # sees it.
        staff = self.staff.get(event.user_id) if event.user_id is not None else None
        return staff.authority_ids[0] if staff and staff.authority_ids else None


def evaluate(events: Sequence[AuditEvent], book: AlertRuleBook) -> Evaluation:
    """Apply every rule to these events (in sequence order) and say what they raise."""
    context = _Context(events, book)
    found = Evaluation()
    volume_events: list[AuditEvent] = []
    neighbour_events: list[AuditEvent] = []
    for event in events:
        authority_id = context.authority_of(event)
        rules = context.rules(authority_id)
        day = _local_day(event.occurred_at, rules.timezone).isoformat()
        who = f"{authority_id}:{event.user_id}"
        if rules.break_glass.enabled and event.action == "break_glass":
            found.finding(
                AlertRule.BREAK_GLASS, f"break_glass:{event.sequence}", event, authority_id
            ).add(event, event.subjects)
        if event.action == Action.PEER_LOOKUP_ANSWERED:
            # A neighbouring council's question answered here (docs/peers.md): its actor
            # is the neighbour's deployment, not a member of staff.
            if rules.shielded_person.enabled and _is_read(event, rules.shielded_person.levels):
                shielded = [p for p in event.subjects if _shielded(context.people.get(p))]
                if shielded:
                    found.finding(
                        AlertRule.SHIELDED_PERSON,
                        f"shielded_person:{authority_id}:{event.username}:{day}",
                        event,
                        authority_id,
                    ).add(event, shielded)
            if rules.neighbour_volume.enabled:
                neighbour_events.append(event)
            continue
        if event.user_id is None:
            continue
        staff = context.staff.get(event.user_id)
        if rules.shielded_person.enabled and _is_read(event, rules.shielded_person.levels):
            shielded = [p for p in event.subjects if _shielded(context.people.get(p))]
            if shielded:
                found.finding(
                    AlertRule.SHIELDED_PERSON, f"shielded_person:{who}:{day}", event, authority_id
                ).add(event, shielded)
        if staff and rules.same_surname.enabled and _is_read(event, rules.same_surname.levels):
            namesakes = [p for p in event.subjects if _shares_surname(staff, context.people.get(p))]
            if namesakes:
                found.finding(
                    AlertRule.SAME_SURNAME, f"same_surname:{who}:{day}", event, authority_id
                ).add(event, namesakes)
        if staff and rules.same_address.enabled and _is_read(event, rules.same_address.levels):
            neighbours = [
                p for p in event.subjects if _shares_address(staff, context.people.get(p))
            ]
            if neighbours:
                found.finding(
                    AlertRule.SAME_ADDRESS, f"same_address:{who}:{day}", event, authority_id
                ).add(event, neighbours)
        if (
            rules.out_of_hours.enabled
            and _is_read(event, rules.out_of_hours.levels)
            and rules.is_out_of_hours(event.occurred_at)
        ):
            found.finding(
                AlertRule.OUT_OF_HOURS, f"out_of_hours:{who}:{day}", event, authority_id
            ).add(event)
        if rules.unusual_volume.enabled and _is_read(event, rules.unusual_volume.levels):
            volume_events.append(event)
    _volumes(volume_events, context, found)
    _neighbour_volumes(neighbour_events, context, found)
    return found


def _shielded(person: PersonDetails | None) -> bool:
    return bool(person and person.shielded)


def _shares_surname(staff: StaffFacts, person: PersonDetails | None) -> bool:
    return bool(person and staff.surnames & person.surnames)


def _shares_address(staff: StaffFacts, person: PersonDetails | None) -> bool:
    return bool(person and staff.home & person.address_keys)


def _volumes(events: Sequence[AuditEvent], context: _Context, found: Evaluation) -> None:
    """Count each member of staff's reads in every clock hour and day these events fall
    in (earlier events in the same hour or day count too) against the limits."""
    windows: dict[tuple[int | None, int, str, datetime], tuple[datetime, AlertRules]] = {}
    for event in events:
        authority_id = context.authority_of(event)
        rules = context.rules(authority_id)
        local = event.occurred_at.astimezone(rules.timezone)
        hour_start = local.replace(minute=0, second=0, microsecond=0)
        day_start = datetime.combine(local.date(), time(), tzinfo=rules.timezone)
        windows[(authority_id, event.user_id, "hour", hour_start)] = (
            _next_hour(hour_start, rules.timezone),
            rules,
        )
        windows[(authority_id, event.user_id, "day", day_start)] = (
            datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=rules.timezone),
            rules,
        )
    by_user: dict[tuple[int | None, int], list[tuple[str, datetime, datetime, AlertRules]]]
    by_user = defaultdict(list)
    for (authority_id, user_id, size, start), (end, rules) in windows.items():
        by_user[(authority_id, user_id)].append((size, start, end, rules))
    for (authority_id, user_id), wanted in by_user.items():
        earliest = min(start for _, start, _, _ in wanted)
        latest = max(end for _, _, end, _ in wanted)
        levels = set().union(*(r.unusual_volume.levels for _, _, _, r in wanted))
        reads = AuditEvent.objects.filter(
            user_id=user_id,
            outcome="allowed",
            level__in=sorted(levels),
            occurred_at__gte=earliest,
            occurred_at__lt=latest,
        )
        if authority_id is not None:
            reads = reads.filter(authority_id=authority_id)
        reads = list(reads.order_by("sequence"))
        for size, start, end, rules in wanted:
            volume = rules.unusual_volume
            inside = [e for e in reads if start <= e.occurred_at < end and e.level in volume.levels]
            limit = volume.per_hour if size == "hour" else volume.per_day
            if len(inside) <= limit:
                continue
            rule = AlertRule.VOLUME_HOUR if size == "hour" else AlertRule.VOLUME_DAY
            key = f"{rule}:{authority_id}:{user_id}:{start.isoformat()}"
            finding = found.finding(rule, key, inside[-1], authority_id)
            finding.window = (start, end)
            for e in inside:
                finding.add(e)


def _next_hour(start: datetime, zone: ZoneInfo) -> datetime:
    # Through UTC, so that the hour the clocks change is an hour long.
    return (start.astimezone(ZoneInfo("UTC")) + timedelta(hours=1)).astimezone(zone)


def people_asked_about(event: AuditEvent) -> int:
    """How many people a neighbouring council's question asked about."""
    asked = (event.details or {}).get("subjects_asked", 0)
    return asked if isinstance(asked, int) else 0


def asking_worker(event: AuditEvent) -> dict[str, str]:
    """The neighbouring council's worker who asked, as their request named them."""
    worker = (event.details or {}).get("worker")
    return {k: str(v) for k, v in worker.items()} if isinstance(worker, dict) else {}


def _worker_key(event: AuditEvent) -> str:
    # A worker's name and council can be long: the alert's key holds a digest of them.
    worker = asking_worker(event)
    said = json.dumps([worker.get("name", "").lower(), worker.get("council", "").lower()])
    return hashlib.sha256(said.encode()).hexdigest()[:16]


def _neighbour_volumes(events: Sequence[AuditEvent], context: _Context, found: Evaluation) -> None:
    """Count the people each neighbouring deployment, and each of its workers, asked about
    on every day these events fall in (earlier questions that day count too)."""
    days: dict[tuple[int | None, str, datetime], tuple[datetime, AlertRules]] = {}
    for event in events:
        authority_id = context.authority_of(event)
        rules = context.rules(authority_id)
        local = event.occurred_at.astimezone(rules.timezone)
        start = datetime.combine(local.date(), time(), tzinfo=rules.timezone)
        end = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=rules.timezone)
        days[(authority_id, event.username, start)] = (end, rules)
    for (authority_id, username, start), (end, rules) in days.items():
        limits = rules.neighbour_volume
        asked = AuditEvent.objects.filter(
            action=Action.PEER_LOOKUP_ANSWERED,
            username=username,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        if authority_id is not None:
            asked = asked.filter(authority_id=authority_id)
        questions = list(asked.order_by("sequence"))
        day = start.date().isoformat()
        by_worker: dict[str, list[AuditEvent]] = defaultdict(list)
        for e in questions:
            by_worker[_worker_key(e)].append(e)
        counted = [(AlertRule.PEER_VOLUME, f"{username}", questions, limits.per_peer_per_day)]
        counted += [
            (
                AlertRule.PEER_WORKER_VOLUME,
                f"{username}:{worker}",
                theirs,
                limits.per_worker_per_day,
            )
            for worker, theirs in by_worker.items()
        ]
        for rule, who, theirs, limit in counted:
            if sum(people_asked_about(e) for e in theirs) <= limit:
                continue
            finding = found.finding(
                rule, f"{rule}:{authority_id}:{who}:{day}", theirs[-1], authority_id
            )
            finding.window = (start, end)
            for e in theirs:
                finding.add(e)
