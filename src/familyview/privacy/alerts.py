"""Privacy alerts: the audit log read against rules that spot likely misuse.

The most common real harm in a system like this is an authorised user looking up people
they know. The rules (alert_rules.toml, versioned configuration) say, each in words:

- same surname: a member of staff looked up someone recorded under their own surname;
- same address: ... someone recorded at the home address the member of staff gave;
- unusual volume: more person views by one member of staff in a clock hour, or a day,
  than the rules allow;
- out of hours: family data read outside working hours, days or on a holiday;
- break-glass: every written justification to see a shielded person's family;
- shielded person: any view of a person a source marks as shielded.

`run_alert_rules()` reads the events recorded since its last run (a high-water mark on the
audit chain's sequence, which grows in commit order because appending is one writer at a
time), raises or extends alerts, and moves the mark, in one transaction per batch: a run
that fails part-way leaves the mark where its last finished batch left it. `familyview
alerts run` calls it; so does the alert queue page, for the latest events, when it opens.

Alerts about the same member of staff, rule and day join one alert while it is waiting
for an outcome (per clock hour or day for volumes; one per break-glass), so that a busy
afternoon is one thing to look at, not fifty. Handling an alert is itself audited.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from familyview.access.models import Authority, StaffMembership
from familyview.access.policy import Permission, Staff, authorities_with, membership_for
from familyview.audit.events import record_event
from familyview.audit.models import AuditEvent, Level
from familyview.identity.features import name_parts, postcode_key, surname_history
from familyview.identity.models import IdentityChange, LinkedRecord
from familyview.privacy.models import (
    ACTIVE_STATUSES,
    CLOSED_STATUSES,
    AlertCursor,
    AlertHandling,
    AlertRule,
    AlertStatus,
    PrivacyAlert,
    PrivacyAlertEvent,
    StaffHomeAddress,
)
from familyview.words import day_words

DEFAULT_RULES_FILE = Path(__file__).with_name("alert_rules.toml")
BATCH_SIZE = 2000
# The queue page catches up on at most this many new events when it opens; the rest wait
# for `familyview alerts run` (or the next opening), so the page stays quick.
PAGE_CATCH_UP = 2000
ALERTS_PER_PAGE = 50
NOTE_MAX_LENGTH = 2000
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LEVELS = tuple(Level.values)
_NOT_LETTERS_OR_DIGITS = re.compile(r"[^a-z0-9]+")
_IN_QUERY = 500  # identifiers per IN (...) clause: SQLite allows a limited number


class AlertRulesError(ValueError):
    """The alert rules file is wrong; the message names the file, the setting and why."""


class AlertNotFound(LookupError):
    """No such alert among the reader's authorities (another authority's looks the same)."""


class AlertRefused(ValueError):
    """The alert cannot be handled as asked; the message says why, in the officer's words."""


# The rules, as configuration


@dataclass(frozen=True)
class RuleSettings:
    """One rule's settings: whether it is on and which levels of family-data reads it reads."""

    enabled: bool = True
    levels: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AlertRules:
    """The alert rules for one authority (the file's settings with its overrides)."""

    version: int
    timezone: ZoneInfo
    same_surname: RuleSettings
    same_address: RuleSettings
    unusual_volume: RuleSettings
    per_hour: int
    per_day: int
    out_of_hours: RuleSettings
    working_days: frozenset[int]  # 0 is Monday
    day_starts: time
    day_ends: time
    holidays: frozenset[date]
    break_glass: RuleSettings
    shielded_person: RuleSettings

    def is_out_of_hours(self, when: datetime) -> bool:
        """Whether this moment is outside working hours, days and holidays (local time)."""
        local = when.astimezone(self.timezone)
        return (
            local.weekday() not in self.working_days
            or local.date() in self.holidays
            or local.time() < self.day_starts
            or local.time() >= self.day_ends
        )

    def working_hours_words(self) -> str:
        """'7am to 8pm, Monday to Friday'."""
        days = sorted(self.working_days)
        names = [WEEKDAYS[d].capitalize() for d in days]
        if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
            day_text = f"{names[0]} to {names[-1]}"
        else:
            day_text = ", ".join(names) or "no day"
        return f"{clock_words(self.day_starts)} to {clock_words(self.day_ends)}, {day_text}"


