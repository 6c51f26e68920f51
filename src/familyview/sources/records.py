"""The canonical record kinds (people, involvements, relationships) and their row rules.

Each kind lists its columns in the canonical extract format with the rule for each, and
turns a valid row into the tuple the loader writes. docs/extract-format.md is the
human-readable twin of this module: change both together.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from familyview.sources import validation as v
from familyview.sources.columns import (
    INVOLVEMENT_COLUMNS as INVOLVEMENT_COLUMNS,
)
from familyview.sources.columns import (
    PEOPLE_COLUMNS as PEOPLE_COLUMNS,
)
from familyview.sources.columns import (
    RELATIONSHIP_COLUMNS as RELATIONSHIP_COLUMNS,
)
from familyview.sources.mapping import Mapping, mapped


@dataclass(frozen=True)
class Column:
    name: str
    rule: v.Rule
    required: bool = False
    # A column that makes the row a record (its identifier, whose it is, what it is): a
    # bad value quarantines the whole row. Any other bad value is held back on its own
    # and the rest of the row loads (with `fallback` in its place, if any).
    essential: bool = False
    fallback: object = None


@dataclass(frozen=True)
class HeldField:
    """A value held back from a row that loads without it."""

    field: str
    reason: str
    value: str


class RowProblem(ValueError):
    """A row broke one or more rules: (field, reason) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{f} {r}" for f, r in problems))
        self.problems = problems


@dataclass(frozen=True)
class RecordKind:
    """One kind of canonical record and how a row of it becomes a database row."""

    name: str
    key_columns: tuple[str, ...]
    columns: tuple[Column, ...]
    db_columns: tuple[str, ...]
    to_db: Callable[[dict], tuple]
    cross_checks: Callable[[dict], list[tuple[str, str]]]

    @property
    def column_names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns)


def row_hash(values: tuple) -> str:
    """A digest of a row's loaded values: a changed row has a changed hash."""
    return hashlib.md5(  # noqa: S324 (change detection, not security)
        "\x1f".join(map(str, values)).encode()
    ).hexdigest()


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _people_to_db(r: dict) -> tuple:
    year, month, day = r.get("date_of_birth") or (None, None, None)
    return (
        r["source_id"],
        r.get("given_name", ""),
        r.get("middle_names", ""),
        r.get("family_name", ""),
        r.get("previous_names", ""),
        year,
        month,
        day,
        r.get("sex", ""),
        r.get("nhs_number", ""),
        r.get("upn", ""),
        r.get("address_line1", ""),
        r.get("address_line2", ""),
        r.get("town", ""),
        r.get("postcode", ""),
        r.get("uprn", ""),
        _iso(r.get("address_from")),
        _iso(r.get("date_of_death")),
        bool(r.get("restricted", False)),
    )


def _people_checks(r: dict) -> list[tuple[str, str]]:
    dob, dod = r.get("date_of_birth"), r.get("date_of_death")
    if dob and dod and (dod.year, dod.month, dod.day) < (dob[0], dob[1] or 1, dob[2] or 1):
        return [("date_of_death", "is before the date of birth")]
    return []


def _involvements_to_db(r: dict) -> tuple:
    return (
        r["involvement_id"],
        r["person_source_id"],
        r["service_category"],
        r["status"],
        r.get("team", ""),
        r.get("organisation", ""),
        _iso(r.get("start_date")),
        _iso(r.get("end_date")),
        _iso(r.get("last_contact_date")),
        r.get("lead_name", ""),
        r.get("lead_role", ""),
        r.get("lead_phone", ""),
        r.get("lead_email", ""),
        r.get("duty_phone", ""),
        r.get("details"),
    )


def _date_order(r: dict, start: str, end: str) -> list[tuple[str, str]]:
    s, e = r.get(start), r.get(end)
    if s and e and e < s:
        return [(end, f"{e.isoformat()} is before the {start.replace('_', ' ')}")]
    return []


def _relationships_to_db(r: dict) -> tuple:
    return (
        r["person_source_id"],
        r["related_source_id"],
        r["relationship_type"],
        _iso(r.get("start_date")),
        _iso(r.get("end_date")),
    )


def _relationship_checks(r: dict) -> list[tuple[str, str]]:
    problems = _date_order(r, "start_date", "end_date")
    if r["person_source_id"] == r["related_source_id"]:
        problems.append(("related_source_id", "is the same person as person_source_id"))
    return problems


