"""Display rules: what a practitioner may see of a person's service involvements.

The rules are configuration, versioned: display_rules.toml holds the defaults; a council's
own file, named by FAMILYVIEW_DISPLAY_RULES, holds what it changes, and in
`[authorities.<code>]` what one authority sharing the deployment changes, each with its own
version (familyview/settings_files.py reads, merges and checks them). They say which
services are shown at which ages, which police offences (safeguarding-relevant ones, the
most recent few), which further details, and how much of a sensitive service a role sees.
A shielded person (in a refuge, adopted) never has contact details shown: their lead
professionals are withheld, and the duty line is the way in.

`shown_involvements` applies the rules to one person's involvements and returns what the
family network shows: ServiceInvolvement values, current first, then the most recent.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from familyview.involvements.categories import read_categories
from familyview.settings_files import (
    FROM_ARRAY,
    SettingsModel,
    Text,
    council_file,
    load_settings,
    merged,
    read_file,
)
from familyview.words import days_ago_words, every_words

RULES_FILE = Path(__file__).with_name("display_rules.toml")
ENVIRONMENT_VARIABLE = "FAMILYVIEW_DISPLAY_RULES"

# How much of a sensitive service a role sees: that it exists, its dates, or all of it.
Level = Literal["exists", "dates", "full"]
EXISTS: Level = "exists"
FULL: Level = "full"

# The roles a rule may name (access.models.Role values). Written out here rather than
# imported so that reading the rules needs no Django app registry.
ROLES = frozenset(
    {"practitioner", "team_manager", "privacy_officer", "data_steward", "administrator"}
)

WITHHELD_SENSITIVE = (
    "This is a sensitive service: call its duty line to find out more about this involvement"
)
WITHHELD_SHIELDED = (
    "Contact details are withheld to protect this person: call the service's duty line"
)
WITHHELD_NONE_RECORDED = "No lead professional recorded: call the service's duty line"


# ---- what the family network shows of an involvement ----------------------------------


@dataclass(frozen=True)
class SourceInfo:
    """A source system a fact came from, and how current its data is."""

    code: str
    name: str
    organisation: str
    service_category: str
    duty_phone: str
    # The extracted_at of the source's latest loaded import; None if never loaded.
    data_current_as_of: datetime | None
    # Older than the source's expected cadence (Source.expected_every_days): overdue.
    stale: bool
    # How often the source should send an extract (Source.expected_every_days), and how
    # many whole days before the day the family was read its latest one was taken.
    expected_every_days: int
    days_since_update: int | None

    @property
    def cadence_words(self) -> str:
        """How often it should be updated: 'daily', 'weekly', 'every 3 days'."""
        return every_words(self.expected_every_days)

    @property
    def last_update_words(self) -> str:
        """When its latest extract was taken: 'today', '18 days ago', 'never'."""
        if self.days_since_update is None:
            return "never"
        return days_ago_words(self.days_since_update)

    @property
    def freshness_words(self) -> str:
        """'Updated weekly, last update 18 days ago', as a worker would say it."""
        return f"Updated {self.cadence_words}, last update {self.last_update_words}"


@dataclass(frozen=True)
class Contact:
    """A lead professional the practitioner can call or email."""

    name: str
    role: str
    phone: str
    email: str


@dataclass(frozen=True)
class PoliceOffence:
    """One safeguarding-relevant police event, as the display rules allow it."""

    date: date | None
    offence_type: str  # "domestic abuse", "missing person"...
    nature: str  # the person's involvement: "victim", "suspect", "offender"...


@dataclass(frozen=True)
class Detail:
    """One further fact about an involvement the rules allow, e.g. rent arrears."""

    label: str
    value: str


@dataclass(frozen=True)
class ServiceInvolvement:
    """One involvement with a service, after the display rules."""

    involvement_id: int
    service_category: str  # code, e.g. "housing"
    service_name: str  # "Housing"
    # "current", "historic" or "not_recorded" (the source did not say); "" when the rules
    # show only that it exists
    status: str
    current: bool
    start_date: date | None
    end_date: date | None
    last_contact_date: date | None
    team: str
    organisation: str
    # The lead professional, or None with withheld_reason saying why (a sensitive
    # service, a shielded person, no lead recorded).
    lead_professional: Contact | None
    withheld_reason: str
    duty_phone: str  # the team's duty line (falls back to the source's)
    sensitive: bool
    # Shown only as "involvement exists, contact the service's duty line": status, team,
    # dates, details and offences are empty (several such involvements with one service
    # and source are shown once).
    summary_only: bool
    offences: tuple[PoliceOffence, ...]  # at most as many as the rules allow
    details: tuple[Detail, ...]
    source: SourceInfo
    # Who to call first: current, or with a service whose ended involvements matter for a
    # while (recently_ended_months) and ended within that window, or of unknown status
    # with no end date passed, or shown only as existing (then when it was is withheld,
    # and leaving it out would say it was long ago). The family page's first screen.
    recent: bool
    # A safeguarding-relevant service: one the rules keep in view after it ends.
    safeguarding: bool

    @property
    def status_words(self) -> str:
        """The status as a worker reads it: 'current', 'ended', 'status not recorded'."""
        return STATUS_WORDS.get(self.status, "")

    @property
    def withheld_briefly(self) -> str:
        """Why there is no lead professional to call, in a few words ('' when there is)."""
        return WITHHELD_BRIEFLY.get(self.withheld_reason, self.withheld_reason)


STATUS_WORDS = {"current": "current", "historic": "ended", "not_recorded": "status not recorded"}
WITHHELD_BRIEFLY = {
    WITHHELD_SENSITIVE: "sensitive service: duty line",
    WITHHELD_SHIELDED: "withheld to protect this person: duty line",
    WITHHELD_NONE_RECORDED: "no lead professional recorded: duty line",
}


# ---- the rules ---------------------------------------------------------------------------

RoleName = Literal[tuple(sorted(ROLES))]  # type: ignore[valid-type]
Age = Annotated[int, Field(ge=0, le=130)]


def _a_service_category(code: str) -> str:
    known = {category.code for category in read_categories()}
    if code not in known:
        raise ValueError(f"it should be a service category: {', '.join(sorted(known))}")
    return code


def _a_version(version: str) -> str:
    if "+" in version:
        raise ValueError("it may not contain '+', which joins the versions applied")
    return version


CategoryCode = Annotated[str, AfterValidator(_a_service_category)]
Version = Annotated[Text, AfterValidator(_a_version)]


class CategoryRule(SettingsModel):
    """What the rules say about one service category."""

    show: bool = True
    min_age: Age | None = None
    max_age: Age | None = None
    details: dict[str, Text] = {}
    offence_types: Annotated[frozenset[str], FROM_ARRAY] | None = None
    max_offences: Annotated[int, Field(ge=0)] | None = None
    sensitive_default: Level | None = None
    sensitive_roles: dict[RoleName, Level] = {}
    # An ended involvement stays among who to call first (the family page's first
    # screen) this many months after it ended; 0: only while current.
    recently_ended_months: Annotated[int, Field(ge=0, le=1200)] = 0

    @field_validator("offence_types")
    @classmethod
    def _as_compared(cls, kinds: frozenset[str] | None) -> frozenset[str] | None:
        # Compared with what sources send, however they space or case it.
        return None if kinds is None else frozenset(k.strip().casefold() for k in kinds)

    @model_validator(mode="after")
    def _ages_in_order(self) -> CategoryRule:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError(f"min_age ({self.min_age}) is more than its max_age ({self.max_age})")
        return self


class Sensitivity(SettingsModel):
    """How much of a sensitive service each role sees, unless a category says otherwise."""

    default: Level = EXISTS
    roles: dict[RoleName, Level] = {}


@dataclass(frozen=True)
class AgeBounds:
    """How old a person may be: the youngest and oldest their recorded date of birth
    allows (the same when it is a full date); None when no year is recorded."""

    youngest: int | None
    oldest: int | None

    @classmethod
    def from_birth(
        cls, year: int | None, month: int | None, day: int | None, today: date
    ) -> AgeBounds:
        if not year:
            return cls(None, None)
        if month and day:
            try:
                born = date(year, month, day)
            except ValueError:
                born = None
            if born:
                age = _whole_years(born, today)
                return cls(age, age)
        if month:
            earliest = date(year, month, 1)
            latest = (date(year + (month == 12), month % 12 + 1, 1)).toordinal() - 1
            return cls(_whole_years(date.fromordinal(latest), today), _whole_years(earliest, today))
        return cls(_whole_years(date(year, 12, 31), today), _whole_years(date(year, 1, 1), today))


def _whole_years(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _months_before(today: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day where it has fewer)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, monthrange(year, month + 1)[1]))


class DisplayRules(SettingsModel):
    """The display rules of one authority, as configured."""

    version: Version
    unknown_age_shows_age_limited: bool = False
    sensitive: Sensitivity = Sensitivity()
    categories: dict[CategoryCode, CategoryRule] = Field({}, alias="category")

    def category(self, code: str) -> CategoryRule:
        return self.categories.get(code) or CategoryRule()

    def shows(self, code: str, ages: AgeBounds) -> bool:
        """Whether a service is shown for a person of these possible ages: only when
        every age they might be is within the limits."""
        rule = self.category(code)
        if not rule.show:
            return False
        if rule.min_age is None and rule.max_age is None:
            return True
        if ages.youngest is None or ages.oldest is None:
            return self.unknown_age_shows_age_limited
        if rule.min_age is not None and ages.youngest < rule.min_age:
            return False
        return rule.max_age is None or ages.oldest <= rule.max_age

    def ended_recently(self, code: str, ended: date, today: date) -> bool:
        """Whether an involvement that ended on `ended` is still among who to call first
        on `today`: within its service's recently_ended_months."""
        months = self.category(code).recently_ended_months
        return months > 0 and ended >= _months_before(today, months)

    def sensitive_level(self, code: str, role: str) -> str:
        """How much of a sensitive service this role sees: exists, dates or full."""
        rule = self.category(code)
        if role in rule.sensitive_roles:
            return rule.sensitive_roles[role]
        if role in self.sensitive.roles:
            return self.sensitive.roles[role]
        return rule.sensitive_default or self.sensitive.default