@dataclass(frozen=True)
class AlertRuleBook:
    """The rules file: the defaults and each authority's changes to them."""

    path: Path
    defaults: AlertRules
    by_authority: dict[str, AlertRules] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return self.defaults.version

    def for_authority(self, authority_code: str | None) -> AlertRules:
        return self.by_authority.get(authority_code or "", self.defaults)


def rules_file() -> Path:
    """The alert rules in force: settings.FAMILYVIEW_ALERT_RULES, else the built-in file."""
    configured = getattr(settings, "FAMILYVIEW_ALERT_RULES", None)
    return Path(configured) if configured else DEFAULT_RULES_FILE


def load_alert_rules(path: Path | None = None) -> AlertRuleBook:
    """Read and check the alert rules file; AlertRulesError names anything wrong."""
    path = Path(path) if path else rules_file()
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise AlertRulesError(f"{path}: no such alert rules file") from None
    except tomllib.TOMLDecodeError as e:
        raise AlertRulesError(f"{path}: not valid TOML ({e})") from None
    overrides = data.pop("authorities", {})
    if not isinstance(overrides, dict):
        raise AlertRulesError(f"{path}: [authorities] must be a table of authority codes")
    defaults = _rules_from(data, path, "")
    by_authority = {}
    for code, changes in overrides.items():
        if not isinstance(changes, dict):
            raise AlertRulesError(f"{path}: [authorities.{code}] must be a table")
        by_authority[code] = _rules_from(_merged(data, changes), path, f"authorities.{code}.")
    return AlertRuleBook(path, defaults, by_authority)


def _merged(base: dict, changes: dict) -> dict:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged


RULE_SECTIONS = (
    "same_surname",
    "same_address",
    "unusual_volume",
    "out_of_hours",
    "break_glass",
    "shielded_person",
)


def _rules_from(data: dict, path: Path, prefix: str) -> AlertRules:
    def fail(setting: str, why: str) -> AlertRulesError:
        return AlertRulesError(f"{path}: {prefix}{setting} {why}")

    known = {"version", "timezone", *RULE_SECTIONS}
    unknown = sorted(set(data) - known)
    if unknown:
        raise fail(unknown[0], f"is not a setting (known: {', '.join(sorted(known))})")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail("version", "must be a whole number from 1")
    try:
        zone = ZoneInfo(str(data.get("timezone", "Europe/London")))
    except (ZoneInfoNotFoundError, ValueError):
        raise fail("timezone", "is not a time zone name such as Europe/London") from None

    def section(name: str) -> dict:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise fail(name, "must be a table")
        return value

    def rule(name: str, default_levels: Iterable[str], extra: Iterable[str] = ()) -> RuleSettings:
        values = section(name)
        allowed = {"enabled", "levels", *extra}
        for key in values:
            if key not in allowed:
                raise fail(f"{name}.{key}", "is not a setting of this rule")
        enabled = values.get("enabled", True)
        if not isinstance(enabled, bool):
            raise fail(f"{name}.enabled", "must be true or false")
        levels = values.get("levels", list(default_levels))
        if not isinstance(levels, list) or not all(level in LEVELS for level in levels):
            raise fail(f"{name}.levels", f"must be a list of levels from {', '.join(LEVELS)}")
        return RuleSettings(enabled, frozenset(levels))

    def whole(name: str, key: str, default: int) -> int:
        value = section(name).get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise fail(f"{name}.{key}", "must be a whole number from 1")
        return value

    def clock(key: str, default: str) -> time:
        value = section("out_of_hours").get(key, default)
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            raise fail(f"out_of_hours.{key}", "must be a time such as 07:00") from None

    viewing = ("summary", "service_detail")
    hours = section("out_of_hours")
    days = hours.get("working_days", list(WEEKDAYS[:5]))
    if not isinstance(days, list) or not all(str(d).lower() in WEEKDAYS for d in days):
        raise fail("out_of_hours.working_days", "must be a list of day names such as monday")
    holidays = hours.get("holidays", [])
    if not isinstance(holidays, list):
        raise fail("out_of_hours.holidays", "must be a list of dates such as 2026-12-25")
    try:
        holiday_dates = frozenset(
            h if isinstance(h, date) else date.fromisoformat(str(h)) for h in holidays
        )
    except ValueError:
        raise fail("out_of_hours.holidays", "must be a list of dates such as 2026-12-25") from None
    day_starts, day_ends = clock("day_starts", "07:00"), clock("day_ends", "20:00")
    if day_ends <= day_starts:
        raise fail("out_of_hours.day_ends", "must be later than day_starts")
    return AlertRules(
        version=version,
        timezone=zone,
        same_surname=rule("same_surname", viewing),
        same_address=rule("same_address", viewing),
        unusual_volume=rule("unusual_volume", viewing, ("per_hour", "per_day")),
        per_hour=whole("unusual_volume", "per_hour", 30),
        per_day=whole("unusual_volume", "per_day", 120),
        out_of_hours=rule(
            "out_of_hours", LEVELS, ("working_days", "day_starts", "day_ends", "holidays")
        ),
        working_days=frozenset(WEEKDAYS.index(str(d).lower()) for d in days),
        day_starts=day_starts,
        day_ends=day_ends,
        holidays=holiday_dates,
        break_glass=rule("break_glass", ()),
        shielded_person=rule("shielded_person", ("results", *viewing)),
    )