def record_kinds(
    mapping: Mapping, today: date, categories: frozenset[str]
) -> dict[str, RecordKind]:
    """The record kinds with rules set for one source's mapping (its date formats)."""
    dates = v.DateParser(mapping.date_formats)
    a_date = dates.date_rule()
    people = RecordKind(
        name="people",
        key_columns=("source_id",),
        columns=(
            Column("source_id", v.required_text(64), required=True, essential=True),
            Column("given_name", v.text(100)),
            Column("middle_names", v.text(200)),
            Column("family_name", v.text(100)),
            Column("previous_names", v.text(500)),
            Column("date_of_birth", dates.birth_date_rule(today)),
            Column("sex", v.sex),
            Column("nhs_number", v.nhs_number),
            Column("upn", v.upn),
            Column("address_line1", v.text(200)),
            Column("address_line2", v.text(200)),
            Column("town", v.text(200)),
            Column("postcode", v.postcode),
            Column("uprn", v.uprn),
            Column("address_from", a_date),
            Column("date_of_death", a_date),
            Column("restricted", v.flag),
        ),
        db_columns=(
            "source_record_id",
            "given_name",
            "middle_names",
            "family_name",
            "previous_names",
            "birth_year",
            "birth_month",
            "birth_day",
            "sex",
            "nhs_number",
            "upn",
            "address_line1",
            "address_line2",
            "town",
            "postcode",
            "uprn",
            "address_from",
            "date_of_death",
            "restricted",
        ),
        to_db=_people_to_db,
        cross_checks=_people_checks,
    )
    involvements = RecordKind(
        name="involvements",
        key_columns=("involvement_id",),
        columns=(
            Column("involvement_id", v.required_text(64), required=True, essential=True),
            Column("person_source_id", v.required_text(64), required=True, essential=True),
            Column(
                "service_category",
                v.choice(categories, "service category"),
                required=True,
                essential=True,
            ),
            Column("status", v.status, required=True, fallback="not_recorded"),
            Column("team", v.text(200)),
            Column("organisation", v.text(200)),
            Column("start_date", a_date),
            Column("end_date", a_date),
            Column("last_contact_date", a_date),
            Column("lead_name", v.text(200)),
            Column("lead_role", v.text(200)),
            Column("lead_phone", v.phone),
            Column("lead_email", v.email),
            Column("duty_phone", v.phone),
            Column("details", v.details),
        ),
        db_columns=(
            "source_involvement_id",
            "person_source_id",
            "service_category",
            "status",
            "team",
            "organisation",
            "start_date",
            "end_date",
            "last_contact_date",
            "lead_name",
            "lead_role",
            "lead_phone",
            "lead_email",
            "duty_phone",
            "details",
        ),
        to_db=_involvements_to_db,
        cross_checks=lambda r: _date_order(r, "start_date", "end_date"),
    )
    relationships = RecordKind(
        name="relationships",
        key_columns=("person_source_id", "related_source_id", "relationship_type"),
        columns=(
            Column("person_source_id", v.required_text(64), required=True, essential=True),
            Column("related_source_id", v.required_text(64), required=True, essential=True),
            Column("relationship_type", v.relationship_type, required=True, essential=True),
            Column("start_date", a_date),
            Column("end_date", a_date),
        ),
        db_columns=(
            "person_source_id",
            "related_source_id",
            "relationship_type",
            "start_date",
            "end_date",
        ),
        to_db=_relationships_to_db,
        cross_checks=_relationship_checks,
    )
    return {k.name: k for k in (people, involvements, relationships)}


def row_checker(
    kind: RecordKind, value_maps: dict[str, dict[str, str]], index: dict[str, int]
) -> Callable[[list], tuple[dict, list[HeldField] | None]]:
    """A function applying every rule of a kind to one row: the clean values and the
    values held back (None when none), or RowProblem when the row cannot be a record.

    `index` says where each canonical column sits in a row's list of values. Built once
    per file so that the per-row loop does no set-up work.
    """
    plan = tuple(
        (c.name, index[c.name], c.rule, c.required, value_maps.get(c.name), c.name == "details")
        for c in kind.columns
        if c.name in index
    )
    essential = frozenset(c.name for c in kind.columns if c.essential)
    fallback = {c.name: c.fallback for c in kind.columns if c.fallback is not None}
    absent_required = [
        (c.name, "is required") for c in kind.columns if c.required and c.name not in index
    ]
    absent_fatal = [p for p in absent_required if p[0] in essential]
    cross_checks = kind.cross_checks

    def check(values: list) -> tuple[dict, list[HeldField] | None]:
        clean: dict = {}
        problems: list[tuple[str, str, object]] = [(f, r, "") for f, r in absent_required]
        for name, i, rule, required, value_map, may_be_object in plan:
            raw = values[i]
            if raw.__class__ is str:
                if not raw or raw.isspace():
                    if required:
                        problems.append((name, "is required", raw))
                    continue
                raw = mapped(value_map, raw)
            elif not may_be_object:
                problems.append((name, "must be text, not a JSON object or list", raw))
                continue
            try:
                clean[name] = rule(raw)
            except v.FieldError as e:
                problems.append((name, str(e), raw))
        if problems and (absent_fatal or any(p[0] in essential for p in problems)):
            raise RowProblem([(f, r) for f, r, _ in problems])
        held = None
        if problems:
            held = [HeldField(f, f"{f} {r}", _as_text(raw)) for f, r, raw in problems]
            for f, _, _ in problems:
                if f in fallback:
                    clean[f] = fallback[f]
        for f, r in cross_checks(clean):
            if f in essential:
                raise RowProblem([(f, r)])
            held = held or []
            held.append(HeldField(f, f"{f} {r}", _as_text(clean.pop(f, ""))))
        return clean, held

    return check


def _as_text(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)