class DisplayRulesFile(DisplayRules):
    """The display rules file: every authority's defaults, and in `[authorities.<code>]`
    what one authority changes, with its own version."""

    authorities: dict[Text, DisplayRules] = {}

    @model_validator(mode="before")
    @classmethod
    def _authorities_over_the_defaults(cls, data: Any) -> Any:
        # An authority's table holds only its changes: its rules are the defaults with
        # them merged over, all but the version, which it must give.
        if isinstance(data, dict) and isinstance(data.get("authorities"), dict):
            defaults = {k: v for k, v in data.items() if k not in ("authorities", "version")}
            data = {
                **data,
                "authorities": {
                    code: merged(defaults, changes) if isinstance(changes, dict) else changes
                    for code, changes in data["authorities"].items()
                },
            }
        return data


def rules_for(authority_code: str) -> DisplayRules:
    """The display rules an authority applies: the built-in file, the council's over it
    (FAMILYVIEW_DISPLAY_RULES), then the authority's own changes, with the version of
    each joined by '+' ("default-2", "default-2+surrey-4+stockport-2"): the version
    recorded with a family view says exactly which rules it applied."""
    rules: DisplayRules = load_settings(DisplayRulesFile, RULES_FILE, ENVIRONMENT_VARIABLE)
    versions = [rules.version]
    if council_file(ENVIRONMENT_VARIABLE):
        versions.insert(0, read_file(DisplayRulesFile, RULES_FILE).version)
    own = rules.authorities.get(authority_code)
    if own is not None:
        versions.append(own.version)
        rules = own
    if len(versions) == 1:
        return rules
    return rules.model_copy(update={"version": "+".join(versions)})