# What the rules compare: the people looked at and the staff looking


@dataclass(frozen=True)
class PersonFacts:
    """What the index holds about a person that the rules compare with staff."""

    authority_id: int | None
    surnames: frozenset[str]
    uprns: frozenset[str]
    addresses: frozenset[tuple[str, str]]  # (postcode key, plain first line)
    shielded: bool


@dataclass(frozen=True)
class StaffFacts:
    """A member of staff as the rules see them: name, surname parts, home address."""

    name: str
    surname: str
    surnames: frozenset[str]
    home_uprn: str = ""
    home_address: tuple[str, str] | None = None
    authority_ids: tuple[int, ...] = ()  # the authorities they hold a role in


def _chunks(items: Sequence, size: int = _IN_QUERY) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def person_facts(person_ids: Iterable[str]) -> dict[str, PersonFacts]:
    """Facts about these persons from every record they hold, in a few queries.

    A person merged into another since the event is found under the person it was merged
    into (the steward's merge or a link run recorded the move).
    """
    wanted = sorted(set(person_ids))
    rows = _rows_of(wanted)
    moved = {pid: _merged_into(pid) for pid in wanted if pid not in rows}
    rows.update(_rows_of(sorted({t for t in moved.values() if t and t not in rows})))
    facts = {}
    for pid in wanted:
        found = rows.get(pid) or rows.get(moved.get(pid) or "", [])
        if not found:
            continue
        surnames: set[str] = set()
        uprns: set[str] = set()
        addresses: set[tuple[str, str]] = set()
        for _authority, family, previous, uprn, postcode, line1, _restricted in found:
            surnames.update(surname_history(family, previous) or ())
            if uprn.strip():
                uprns.add(uprn.strip())
            if postcode.strip() and _line_key(line1):
                addresses.add((postcode_key(postcode) or "", _line_key(line1)))
        facts[pid] = PersonFacts(
            authority_id=found[0][0],
            surnames=frozenset(surnames),
            uprns=frozenset(uprns),
            addresses=frozenset(addresses),
            shielded=any(r[-1] for r in found),
        )
    return facts


def _line_key(line: str) -> str:
    """An address's first line as compared: no case, accents, spaces or punctuation, but
    with its numbers ('12 Mill Lane,' -> '12milllane')."""
    folded = unicodedata.normalize("NFKD", (line or "").casefold())
    return _NOT_LETTERS_OR_DIGITS.sub("", folded.encode("ascii", "ignore").decode())


def _rows_of(person_ids: Sequence[str]) -> dict[str, list[tuple]]:
    rows: dict[str, list[tuple]] = defaultdict(list)
    for chunk in _chunks(person_ids):
        for row in LinkedRecord.objects.filter(person_id__in=chunk).values_list(
            "person_id",
            "person_record__source__authority_id",
            "person_record__family_name",
            "person_record__previous_names",
            "person_record__uprn",
            "person_record__postcode",
            "person_record__address_line1",
            "person_record__restricted",
        ):
            rows[row[0]].append(row[1:])
    return rows


def _merged_into(person_id: str) -> str | None:
    """The person a retired person was merged into, following merges to the last one."""
    seen = {person_id}
    current = person_id
    while True:
        changes = IdentityChange.objects.filter(
            kind=IdentityChange.Kind.MERGE, other_persons__icontains=current
        ).order_by("-at", "-pk")
        target = next((c.person_id for c in changes if current in (c.other_persons or [])), None)
        if target is None or target in seen:
            return None if current == person_id else current
        seen.add(target)
        current = target


