"""Why an alert was raised, in the privacy officer's words, from the events behind it.

Explanations name people by their opaque identifier only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from familyview.audit.actions import Action
from familyview.audit.models import AuditEvent, Level
from familyview.privacy.alerts.evaluation import asking_worker, people_asked_about
from familyview.privacy.alerts.facts import StaffFacts
from familyview.privacy.alerts.rules import WEEKDAYS, AlertRules
from familyview.privacy.models import AlertRule
from familyview.words import clock_words, day_words


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
    if rule == AlertRule.SHIELDED_PERSON and events[0].action == Action.PEER_LOOKUP_ANSWERED:
        one = len(subjects) == 1
        return (
            f"On {day} {_neighbour_words(events)} asked about "
            f"{'a shielded person' if one else 'shielded people'}, {people} (asked by "
            f'{_askers_words(events)}). It was answered "held", with this council\'s duty '
            "line and nothing else; every question about a shielded person is checked."
        )
    if rule in (AlertRule.PEER_VOLUME, AlertRule.PEER_WORKER_VOLUME):
        volume = rules.neighbour_volume
        per_peer = rule == AlertRule.PEER_VOLUME
        limit = volume.per_peer_per_day if per_peer else volume.per_worker_per_day
        neighbour = _neighbour_words(events)
        who = neighbour if per_peer else f"{_askers_words(events)}, through {neighbour},"
        asked = sum(people_asked_about(e) for e in events)
        questions = f"{len(events):,} {'question' if len(events) == 1 else 'questions'}"
        return (
            f"On {day} {who} asked about {asked:,} people in {questions}, more than the "
            f"{limit} a day the alert rules allow. Check with that council's privacy officer "
            f"that the questions were for their work (agreement {_agreement(events)})."
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
        holiday = " (a holiday)" if first.date() in rules.out_of_hours.holidays else ""
        weekday = WEEKDAYS[first.weekday()].capitalize()
        return (
            f"{staff_name} read family data out of hours on {weekday} "
            f"{day}{holiday}: {_times(len(events))}, at {shown}. Working hours are "
            f"{rules.working_hours_words()}."
        )
    if rule in (AlertRule.VOLUME_HOUR, AlertRule.VOLUME_DAY):
        hourly = rule == AlertRule.VOLUME_HOUR
        volume = rules.unusual_volume
        limit = volume.per_hour if hourly else volume.per_day
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


def _neighbour_words(events: Sequence[AuditEvent]) -> str:
    peer = str((events[0].details or {}).get("peer", "")) or events[0].username
    return f'the neighbouring council\'s Family View "{peer}"'


def _askers_words(events: Sequence[AuditEvent]) -> str:
    """The neighbouring council's workers who asked: 'Sam Patel, practitioner, Stockport'."""
    askers: list[str] = []
    for e in events:
        worker = asking_worker(e)
        parts = (worker.get("name"), worker.get("role"), worker.get("council"))
        said = ", ".join(p for p in parts if p)
        if said and said not in askers:
            askers.append(said)
    if not askers:
        return "a worker it did not name"
    more = f" and {len(askers) - 3} more" if len(askers) > 3 else ""
    return "; ".join(askers[:3]) + more


def _agreement(events: Sequence[AuditEvent]) -> str:
    return str((events[-1].details or {}).get("agreement", "")) or "under which they ask"