# ---- applying them -----------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceName:
    """A service category as configured: its name and whether it is sensitive."""

    name: str
    sensitive: bool


def shown_involvements(
    rules: DisplayRules,
    involvements: Iterable[Any],
    *,
    ages: AgeBounds,
    shielded: bool,
    role: str,
    services: Mapping[str, ServiceName],
    sources: Mapping[int, SourceInfo],
    today: date,
) -> tuple[ServiceInvolvement, ...]:
    """One person's involvements as the rules let `role` see them on `today`: current
    first, then the most recent; sensitive services summarised after the rest.

    `involvements` are Involvement rows (or anything with their fields) of one person;
    `sources` maps each involvement's source_id to its SourceInfo.
    """
    shown: list[tuple[tuple, ServiceInvolvement]] = []
    summaries: dict[tuple[str, int], ServiceInvolvement] = {}
    visible = [
        inv
        for inv in sorted(involvements, key=_recency, reverse=True)
        if rules.shows(inv.service_category, ages)
    ]
    kept_offences = _kept_offences(rules, visible)
    for inv in visible:
        code = inv.service_category
        # A category nobody configured is treated as sensitive: better to say too little.
        service = services.get(code) or ServiceName(code.replace("_", " ").capitalize(), True)
        source = sources[inv.source_id]
        duty = inv.duty_phone or source.duty_phone
        level = rules.sensitive_level(code, role) if service.sensitive else FULL
        rule = rules.category(code)
        offences: tuple[PoliceOffence, ...] = ()
        if rule.offence_types is not None:
            offences = kept_offences.get(inv.pk, ())
            if not offences:
                continue  # nothing the rules allow (or not among the most recent): not shown
        if level == EXISTS:
            key = (code, inv.source_id)
            if key not in summaries:
                summaries[key] = ServiceInvolvement(
                    involvement_id=inv.pk,
                    service_category=code,
                    service_name=service.name,
                    status="",
                    current=False,
                    start_date=None,
                    end_date=None,
                    last_contact_date=None,
                    team="",
                    organisation=source.organisation,
                    lead_professional=None,
                    withheld_reason=WITHHELD_SENSITIVE,
                    duty_phone=duty,
                    sensitive=True,
                    summary_only=True,
                    offences=(),
                    details=(),
                    source=source,
                    recent=True,
                    safeguarding=rule.recently_ended_months > 0,
                )
            continue
        lead, withheld = _lead(inv, shielded, level)
        current = inv.status == "current"
        item = ServiceInvolvement(
            involvement_id=inv.pk,
            service_category=code,
            service_name=service.name,
            status=inv.status,
            current=current,
            start_date=inv.start_date,
            end_date=inv.end_date,
            last_contact_date=inv.last_contact_date,
            team=inv.team,
            organisation=inv.organisation or source.organisation,
            lead_professional=lead,
            withheld_reason=withheld,
            duty_phone=duty,
            sensitive=service.sensitive,
            summary_only=False,
            offences=offences if level == FULL else (),
            details=_details(inv.details, rule.details) if level == FULL else (),
            source=source,
            recent=current or _ended_recently(rules, inv, today),
            safeguarding=rule.recently_ended_months > 0,
        )
        shown.append(((current, _recency(inv)), item))
    shown.sort(key=lambda pair: pair[0], reverse=True)
    return tuple(item for _key, item in shown) + tuple(summaries.values())