def staff_facts(user_ids: Iterable[int]) -> dict[int, StaffFacts]:
    """Each member of staff's name, surname parts and home address (if they gave one)."""
    wanted = sorted(set(user_ids))
    homes = {
        h.user_id: h
        for chunk in _chunks(wanted)
        for h in StaffHomeAddress.objects.filter(user_id__in=chunk)
    }
    authorities: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(wanted):
        for user_id, authority_id in StaffMembership.objects.filter(user_id__in=chunk).values_list(
            "user_id", "authority_id"
        ):
            authorities[user_id].add(authority_id)
    facts = {}
    for chunk in _chunks(wanted):
        for user in get_user_model().objects.filter(pk__in=chunk):
            home = homes.get(user.pk)
            address = None
            if home and home.postcode.strip() and _line_key(home.address_line1):
                address = (postcode_key(home.postcode) or "", _line_key(home.address_line1))
            facts[user.pk] = StaffFacts(
                name=user.get_full_name() or user.get_username(),
                surname=user.last_name.strip(),
                surnames=frozenset(name_parts(user.last_name)),
                home_uprn=home.uprn.strip() if home else "",
                home_address=address,
                authority_ids=tuple(sorted(authorities.get(user.pk, ()))),
            )
    return facts


# Evaluating events


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
        self.people = person_facts(p for e in events for p in e.subjects)
        self.staff = staff_facts(e.user_id for e in events if e.user_id is not None)

    def rules(self, authority_id: int | None) -> AlertRules:
        return self.book.for_authority(self.codes.get(authority_id))

    def authority_of(self, event: AuditEvent, subjects: Iterable[str] = ()) -> int | None:
        if event.authority_id is not None:
            return event.authority_id
        for person_id in subjects or event.subjects:
            facts = self.people.get(person_id)
            if facts and facts.authority_id is not None:
                return facts.authority_id
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
    for event in events:
        authority_id = context.authority_of(event)
        rules = context.rules(authority_id)
        day = _local_day(event.occurred_at, rules.timezone).isoformat()
        who = f"{authority_id}:{event.user_id}"
        if rules.break_glass.enabled and event.action == "break_glass":
            found.finding(
                AlertRule.BREAK_GLASS, f"break_glass:{event.sequence}", event, authority_id
            ).add(event, event.subjects)
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
    return found


def _shielded(facts: PersonFacts | None) -> bool:
    return bool(facts and facts.shielded)


def _shares_surname(staff: StaffFacts, facts: PersonFacts | None) -> bool:
    return bool(facts and staff.surnames & facts.surnames)


def _shares_address(staff: StaffFacts, facts: PersonFacts | None) -> bool:
    if facts is None:
        return False
    if staff.home_uprn and staff.home_uprn in facts.uprns:
        return True
    return staff.home_address is not None and staff.home_address in facts.addresses


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
            inside = [
                e
                for e in reads
                if start <= e.occurred_at < end and e.level in rules.unusual_volume.levels
            ]
            limit = rules.per_hour if size == "hour" else rules.per_day
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


# Explanations, in words


