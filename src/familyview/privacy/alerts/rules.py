"""The alert rules as configuration: alert_rules.toml, with the council's own file (named by
FAMILYVIEW_ALERT_RULES) merged over it, and in `[authorities.<code>]` what one authority
sharing the deployment changes for its own staff. familyview/settings_files.py reads,
merges and checks them: a wrong file is refused in one sentence per mistake, naming the
file, the setting, the value and what was expected.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, model_validator

from familyview.audit.models import Level
from familyview.settings_files import FROM_ARRAY, SettingsModel, Text, load_settings, merged
from familyview.words import clock_words

DEFAULT_RULES_FILE = Path(__file__).parents[1] / "alert_rules.toml"
ENVIRONMENT_VARIABLE = "FAMILYVIEW_ALERT_RULES"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# What a read of family data showed: the audit log's four levels.
LevelName = Literal[tuple(Level.values)]  # type: ignore[valid-type]
# A day of the week by its name, in any case: "monday", "Monday".
Weekday = Annotated[
    Literal[WEEKDAYS],  # type: ignore[valid-type]
    BeforeValidator(lambda day: day.lower() if isinstance(day, str) else day),
]


def _a_local_time(value: Any) -> Any:
    # A TOML time, or one written in quotes ("07:00"); local time, so with no offset.
    if isinstance(value, str):
        try:
            value = time.fromisoformat(value)
        except ValueError:
            raise ValueError("it should be a time such as 07:00") from None
    if isinstance(value, time) and value.tzinfo is not None:
        raise ValueError("it should be a local time such as 07:00, with no offset")
    return value


def _a_day(value: Any) -> Any:
    # A TOML date, or one written in quotes ("2026-12-25").
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError("it should be a date such as 2026-12-25") from None
    return value


Clock = Annotated[time, BeforeValidator(_a_local_time)]
Day = Annotated[date, BeforeValidator(_a_day)]


class RuleSettings(SettingsModel):
    """One rule's settings: whether it is on and which levels of family-data reads it reads."""

    enabled: bool = True
    levels: Annotated[frozenset[LevelName], FROM_ARRAY] = frozenset()


class VolumeRule(RuleSettings):
    """Unusual volume: more person views by one member of staff in a clock hour, or a day."""

    per_hour: int = Field(ge=1)
    per_day: int = Field(ge=1)


class NeighbourVolumeRule(SettingsModel):
    """Unusual volume from a neighbouring council: more people asked about in a day by one
    neighbouring deployment, or by one of its workers, than these."""

    enabled: bool = True
    per_peer_per_day: int = Field(ge=1)
    per_worker_per_day: int = Field(ge=1)


class HoursRule(RuleSettings):
    """Out of hours: working days and hours, and holidays, in the rules' time zone."""

    working_days: Annotated[frozenset[Weekday], FROM_ARRAY]
    day_starts: Clock
    day_ends: Clock
    holidays: Annotated[frozenset[Day], FROM_ARRAY] = frozenset()

    @model_validator(mode="after")
    def _the_day_ends_after_it_starts(self) -> HoursRule:
        if self.day_ends <= self.day_starts:
            raise ValueError(
                f"day_ends ({self.day_ends:%H:%M}) must be later than "
                f"day_starts ({self.day_starts:%H:%M})"
            )
        return self


class AlertRules(SettingsModel):
    """The alert rules for one authority (the file's settings with its changes)."""

    version: int = Field(ge=1)
    # Local time for working hours, days and the hour and day counted for volumes.
    timezone: ZoneInfo
    same_surname: RuleSettings
    same_address: RuleSettings
    unusual_volume: VolumeRule
    out_of_hours: HoursRule
    break_glass: RuleSettings
    shielded_person: RuleSettings
    neighbour_volume: NeighbourVolumeRule

    def is_out_of_hours(self, when: datetime) -> bool:
        """Whether this moment is outside working hours, days and holidays (local time)."""
        local = when.astimezone(self.timezone)
        hours = self.out_of_hours
        return (
            WEEKDAYS[local.weekday()] not in hours.working_days
            or local.date() in hours.holidays
            or local.time() < hours.day_starts
            or local.time() >= hours.day_ends
        )

    def working_hours_words(self) -> str:
        """'7am to 8pm, Monday to Friday'."""
        hours = self.out_of_hours
        days = sorted(WEEKDAYS.index(day) for day in hours.working_days)
        names = [WEEKDAYS[d].capitalize() for d in days]
        if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
            day_text = f"{names[0]} to {names[-1]}"
        else:
            day_text = ", ".join(names) or "no day"
        return f"{clock_words(hours.day_starts)} to {clock_words(hours.day_ends)}, {day_text}"


class AlertRuleBook(AlertRules):
    """The rules file: the rules every authority applies, and in `[authorities.<code>]`
    what one authority changes for its own staff."""

    authorities: dict[Text, AlertRules] = {}

    @model_validator(mode="before")
    @classmethod
    def _authorities_over_the_file(cls, data: Any) -> Any:
        # An authority's table holds only its changes: its rules are the file's with them
        # merged over, version included (an alert records the file's version).
        if isinstance(data, dict) and isinstance(data.get("authorities"), dict):
            defaults = {k: v for k, v in data.items() if k != "authorities"}
            data = {
                **data,
                "authorities": {
                    code: merged(defaults, changes) if isinstance(changes, dict) else changes
                    for code, changes in data["authorities"].items()
                },
            }
        return data

    def for_authority(self, authority_code: str | None) -> AlertRules:
        """The rules an authority's staff are held to: its own changes, if it has any."""
        return self.authorities.get(authority_code or "", self)


def load_alert_rules(council: Path | str | None = None) -> AlertRuleBook:
    """The alert rules in force: the built-in file with the council's own merged over it
    (the file FAMILYVIEW_ALERT_RULES names, or `council`, a file to try instead).
    SettingsFileError says what is wrong."""
    return load_settings(
        AlertRuleBook,
        DEFAULT_RULES_FILE,
        ENVIRONMENT_VARIABLE,
        council=Path(council) if council else None,
    )