def _kept_offences(rules: DisplayRules, involvements: list) -> dict[int, tuple]:
    """For categories that list offences: each involvement's offences the rules allow,
    keeping only the person's most recent `max_offences` across all their involvements
    with that service."""
    found: dict[str, list[tuple[date, int, int, PoliceOffence]]] = {}
    for inv in involvements:
        rule = rules.category(inv.service_category)
        if rule.offence_types is None:
            continue
        for i, offence in enumerate(_offences(inv.details, rule.offence_types)):
            found.setdefault(inv.service_category, []).append(
                (offence.date or date.min, inv.pk, -i, offence)
            )
    kept: dict[int, list[PoliceOffence]] = {}
    for code, offences in found.items():
        offences.sort(key=lambda o: o[:3], reverse=True)
        limit = rules.category(code).max_offences
        for _d, pk, _i, offence in offences if limit is None else offences[:limit]:
            kept.setdefault(pk, []).append(offence)
    return {pk: tuple(o) for pk, o in kept.items()}


def _ended_recently(rules: DisplayRules, inv: Any, today: date) -> bool:
    """Whether an involvement not recorded as current is still among who to call first."""
    if inv.status == "not_recorded" and (inv.end_date is None or inv.end_date >= today):
        return True  # the source did not say it ended: it may be current
    # No end date: the latest date the source gave is when it was last known going on.
    ended = inv.end_date or _recency(inv)
    return ended != date.min and rules.ended_recently(inv.service_category, ended, today)


def _recency(inv: Any) -> date:
    dates = [d for d in (inv.last_contact_date, inv.end_date, inv.start_date) if d]
    return max(dates) if dates else date.min


def _lead(inv: Any, shielded: bool, level: str) -> tuple[Contact | None, str]:
    if shielded:
        # A lead professional's name, phone or email could lead someone to where a
        # shielded person lives or is seen.
        return None, WITHHELD_SHIELDED
    if level != FULL:
        return None, WITHHELD_SENSITIVE
    if not (inv.lead_name or inv.lead_phone or inv.lead_email):
        return None, WITHHELD_NONE_RECORDED
    return Contact(inv.lead_name, inv.lead_role, inv.lead_phone, inv.lead_email), ""


def _offences(details: Any, allowed: frozenset[str]) -> tuple[PoliceOffence, ...]:
    """The offences a source listed that the rules allow, the most recent first."""
    if not isinstance(details, dict) or not isinstance(details.get("offences"), list):
        return ()
    found = []
    for raw in details["offences"]:
        if not isinstance(raw, dict):
            continue
        kind = str(raw.get("type") or "").strip()
        if kind.casefold() not in allowed:
            continue
        found.append(
            PoliceOffence(
                date=_date(raw.get("date")),
                offence_type=kind,
                nature=str(raw.get("involvement") or raw.get("nature") or "").strip(),
            )
        )
    found.sort(key=lambda o: o.date or date.min, reverse=True)
    return tuple(found)


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _details(details: Any, labels: Mapping[str, str]) -> tuple[Detail, ...]:
    if not isinstance(details, dict) or not labels:
        return ()
    out = []
    for key, label in labels.items():
        value = details.get(key)
        if isinstance(value, bool):
            out.append(Detail(label, "Yes" if value else "No"))
        elif isinstance(value, int | float):
            out.append(Detail(label, str(value)))
        elif isinstance(value, str) and value.strip():
            out.append(Detail(label, value.strip()))
    return tuple(out)