def explain(
    rule: str,
    staff_name: str,
    events: Sequence[AuditEvent],
    subjects: Sequence[str],
    rules: AlertRules,
    staff: StaffFacts | None = None,
    window: tuple[datetime, datetime] | None = None,
) -> str:
    """Why this alert was raised, for the privacy officer, from the events behind it."""
    events = sorted(events, key=lambda e: e.sequence)
    first = events[0].occurred_at.astimezone(rules.timezone)
    day = day_words(first.date())
    people = _people_words(subjects)
    reads = _reads_words(events, rules)
    if rule == AlertRule.SAME_SURNAME:
        surname = staff.surname if staff and staff.surname else "their own surname"
        return (
            f"On {day} {staff_name} looked up {people} recorded under the surname "
            f"{surname}, which is {staff_name}'s own surname ({reads}). Staff looking up "
            "relatives, neighbours or people they know is the most common misuse of "
            "systems like this: check that the lookup was for their work."
        )
    if rule == AlertRule.SAME_ADDRESS:
        return (
            f"On {day} {staff_name} looked up {people} recorded at the home address "
            f"{staff_name} gave ({reads}). Check that the lookup was for their work."
        )
    if rule == AlertRule.SHIELDED_PERSON:
        one = len(subjects) == 1
        return (
            f"On {day} {staff_name} saw {'a shielded person' if one else 'shielded people'}, "
            f"{people} ({reads}). A source marks "
            f"{'this person' if one else 'these people'} as shielded (for "
            "example in a refuge, or adopted), so every time they are seen is checked."
        )
    if rule == AlertRule.BREAK_GLASS:
        event = events[0]
        justification = str((event.details or {}).get("justification", "")).strip()
        said = f' Their written justification: "{justification}"' if justification else ""
        return (
            f"{staff_name} broke the glass to see the family of shielded {people} on "
            f"{day} at {clock_words(first.time())}.{said} Every break-glass is checked."
        )
    if rule == AlertRule.OUT_OF_HOURS:
        times = [clock_words(e.occurred_at.astimezone(rules.timezone).time()) for e in events]
        shown = ", ".join(times[:10]) + (f" and {len(times) - 10} more" if len(times) > 10 else "")
        holiday = " (a holiday)" if first.date() in rules.holidays else ""
        weekday = WEEKDAYS[first.weekday()].capitalize()
        return (
            f"{staff_name} read family data out of hours on {weekday} "
            f"{day}{holiday}: {_times(len(events))}, at {shown}. Working hours are "
            f"{rules.working_hours_words()}."
        )
    if rule in (AlertRule.VOLUME_HOUR, AlertRule.VOLUME_DAY):
        hourly = rule == AlertRule.VOLUME_HOUR
        limit = rules.per_hour if hourly else rules.per_day
        if window and hourly:
            start, end = (w.astimezone(rules.timezone) for w in window)
            when = f"between {clock_words(start.time())} and {clock_words(end.time())} on {day}"
        else:
            when = f"on {day}"
        return (
            f"{staff_name} read family data {_times(len(events))} {when} "
            f"({_levels_words(events)}), more than the {limit} "
            f"{'an hour' if hourly else 'a day'} the alert rules allow. "
            f"{_distinct_people(events)}"
        )
    raise ValueError(f"no explanation for rule {rule!r}")


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n:,} times"


def _people_words(subjects: Sequence[str]) -> str:
    if not subjects:
        return "a person"
    if len(subjects) == 1:
        return f"person {subjects[0]}"
    shown = ", ".join(subjects[:10])
    more = f" and {len(subjects) - 10} more" if len(subjects) > 10 else ""
    return f"{len(subjects)} people ({shown}{more})"


