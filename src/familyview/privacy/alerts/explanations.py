"""Why an alert was raised, in the privacy officer's words, from the events behind it.

Explanations name people by their opaque identifier only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from familyview.audit.models import AuditEvent, Level
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
