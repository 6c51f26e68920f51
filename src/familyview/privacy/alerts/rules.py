"""The alert rules as configuration: alert_rules.toml (or the council's own copy, named
by settings.FAMILYVIEW_ALERT_RULES), read and checked into a rule book with each
authority's changes. A wrong file is refused naming the file, the setting and why.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from familyview.audit.models import Level
from familyview.words import clock_words

DEFAULT_RULES_FILE = Path(__file__).parents[1] / "alert_rules.toml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LEVELS = tuple(Level.values)


class AlertRulesError(ValueError):
    """The alert rules file is wrong; the message names the file, the setting and why."""


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