def _levels_words(events: Sequence[AuditEvent]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for e in events:
        counts[e.level] += 1
    labels = dict(Level.choices)
    return ", ".join(
        f"{labels.get(level, level).lower()}: {n:,}" for level, n in sorted(counts.items())
    )


def _reads_words(events: Sequence[AuditEvent], rules: AlertRules) -> str:
    first = events[0].occurred_at.astimezone(rules.timezone)
    last = events[-1].occurred_at.astimezone(rules.timezone)
    if len(events) == 1:
        return f"{_levels_words(events)}, at {clock_words(first.time())}"
    between = f"between {clock_words(first.time())} and {clock_words(last.time())}"
    return f"{_times(len(events))} {between}; {_levels_words(events)}"


def _distinct_people(events: Sequence[AuditEvent]) -> str:
    people = {p for e in events for p in e.subjects}
    if not people:
        return ""
    return f"{len(people):,} different {'person was' if len(people) == 1 else 'people were'} shown."


def clock_words(value: time) -> str:
    """'2:30pm', '10am', 'midday', 'midnight' (the GOV.UK style)."""
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    if value.hour == 12 and value.minute == 0:
        return "midday"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


# Raising alerts


@dataclass(frozen=True)
class AlertRun:
    """What a run of the rules did."""

    events_read: int = 0
    alerts_raised: int = 0
    alerts_extended: int = 0
    read_up_to: int = 0
    busy: bool = False  # another run held the mark; this one did nothing

    def __add__(self, other: AlertRun) -> AlertRun:
        return AlertRun(
            self.events_read + other.events_read,
            self.alerts_raised + other.alerts_raised,
            self.alerts_extended + other.alerts_extended,
            max(self.read_up_to, other.read_up_to),
            self.busy or other.busy,
        )


def _lock_cursor(skip_if_busy: bool) -> AlertCursor | None:
    """The high-water mark, locked until the transaction ends (None if busy and skipping)."""
    cursor = AlertCursor.objects.select_for_update(skip_locked=skip_if_busy).filter(pk=1).first()
    if cursor is None:
        # The migration makes the row; this covers a database emptied by hand.
        AlertCursor.objects.get_or_create(pk=1)
        cursor = (
            AlertCursor.objects.select_for_update(skip_locked=skip_if_busy).filter(pk=1).first()
        )
    return cursor


def run_alert_rules(
    *,
    book: AlertRuleBook | None = None,
    batch_size: int = BATCH_SIZE,
    max_events: int | None = None,
    skip_if_busy: bool = False,
) -> AlertRun:
    """Read the audit events recorded since the last run against the alert rules.

    Each batch is one transaction: alerts raised or extended and the mark moved together.
    `max_events` stops early (the rest wait for the next run); `skip_if_busy` returns at
    once when another run holds the mark (PostgreSQL; SQLite runs one writer at a time).
    """
    book = book or load_alert_rules()
    total = AlertRun()
    while max_events is None or total.events_read < max_events:
        wanted = (
            batch_size if max_events is None else min(batch_size, max_events - total.events_read)
        )
        with transaction.atomic():
            cursor = _lock_cursor(skip_if_busy)
            if cursor is None:
                return replace(total, busy=True)
            events = list(
                AuditEvent.objects.filter(sequence__gt=cursor.last_sequence).order_by("sequence")[
                    :wanted
                ]
            )
            cursor.last_run_at = timezone.now()
            if events:
                raised, extended = _raise(evaluate(events, book), book)
                cursor.last_sequence = events[-1].sequence
                total = total + AlertRun(len(events), raised, extended, cursor.last_sequence)
            else:
                total = total + AlertRun(read_up_to=cursor.last_sequence)
            cursor.save()
        if len(events) < wanted:
            break
    return total


def _raise(evaluation: Evaluation, book: AlertRuleBook) -> tuple[int, int]:
    """Write what the evaluation found: new alerts, or more evidence on active ones."""
    if not evaluation.findings:
        return 0, 0
    codes = dict(Authority.objects.values_list("id", "code"))
    staff = staff_facts(f.user_id for f in evaluation.findings.values() if f.user_id is not None)
    raised = extended = 0
    for finding in evaluation.findings.values():
        rules = book.for_authority(codes.get(finding.authority_id))
        alert = (
            PrivacyAlert.objects.filter(key=finding.key, status__in=ACTIVE_STATUSES)
            .order_by("-pk")
            .first()
        )
        known = set()
        subjects = list(finding.subjects)
        if alert is not None:
            known = set(alert.event_links.values_list("event_id", flat=True))
            subjects = list(dict.fromkeys([*alert.subjects, *subjects]))
            if set(finding.events) <= known and subjects == alert.subjects:
                continue
        events = list(finding.events.values())
        if known:
            events += list(AuditEvent.objects.filter(sequence__in=known - set(finding.events)))
        events.sort(key=lambda e: e.sequence)
        facts = staff.get(finding.user_id) if finding.user_id is not None else None
        name = facts.name if facts else (finding.username or "Someone not signed in")
        explanation = explain(
            finding.rule, name, events, subjects, rules, staff=facts, window=finding.window
        )
        if alert is None:
            alert = PrivacyAlert.objects.create(
                authority_id=finding.authority_id,
                rule=finding.rule,
                key=finding.key,
                explanation=explanation,
                user_id=finding.user_id,
                username=finding.username,
                subjects=subjects,
                first_event_at=events[0].occurred_at,
                last_event_at=events[-1].occurred_at,
                rules_version=book.version,
            )
            raised += 1
        else:
            alert.explanation = explanation
            alert.subjects = subjects
            alert.first_event_at = events[0].occurred_at
            alert.last_event_at = events[-1].occurred_at
            alert.save(update_fields=["explanation", "subjects", "first_event_at", "last_event_at"])
            extended += 1
        PrivacyAlertEvent.objects.bulk_create(
            [PrivacyAlertEvent(alert=alert, event_id=s) for s in finding.events if s not in known]
        )
    return raised, extended


# The privacy officer's queue


def officer_authority_ids(staff: Staff | None) -> list[int]:
    """The authorities whose alerts this member of staff handles (empty: none)."""
    return authorities_with(staff, Permission.HANDLE_ALERTS)


def visible_alerts(authority_ids: Iterable[int]) -> QuerySet[PrivacyAlert]:
    """The alerts of these authorities (a privacy officer's), newest first."""
    return PrivacyAlert.objects.filter(authority_id__in=list(authority_ids))


def alert_queue(
    authority_ids: Iterable[int],
    showing: str = "active",
    page_number: int | str | None = 1,
    per_page: int = ALERTS_PER_PAGE,
) -> Page:
    """One page of alerts: those waiting for an outcome ("active", oldest first, so that
    nothing waits forever) or those with one ("closed", most recently handled first)."""
    alerts = visible_alerts(authority_ids)
    if showing == "closed":
        alerts = alerts.filter(status__in=CLOSED_STATUSES).order_by("-handled_at", "-pk")
    else:
        alerts = alerts.filter(status__in=ACTIVE_STATUSES).order_by("raised_at", "pk")
    return Paginator(alerts, per_page).get_page(page_number)


@dataclass(frozen=True)
class QueueCounts:
    open: int
    under_review: int
    closed: int


def queue_counts(authority_ids: Iterable[int]) -> QueueCounts:
    """How many alerts wait for a first look, are being looked at, and are closed."""
    counts = visible_alerts(authority_ids).aggregate(
        open=Count("pk", filter=Q(status=AlertStatus.OPEN)),
        under_review=Count("pk", filter=Q(status=AlertStatus.UNDER_REVIEW)),
        closed=Count("pk", filter=Q(status__in=CLOSED_STATUSES)),
    )
    return QueueCounts(counts["open"], counts["under_review"], counts["closed"])


def rules_read_up_to() -> AlertCursor | None:
    """Where the rules have read the audit log up to, and when they last ran."""
    return AlertCursor.objects.filter(pk=1).first()


@dataclass(frozen=True)
class AlertQueue:
    """The queue as a privacy officer sees it."""

    page: Page
    counts: QueueCounts
    rules_problem: str = ""  # the rules file could not be read: no new alerts were raised


def open_alert_queue(
    staff: Staff, showing: str = "active", page_number: int | str | None = 1
) -> AlertQueue:
    """The queue as a privacy officer opens it: first the newest events are read against
    the rules (up to PAGE_CATCH_UP of them, skipped if a run is under way), then the
    officer's authorities' alerts. A broken rules file is reported, not fatal: the alerts
    already raised are still shown."""
    problem = ""
    try:
        run_alert_rules(max_events=PAGE_CATCH_UP, skip_if_busy=True)
    except AlertRulesError as e:
        problem = str(e)
    authority_ids = officer_authority_ids(staff)
    return AlertQueue(
        alert_queue(authority_ids, showing, page_number), queue_counts(authority_ids), problem
    )


@dataclass(frozen=True)
class AlertDetail:
    """One alert with its evidence and the steps taken on it."""

    alert: PrivacyAlert
    staff_name: str
    events: list[AuditEvent]
    handling: list[AlertHandling]
    is_about_reader: bool


def alert_detail(alert_id: int, staff: Staff) -> AlertDetail:
    """An alert of the officer's authorities with its events and handling, audited as
    read. AlertNotFound for any other alert."""
    authority_ids = officer_authority_ids(staff)
    alert = visible_alerts(authority_ids).filter(pk=alert_id).first()
    if alert is None:
        raise AlertNotFound(alert_id)
    events = list(alert.events.order_by("sequence"))
    handling = list(alert.handling.select_related("handled_by").order_by("handled_at", "pk"))
    with transaction.atomic():
        record_event(
            staff,
            "privacy_alert.viewed",
            details={"alert": alert.pk, "rule": alert.rule},
            authority_id=alert.authority_id,
            role=_role(staff, alert.authority_id),
        )
    return AlertDetail(
        alert=alert,
        staff_name=_name_of(alert),
        events=events,
        handling=handling,
        is_about_reader=alert.user_id is not None and alert.user_id == staff.user_id,
    )


def staff_names(alerts: Iterable[PrivacyAlert]) -> dict[int, str]:
    """The names of the staff these alerts are about, by user id (for the queue page)."""
    return {
        user_id: facts.name
        for user_id, facts in staff_facts(a.user_id for a in alerts if a.user_id).items()
    }


def _name_of(alert: PrivacyAlert) -> str:
    if alert.user_id is None:
        return alert.username or "Someone not signed in"
    facts = staff_facts([alert.user_id]).get(alert.user_id)
    return facts.name if facts else alert.username


def _role(staff: Staff, authority_id: int | None) -> str:
    membership = membership_for(staff, Permission.HANDLE_ALERTS, authority_id)
    return membership.role if membership else ""


# Handling an alert

HANDLING_CHOICES = (
    AlertStatus.UNDER_REVIEW,
    AlertStatus.NO_CONCERN,
    AlertStatus.CONCERN_REFERRED,
)


def handle_alert(alert_id: int, staff: Staff, status: str, note: str) -> PrivacyAlert:
    """Record a privacy officer's step on an alert: looking into it, or its outcome.

    An outcome (no concern, concern referred) needs a note saying what was found and
    done. Nobody handles an alert about their own use. The step is audited, in the same
    transaction.
    """
    note = (note or "").strip()
    if status not in HANDLING_CHOICES:
        raise AlertRefused("Select what you have done about this alert")
    if status in CLOSED_STATUSES and not note:
        raise AlertRefused("Enter what you found and what was done")
    if len(note) > NOTE_MAX_LENGTH:
        raise AlertRefused(f"The note must be {NOTE_MAX_LENGTH} characters or fewer")
    authority_ids = officer_authority_ids(staff)
    with transaction.atomic():
        alert = visible_alerts(authority_ids).select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise AlertNotFound(alert_id)
        if alert.user_id is not None and alert.user_id == staff.user_id:
            raise AlertRefused(
                "This alert is about your own use of Family View: another privacy officer "
                "must handle it"
            )
        previous = alert.status
        now = timezone.now()
        AlertHandling.objects.create(
            alert=alert, status=status, note=note, handled_by_id=staff.user_id, handled_at=now
        )
        alert.status = status
        alert.outcome_note = note
        alert.handled_by_id = staff.user_id
        alert.handled_at = now
        alert.save(update_fields=["status", "outcome_note", "handled_by", "handled_at"])
        record_event(
            staff,
            "privacy_alert.handled",
            details={
                "alert": alert.pk,
                "rule": alert.rule,
                "status": status,
                "previous_status": previous,
            },
            authority_id=alert.authority_id,
            role=_role(staff, alert.authority_id),
        )
    return alert


# A member of staff's home address, for the same-address rule


def set_staff_home_address(
    username: str, *, address_line1: str = "", postcode: str = "", uprn: str = "", by: str = ""
) -> StaffHomeAddress | None:
    """Record (or with nothing given, remove) a member of staff's home address.

    Audited as an administration action, naming who ran it (`by`). Raises LookupError
    for an unknown username and ValueError for an address the rule could not compare.
    """
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise LookupError(f"no member of staff with the username {username!r}")
    address_line1, postcode, uprn = address_line1.strip(), postcode.strip(), uprn.strip()
    if uprn and not uprn.isdigit():
        raise ValueError("the UPRN must be digits only")
    if len(uprn) > 12:
        raise ValueError("the UPRN must be 12 digits or fewer")
    if postcode and len(postcode_key(postcode) or "") > 7:
        raise ValueError("the postcode is too long")
    if bool(address_line1) != bool(postcode):
        raise ValueError("give both the first line of the address and the postcode, or neither")
    with transaction.atomic():
        if not (address_line1 or postcode or uprn):
            StaffHomeAddress.objects.filter(user=user).delete()
            home = None
        else:
            home, _ = StaffHomeAddress.objects.update_or_create(
                user=user,
                defaults={"address_line1": address_line1, "postcode": postcode, "uprn": uprn},
            )
        record_event(
            None,
            "admin.staff_home_address",
            details={"user_id": user.pk, "recorded": home is not None, "by": by},
        )
    return home


def alert_events_details(events: Iterable[AuditEvent]) -> list[dict[str, Any]]:
    """The evidence events as rows for the page: sequence, when, action, level, subjects."""
    labels = dict(Level.choices)
    return [
        {
            "sequence": e.sequence,
            "occurred_at": e.occurred_at,
            "action": e.action,
            "level": labels.get(e.level, ""),
            "subjects": list(e.subjects),
            "purpose": e.purpose,
            "case_reference": e.case_reference,
            "role": e.role,
        }
        for e in events
    ]
