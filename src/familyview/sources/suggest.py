"""A draft mapping for a new source's files, for an analyst to review.

`suggest_mapping` reads each file's header and a sample of its rows and decides which of
its columns is which canonical column, from the column's name and from what it holds
(dates and their format, NHS numbers that pass the check digit, postcodes, phone numbers,
email addresses, sex, status and relationship words). `Draft.toml()` is a mapping file the
loader accepts as it stands, with a comment beside every line saying why.

What it cannot decide (two columns that both look like a date of birth, no column that
identifies a record, a value it cannot place) it says, one line each, in the draft and in
`Draft.undecided`. A column it could not place is listed under `ignore_columns`, so that
the draft still imports while the analyst decides. Values from the file are never written
into the draft, except the codes its value maps translate (`M`, `Open`, `Mum`).
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from familyview.sources import validation as v
from familyview.sources.ingest import KIND_FILES, split_postcode
from familyview.sources.mapping import value_key
from familyview.sources.readers import ExtractRejected, read_rows

SAMPLE_ROWS = 500
# The share of a column's sampled values that must fit a kind of content for the column to
# be taken for it.
FITS = 0.9


def _names(*names: str) -> tuple[str, ...]:
    return tuple(_norm(n) for n in names)


def _norm(header: str) -> str:
    """A column name as it is compared: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", header.casefold())


# Column names sources use for each canonical column, by the kind of file. Compared
# without case, spaces or punctuation ("Date of Birth" = "DATE_OF_BIRTH" = "dateofbirth").
PERSON_ID = _names(
    "source_id", "person id", "person ref", "person reference", "client id", "client ref",
    "client reference", "child id", "cms id", "record id", "unique id", "system id",
    "subject id", "individual id", "person no", "client no", "mosaic id", "lcs id",
)  # fmt: skip
PEOPLE = {
    "source_id": (*PERSON_ID, *_names("id", "reference", "ref")),
    "given_name": _names(
        "given name", "given names", "first name", "first names", "forename", "forenames",
        "christian name", "fname",
    ),
    "middle_names": _names("middle name", "middle names", "other forenames", "second name"),
    "family_name": _names("family name", "surname", "last name", "lname"),
    "previous_names": _names(
        "previous names", "previous name", "aliases", "alias", "aka", "former names",
        "former name", "other names", "maiden name", "birth surname", "previous surname",
    ),
    "date_of_birth": _names("date of birth", "dob", "birth date", "birthdate", "born"),
    "sex": _names("sex", "gender", "legal sex", "sex at birth"),
    "nhs_number": _names("nhs number", "nhs no", "nhs", "nhs num"),
    "upn": _names("upn", "unique pupil number", "pupil number"),
    "address_line1": _names(
        "address line 1", "address 1", "addr 1", "line 1", "address", "street",
        "street address", "first line",
    ),
    "address_line2": _names("address line 2", "address 2", "addr 2", "line 2", "locality"),
    "town": _names("town", "city", "post town", "town city", "town or city"),
    "postcode": _names("postcode", "post code", "postal code", "zip", "zip code"),
    "uprn": _names("uprn"),
    "address_from": _names(
        "address from", "address start date", "address start", "moved in", "date moved in",
    ),
    "date_of_death": _names("date of death", "dod", "death date", "died"),
    "restricted": _names(
        "restricted", "restricted record", "restricted access", "shielded", "sealed",
        "confidential address", "address confidential",
    ),
}  # fmt: skip
STATUS_NAMES = _names(
    "status", "service involvement", "involvement status", "case status", "episode status",
    "open closed", "open or closed",
)  # fmt: skip
LEAD_NAMES = _names(
    "lead name", "lead professional", "contact name", "worker", "worker name", "key worker",
    "allocated worker", "social worker", "case worker", "practitioner",
)  # fmt: skip
# A phone number beside a named lead professional is theirs; without one, the team's line.
PHONE_NAMES = _names(
    "lead phone", "contact phone", "worker phone", "phone", "telephone", "tel",
    "phone number", "mobile", "contact number", "contact telephone", "worker telephone",
)  # fmt: skip
INVOLVEMENT_DATES = {
    "start_date": _names(
        "start date", "start", "opened", "open date", "date opened", "referral date",
        "start date of last involvement", "involvement start", "episode start",
    ),
    "end_date": _names(
        "end date", "end", "closed", "close date", "date closed", "closure date",
        "involvement end", "episode end",
    ),
    "last_contact_date": _names(
        "last contact date", "last contact", "date of most recent interaction", "last seen",
        "date last seen", "most recent contact", "last visit",
    ),
}  # fmt: skip
INVOLVEMENT_CONTACTS = {
    "organisation": _names(
        "organisation", "organization", "org", "agency", "provider",
        "local authority organisation", "local authority",
    ),
    "lead_name": LEAD_NAMES,
    "lead_role": _names("lead role", "contact role", "role", "worker role", "job title"),
    "lead_phone": PHONE_NAMES,
    "lead_email": _names(
        "lead email", "contact email", "worker email", "email", "email address",
        "contact email address",
    ),
    "duty_phone": _names("duty phone", "duty line", "duty number", "team phone"),
}  # fmt: skip
INVOLVEMENTS = {
    "involvement_id": _names(
        "involvement id", "episode id", "episode ref", "episode reference", "referral id",
        "referral ref", "case id", "case ref", "case reference", "service id", "work id",
        "involvement ref", "id", "reference", "ref",
    ),
    "person_source_id": (*_names("person source id"), *PERSON_ID),
    "service_category": _names(
        "service category", "service", "category", "service type", "service area",
    ),
    "status": STATUS_NAMES,
    "team": _names("team", "team name", "unit", "allocated team", "worker team"),
    **INVOLVEMENT_DATES,
    **INVOLVEMENT_CONTACTS,
    "details": _names("details"),
}  # fmt: skip
INVOLVEMENTS["organisation"] += _names("school", "school name")
RELATIONSHIPS = {
    "person_source_id": (*_names("person source id", "person", "from id"), *PERSON_ID),
    "related_source_id": _names(
        "related source id", "related id", "related person id", "related person",
        "relative id", "related to", "to id", "member id", "other person id",
        "related person ref", "related client id", "related ref",
    ),
    "relationship_type": _names(
        "relationship type", "relationship", "relation", "relationship to person",
        "relationship to child", "rel type",
    ),
    "start_date": _names("start date", "start", "from", "date from"),
    "end_date": _names("end date", "end", "to", "date to"),
}  # fmt: skip
# The Family Context layout: one row per person and involvement, the extract's date and
# coverage in columns of their own.
ROW = {
    "source_id": PEOPLE["source_id"],
    "given_name": PEOPLE["given_name"],
    "family_name": PEOPLE["family_name"],
    "date_of_birth": PEOPLE["date_of_birth"],
    "sex": PEOPLE["sex"],
    "address": _names("address", "full address", "home address"),
    "status": STATUS_NAMES,
    **INVOLVEMENT_DATES,
    **INVOLVEMENT_CONTACTS,
    "school_name": _names("school name", "school", "establishment", "school attended"),
    "admission_type": _names("admission type", "enrolment type", "attendance type"),
    "extracted_at": _names(
        "date current as of", "current as of", "as of", "as at", "date as at", "extract date",
        "extracted date", "extracted at", "extracted", "snapshot date", "report date",
        "data current as of", "run date", "extract run date",
    ),
    "coverage_start": _names("coverage start date", "coverage start", "coverage from"),
    "coverage_end": _names("coverage end date", "coverage end", "coverage to"),
    "coverage_area": _names("coverage geographic area", "coverage area", "geographic area"),
}  # fmt: skip
HEADER_NAMES = {
    "people": PEOPLE,
    "involvements": INVOLVEMENTS,
    "relationships": RELATIONSHIPS,
    "row": ROW,
}

DATE_COLUMNS = frozenset(
    {
        "date_of_birth", "address_from", "date_of_death", "start_date", "end_date",
        "last_contact_date", "extracted_at", "coverage_start", "coverage_end",
    }
)  # fmt: skip
# What a canonical column holds, as `_content` names it.
CONTENT_OF = {
    **dict.fromkeys(DATE_COLUMNS, "date"),
    "nhs_number": "nhs_number",
    "postcode": "postcode",
    "lead_phone": "phone",
    "duty_phone": "phone",
    "lead_email": "email",
    "sex": "sex",
    "status": "status",
    "relationship_type": "relationship",
    "upn": "upn",
    "restricted": "flag",
    "address": "address",
}
# Contents that say plainly what a column is, whatever its name.
STRONG_CONTENT = frozenset({"date", "nhs_number", "postcode", "email", "phone", "upn"})
# The column a kind of content goes to when its name says nothing, by kind of file.
BY_CONTENT = {
    "people": {
        "nhs_number": "nhs_number",
        "postcode": "postcode",
        "sex": "sex",
        "upn": "upn",
    },
    "involvements": {"email": "lead_email", "phone": "lead_phone", "status": "status"},
    "relationships": {"relationship": "relationship_type"},
    "row": {
        "email": "lead_email",
        "phone": "lead_phone",
        "status": "status",
        "sex": "sex",
        "address": "address",
    },
}

# Date formats tried, most usual first: UK day-first before US month-first.
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %B %Y",
    "%Y%m%d",
)
# A time after a date, as databases and spreadsheets write it.
TRAILING_TIME = re.compile(r"^(.*?)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")

SEX_WORDS = {
    "m": "male", "male": "male", "man": "male", "boy": "male",
    "f": "female", "female": "female", "woman": "female", "girl": "female",
    "u": "unknown", "unknown": "unknown", "not known": "unknown", "nk": "unknown",
    "not stated": "unknown", "ns": "unknown", "not recorded": "unknown",
    "prefer not to say": "unknown", "unborn": "unknown",
    "o": "other", "other": "other", "x": "other", "i": "other", "indeterminate": "other",
    "non binary": "other", "nonbinary": "other",
}  # fmt: skip
STATUS_WORDS = {
    "current": "current", "open": "current", "active": "current", "live": "current",
    "ongoing": "current", "allocated": "current", "in progress": "current", "opened": "current",
    "historic": "historic", "historical": "historic", "closed": "historic", "ended": "historic",
    "inactive": "historic", "ceased": "historic", "finished": "historic", "past": "historic",
    "complete": "historic", "completed": "historic", "previous": "historic",
    **{w: "not_recorded" for w in v.NOT_RECORDED_WORDS},
}  # fmt: skip
RELATIONSHIP_WORDS = {
    **{t.replace("_", " "): t for t in v.RELATIONSHIP_TYPES},
    "mum": "mother", "mom": "mother", "mam": "mother", "birth mother": "mother",
    "natural mother": "mother", "biological mother": "mother",
    "dad": "father", "birth father": "father", "natural father": "father",
    "biological father": "father",
    "step mother": "step_parent", "stepmother": "step_parent", "step father": "step_parent",
    "stepfather": "step_parent", "stepparent": "step_parent",
    "foster carer": "carer", "kinship carer": "carer", "connected carer": "carer",
    "special guardian": "guardian", "legal guardian": "guardian",
    "son": "child", "daughter": "child", "stepson": "child", "stepdaughter": "child",
    "brother": "sibling", "sister": "sibling", "full sibling": "sibling",
    "half brother": "half_sibling", "half sister": "half_sibling", "halfsibling": "half_sibling",
    "step brother": "step_sibling", "step sister": "step_sibling",
    "stepbrother": "step_sibling", "stepsister": "step_sibling",
    "husband": "partner", "wife": "partner", "spouse": "partner", "civil partner": "partner",
    "boyfriend": "partner", "girlfriend": "partner", "cohabitee": "partner",
    "ex partner": "ex_partner", "former partner": "ex_partner", "ex husband": "ex_partner",
    "ex wife": "ex_partner", "ex boyfriend": "ex_partner", "ex girlfriend": "ex_partner",
    "grandmother": "grandparent", "grandfather": "grandparent", "grandma": "grandparent",
    "grandad": "grandparent", "granddad": "grandparent", "nan": "grandparent",
    "nana": "grandparent", "gran": "grandparent",
    "aunt": "other_relative", "auntie": "other_relative", "uncle": "other_relative",
    "cousin": "other_relative", "niece": "other_relative", "nephew": "other_relative",
    "grandson": "other_relative", "granddaughter": "other_relative",
    "relative": "other_relative",
    "lodger": "household_member", "household": "household_member",
    "resident": "household_member", "other household member": "household_member",
}  # fmt: skip
# Value maps the draft proposes, by canonical column: the words it knows, and whether the
# column's rule takes a value as it is (then no entry is needed).
VOCABULARIES = {
    "sex": (SEX_WORDS, lambda value: value.strip().lower() in v.SEXES),
    "status": (STATUS_WORDS, lambda value: _accepted(v.status, value)),
    "relationship_type": (
        RELATIONSHIP_WORDS,
        lambda value: value.strip().lower() in v.RELATIONSHIP_TYPES,
    ),
}


def _accepted(rule: v.Rule, value: str) -> bool:
    try:
        rule(value)
    except v.FieldError:
        return False
    return True


def _word(value: str) -> str:
    """A value as the vocabularies above hold it: lower case, '-' and '_' as spaces."""
    return " ".join(value.casefold().replace("-", " ").replace("_", " ").split())


@dataclass
class Column:
    """One column of a file: its name, a sample of its values, what they look like."""

    name: str
    values: list[str]
    # The kind of content most of its values fit ('date', 'nhs_number', ...), if any.
    content: str | None = None
    why_content: str = ""
    date_formats: tuple[str, ...] = ()
    unique: bool = False


@dataclass
class Choice:
    canonical: str
    score: int
    why: str


@dataclass
class FileDraft:
    """What the draft says of one file."""

    path: Path
    kind: str  # 'people', 'involvements', 'relationships', or 'row' (Family Context layout)
    rows_read: int
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)  # canonical -> (col, why)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    ignored: dict[str, str] = field(default_factory=dict)  # column -> why
    date_formats: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """A draft mapping for one source's files, and what it could not decide."""

    name: str
    layout: str
    files: list[FileDraft]
    undecided: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written_on: date = field(default_factory=date.today)

    @property
    def date_formats(self) -> list[str]:
        counts: Counter[str] = Counter()
        for f in self.files:
            counts.update(f.date_formats)
        return sorted(counts, key=lambda f: (-counts[f], DATE_FORMATS.index(f)))

    def toml(self) -> str:
        """The draft as a mapping file, with a comment beside each line saying why."""
        files = ", ".join(f.path.name for f in self.files)
        rows = ", ".join(f"{f.rows_read} of {f.path.name}" for f in self.files)
        out = [
            f"# Draft mapping for {files}",
            f"# written by `familyview mapping suggest` on {self.written_on.isoformat()} from",
            f"# the header and the first rows ({rows}). Review every line before use.",
            "# Reference: docs/extract-format.md, 'Mappings: a source's own column names'.",
        ]
        if self.undecided:
            out += ["#", "# UNDECIDED: the draft imports without these until you decide:"]
            out += [f"# - {line}" for line in self.undecided]
        if self.notes:
            out += ["#", "# Notes:"]
            out += [f"# - {line}" for line in self.notes]
        out += ["", f"name = {_q(self.name)}", f"layout = {_q(self.layout)}"]
        if self.date_formats:
            out.append(f"date_formats = [{', '.join(_q(f) for f in self.date_formats)}]")
        ignored = [(c, why) for f in self.files for c, why in f.ignored.items()]
        if ignored:
            out.append("ignore_columns = [")
            out += [f"    {_q(c)},  # {why}" for c, why in ignored]
            out.append("]")
        for f in self.files:
            out += ["", f"[{f.kind}.columns]  # {f.path.name}"]
            if not f.columns:
                out.append("# none decided")
            width = max((len(c) for c in f.columns), default=0)
            out += [
                f"{canonical.ljust(width)} = {_q(column)}  # {why}"
                for canonical, (column, why) in f.columns.items()
            ]
            for canonical, value_map in f.values.items():
                if not value_map:
                    continue
                out += ["", f"[{f.kind}.values.{canonical}]  # the source's value = canonical"]
                out += [f"{_q(sent)} = {_q(to)}" for sent, to in value_map.items()]
        return "\n".join(out) + "\n"


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def suggest_mapping(
    paths: list[Path],
    source_code: str | None = None,
    categories: dict[str, str] | None = None,
    service_category: str | None = None,
) -> Draft:
    """A draft mapping for the files of a new source's extract (files or their folder).

    `categories` (code -> name) are the configured service categories, for proposing a
    value map of a service column; `service_category` is the source's own, if registered.
    Raises ExtractRejected when a file cannot be read at all.
    """
    files = _files(paths)
    metadata = any(p.name.lower() == "extract.json" for p in files) or any(
        (p / "extract.json").is_file() for p in paths if p.is_dir()
    )
    files = [p for p in files if p.name.lower() != "extract.json"]
    read = [(path, *_sample(path)) for path in files]
    undecided: list[str] = []
    notes: list[str] = []
    single = len(read) == 1
    kinds = [_kind(path, columns, single) for path, columns, _ in read]
    for i, (path, _, _) in enumerate(read):
        if kinds[i] == "people and involvements":
            kinds[i] = "people"
            undecided.append(
                f"{path.name} holds people and their involvements in each row, as the Family "
                "Context layout does, but that layout reads one CSV file alone: save it as CSV "
                "and suggest again, or split it into people and involvements files; drafted "
                "here as people only"
            )
    layout = "family-context-cdm" if "row" in kinds else "canonical"
    if layout == "family-context-cdm" and len(read) > 1:
        raise ExtractRejected(
            "the Family Context layout is one CSV file per extract; suggest a mapping for "
            f"one file at a time, not {len(read)}"
        )
    seen: dict[str, Path] = {}
    drafts = []
    for (path, columns, rows_read), kind in zip(read, kinds, strict=True):
        if kind in seen:
            raise ExtractRejected(
                f"{seen[kind].name} and {path.name} both look like {kind}; an extract has one "
                "file of each kind: suggest a mapping for one of them at a time"
            )
        seen[kind] = path
        draft = _draft_file(path, kind, columns, rows_read, undecided, notes, categories or {})
        drafts.append(draft)
        if kind in KIND_FILES and path.stem.lower() != kind:
            notes.append(
                f"{path.name} holds {kind}: the canonical layout reads it as "
                f"{kind}{path.suffix.lower()} beside an extract.json, so rename it when importing"
            )
    if layout == "canonical" and not metadata:
        notes.append(
            "the canonical layout needs an extract.json beside the files (which source, when "
            "it was taken, full or delta): see docs/extract-format.md"
        )
    if layout == "family-context-cdm" and service_category:
        notes.append(
            f"every involvement is recorded as {service_category}, the source's service category"
        )
    who = f"source {source_code}" if source_code else "a new source"
    return Draft(
        name=f"Draft mapping for {who} ({', '.join(p.name for p in files)})",
        layout=layout,
        files=drafts,
        undecided=undecided,
        notes=notes,
    )


def _files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file() and p.suffix.lower() in {".csv", ".jsonl", ".ndjson"}
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise ExtractRejected(f"{path} does not exist")
    if not [p for p in files if p.name.lower() != "extract.json"]:
        raise ExtractRejected(f"no CSV or JSON Lines file in {', '.join(map(str, paths))}")
    return files


def _sample(path: Path) -> tuple[list[Column], int]:
    try:
        header, rows = read_rows(path)
    except OSError as e:
        raise ExtractRejected(f"{path.name} cannot be read ({e.strerror or e})") from None
    samples: list[list[str]] = [[] for _ in header]
    count = 0
    for _, values, _, _ in rows:
        if values is None:
            continue
        count += 1
        for i, value in enumerate(values):
            if isinstance(value, str) and value.strip():
                samples[i].append(value.strip())
        if count >= SAMPLE_ROWS:
            break
    if not count:
        raise ExtractRejected(f"{path.name} has a header but no rows to learn from")
    return [_column(name, values) for name, values in zip(header, samples, strict=True)], count


def _column(name: str, values: list[str]) -> Column:
    column = Column(name, values, unique=bool(values) and len(set(values)) == len(values))
    if not values:
        return column
    formats, unreal = _date_formats(values)
    if formats:
        column.content, column.date_formats = "date", formats
        shown = " or ".join(_format_words(f) for f in formats)
        column.why_content = f"its values are dates ({shown})"
        if unreal:
            column.why_content += (
                f", {_rows(unreal, 'value')} no real date (held back when imported)"
            )
        return column
    n = len(values)
    words = Counter(_word(x) for x in values)
    checks = (
        ("nhs_number", "valid NHS numbers", _is_nhs_number),
        ("postcode", "UK postcodes", v.is_uk_postcode),
        ("email", "email addresses", lambda x: v.EMAIL_RE.match(x) is not None),
        ("phone", "UK phone numbers", _is_uk_phone),
        ("upn", "Unique Pupil Numbers", lambda x: v.UPN_RE.match(x.upper()) is not None),
        ("address", "addresses ending in a postcode", lambda x: bool(split_postcode(x)[1])),
    )
    for content, what, test in checks:
        fit = sum(1 for x in values if test(x))
        if fit >= FITS * n:
            column.content, column.why_content = content, f"{fit} of {n} values are {what}"
            return column
    # Coded columns: a handful of distinct words, nearly all of one vocabulary.
    if len(words) <= 12:
        for content, vocabulary in (
            ("sex", SEX_WORDS),
            ("status", STATUS_WORDS),
            ("relationship", RELATIONSHIP_WORDS),
            ("flag", dict.fromkeys(v.TRUE_WORDS | v.FALSE_WORDS)),
        ):
            fit = sum(c for w, c in words.items() if w in vocabulary)
            # One word repeated ('x' on every row) says too little to go on.
            if fit >= FITS * n and len(words) >= 2:
                column.content = content
                column.why_content = f"its values are {content} words"
                return column
    return column


def _rows(n: int, what: str = "row") -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _is_nhs_number(value: str) -> bool:
    return v.nhs_number_is_valid(value.replace(" ", "").replace("-", ""))


def _is_uk_phone(value: str) -> bool:
    if not v.PHONE_RE.match(value):
        return False
    digits = re.sub(r"\D", "", value.replace("(0)", ""))  # '+44 (0)161...' as written
    return (digits.startswith("0") and len(digits) in (10, 11)) or (
        digits.startswith("44") and value.lstrip().startswith("+") and len(digits) in (11, 12)
    )


def _date_part(value: str) -> str:
    m = TRAILING_TIME.match(value)
    return m.group(1).strip() if m else value


def _parses(value: str, fmt: str) -> bool:
    if fmt == "%Y-%m-%d" and re.fullmatch(r"\d{4}(-\d{2})?", value):
        return True  # a partial date of birth, which every date rule reads as ISO
    try:
        parsed = datetime.strptime(value, fmt)
    except ValueError:
        return False
    return 1800 <= parsed.year <= 2100


def _date_formats(values: list[str]) -> tuple[tuple[str, ...], int]:
    """The formats that read nearly all of a column's values as dates, fewest first, and
    how many values are shaped as dates but are none ('31/11/2019')."""
    parts = [_date_part(x) for x in values]
    if not any(any(c.isdigit() for c in p) for p in parts):
        return (), 0
    fits = {fmt: {i for i, p in enumerate(parts) if _parses(p, fmt)} for fmt in DATE_FORMATS}
    chosen: list[str] = []
    covered: set[int] = set()
    while True:
        best = max(DATE_FORMATS, key=lambda f: (len(fits[f] - covered), -DATE_FORMATS.index(f)))
        if not fits[best] - covered:
            break
        chosen.append(best)
        covered |= fits[best]
    if len(covered) < len(parts) / 2:
        return (), 0  # identifiers that a few happen to read as dates ('1987011')
    partial = sum(1 for p in parts if re.fullmatch(r"\d{4}(-\d{2})?", p))
    # A value shaped as the others but no real date ('31/11/2019') is a date badly kept.
    shapes = {_shape(parts[i]) for i in covered}
    shaped = sum(1 for p in parts if _shape(p) in shapes)
    if shaped < FITS * len(parts) or partial > len(parts) / 2:
        return (), 0
    return tuple(chosen), shaped - len(covered)


def _shape(value: str) -> str:
    return re.sub(r"[0-9]", "9", value)


def _format_words(fmt: str) -> str:
    return (
        fmt.replace("%Y", "yyyy")
        .replace("%m", "mm")
        .replace("%d", "dd")
        .replace("%b", "Mon")
        .replace("%B", "Month")
    )


def _kind(path: Path, columns: list[Column], single: bool) -> str:
    """Which kind of file this is: by its name if it is a canonical one, else its columns."""
    stem = path.stem.lower()
    if stem in KIND_FILES:
        return stem
    names = {_norm(c.name) for c in columns}
    contents = {c.content for c in columns}

    def has(*canonicals: str, table: dict = PEOPLE) -> bool:
        return any(names & set(table[c]) for c in canonicals)

    person = has("given_name", "family_name", "date_of_birth", "nhs_number", "sex")
    involvement = (
        has("status", "service_category", "team", "lead_name", table=INVOLVEMENTS)
        or "status" in contents
    )
    if involvement and person and single and path.suffix.lower() == ".csv":
        return "row"
    if involvement and person:
        return "people and involvements"
    if has("relationship_type", "related_source_id", table=RELATIONSHIPS) or (
        "relationship" in contents
    ):
        return "relationships"
    if involvement and not person:
        return "involvements"
    return "people"


def _candidates(kind: str, column: Column, lead_named: bool) -> list[Choice]:
    """The canonical columns a file's column may be, best first."""
    table = HEADER_NAMES[kind]
    name = _norm(column.name)
    choices: dict[str, Choice] = {}
    for canonical, names in table.items():
        if name in names:
            choices[canonical] = Choice(canonical, 30, "from its name")
        elif any(len(n) >= 6 and n in name for n in names):
            choices[canonical] = Choice(canonical, 20, "from its name")
    by_content = BY_CONTENT[kind].get(column.content or "")
    if by_content and by_content not in choices:
        choices[by_content] = Choice(by_content, 10, f"from its contents: {column.why_content}")
    # An identifier the name does not give away: unique values, and a name like one.
    if (
        kind in ("people", "row")
        and "source_id" not in choices
        and re.search(r"(id|ref|reference|no|number|code|key)$", name)
        and column.content is None
        and (column.unique or kind == "row")
        and all(len(x) <= 64 and " " not in x.strip() for x in column.values)
    ):
        choices["source_id"] = Choice("source_id", 15, "its name and unique values")
    for choice in choices.values():
        expected = CONTENT_OF.get(choice.canonical)
        if not column.values or choice.score <= 10:
            continue
        if expected and column.content == expected:
            choice.score += 5
            choice.why += f"; {column.why_content}"
        elif column.content in STRONG_CONTENT:
            # Its values are plainly something else ('Email Address' is no address line).
            choice.score -= 15
            choice.why += f"; but {column.why_content}"
        elif expected:
            choice.score -= 5
            choice.why += f"; but its values do not look like {expected.replace('_', ' ')}s"
    if not lead_named and "lead_phone" in choices and kind in ("involvements", "row"):
        phone = choices.pop("lead_phone")
        choices["duty_phone"] = Choice(
            "duty_phone", phone.score, f"{phone.why}; no lead professional named: the team's line"
        )
    return sorted(choices.values(), key=lambda c: -c.score)


def _draft_file(
    path: Path,
    kind: str,
    columns: list[Column],
    rows_read: int,
    undecided: list[str],
    notes: list[str],
    categories: dict[str, str],
) -> FileDraft:
    draft = FileDraft(path=path, kind=kind, rows_read=rows_read)
    lead_named = any(_norm(c.name) in LEAD_NAMES for c in columns)
    options = {c.name: _candidates(kind, c, lead_named) for c in columns}
    by_name = {c.name: c for c in columns}
    # Each column takes its best canonical column; where two columns want the same one,
    # the better reason wins and the other tries its next; a tie is the analyst's call.
    pending = [c.name for c in columns]
    tied: dict[str, list[str]] = {}
    while pending:
        name = pending.pop(0)
        choices = options[name]
        while choices and (choices[0].canonical in tied):
            choices.pop(0)
        if not choices:
            continue
        best = choices[0]
        held = draft.columns.get(best.canonical)
        if held is None:
            draft.columns[best.canonical] = (name, best.why)
            continue
        rival = next(c for c in options[held[0]] if c.canonical == best.canonical)
        if rival.score == best.score:
            del draft.columns[best.canonical]
            tied[best.canonical] = [held[0], name]
            for other in (held[0], name):
                options[other] = [c for c in options[other] if c.canonical != best.canonical]
        elif rival.score > best.score:
            choices.pop(0)
            pending.insert(0, name)
        else:
            draft.columns[best.canonical] = (name, best.why)
            options[held[0]].pop(0)
            pending.insert(0, held[0])
    for canonical, (first, second) in tied.items():
        where = "[row.columns]" if kind == "row" else f"[{kind}.columns]"
        undecided.append(
            f"{path.name}: {first!r} and {second!r} both look like {canonical}; map one under "
            f"{where} ({canonical} = {_q(first)}) and take it out of ignore_columns"
        )
    mapped = {column for column, _ in draft.columns.values()}
    for c in columns:
        if c.name in mapped:
            continue
        if any(c.name in pair for pair in tied.values()):
            draft.ignored[c.name] = "UNDECIDED: see above"
        elif c.content in ("phone", "email") and kind == "people":
            draft.ignored[c.name] = (
                f"{c.why_content}: the people format has no {c.content} (a lead professional's "
                "belongs to an involvement)"
            )
        elif c.content in ("nhs_number", "postcode", "upn") and kind == "row":
            draft.ignored[c.name] = (
                f"{c.why_content}: the Family Context layout has no column for them; "
                "import people and involvements as canonical files to keep them"
            )
        elif c.content == "date":
            draft.ignored[c.name] = f"{c.why_content}, but its name does not say which date"
        else:
            draft.ignored[c.name] = "no canonical column for it"
    _check_required(draft, undecided)
    formats = set()
    for canonical, (column, _) in draft.columns.items():
        formats.update(by_name[column].date_formats if canonical in DATE_COLUMNS else ())
    draft.date_formats = [f for f in DATE_FORMATS if f in formats]
    if "%d/%m/%Y" in formats and "%m/%d/%Y" in formats:
        undecided.append(
            f"{path.name}: some dates are day first (dd/mm/yyyy) and some month first "
            "(mm/dd/yyyy); keep the one the source writes in date_formats"
        )
    elif "%d/%m/%Y" in formats and _day_first_unproven(draft, by_name):
        notes.append(
            f"{path.name}: every date seen could be day or month first; read as day first "
            "(dd/mm/yyyy), as UK systems write them"
        )
    for canonical, (column, _) in draft.columns.items():
        _value_map(draft, canonical, by_name[column], undecided, categories)
    return draft


def _day_first_unproven(draft: FileDraft, by_name: dict[str, Column]) -> bool:
    for column, _ in draft.columns.values():
        for x in by_name[column].values:
            parts = _date_part(x).split("/")
            if len(parts) == 3 and parts[0].isdigit() and int(parts[0]) > 12:
                return False
    return True


REQUIRED = {
    "people": ("source_id",),
    "involvements": ("involvement_id", "person_source_id", "service_category", "status"),
    "relationships": ("person_source_id", "related_source_id", "relationship_type"),
    "row": ("source_id", "status", "extracted_at"),
}


def _check_required(draft: FileDraft, undecided: list[str]) -> None:
    for canonical in REQUIRED[draft.kind]:
        if canonical in draft.columns:
            continue
        what = {
            "source_id": "identifies each person (their id in the source system)",
            "involvement_id": "identifies each involvement",
            "person_source_id": "says whose record it is (the person's id)",
            "related_source_id": "says who the related person is (their id)",
            "service_category": "says which service (one of the configured categories)",
            "status": "says whether the involvement is current or historic",
            "relationship_type": "says what the related person is (mother, sibling...)",
            "extracted_at": "says when the data was current (like 'Date Current As Of')",
        }[canonical]
        section = f"[{draft.kind}.columns]"
        undecided.append(
            f"{draft.path.name}: no column {what}; it is required: name it as {canonical} "
            f"under {section}, or the file will be rejected"
        )


def _value_map(
    draft: FileDraft,
    canonical: str,
    column: Column,
    undecided: list[str],
    categories: dict[str, str],
) -> None:
    """Propose a value map for a coded column; say which values it cannot place."""
    if canonical == "service_category" and categories:
        words = {_word(code): code for code in categories}
        words |= {_word(name): code for code, name in categories.items()}

        def accepted(value: str) -> bool:
            return value.strip().lower() in categories

        vocabulary: dict[str, str] = words
        what = f"a configured service category ({', '.join(sorted(categories))})"
    elif canonical in VOCABULARIES:
        vocabulary, accepted = VOCABULARIES[canonical]
        what = {
            "sex": "female, male, other or unknown",
            "status": "current, historic or not recorded",
            "relationship_type": f"a relationship type ({', '.join(sorted(v.RELATIONSHIP_TYPES))})",
        }[canonical]
    else:
        return
    counts = Counter(column.values)
    proposed: dict[str, str] = {}
    unplaced: list[str] = []
    for value in sorted(counts):
        if accepted(value):
            continue
        to = vocabulary.get(_word(value))
        if to is None:
            unplaced.append(value)
        elif value_key(value) not in {value_key(k) for k in proposed}:
            proposed[value] = to
    if proposed:
        draft.values[canonical] = proposed
    if unplaced:
        shown = ", ".join(f"{x!r} ({_rows(counts[x])})" for x in unplaced[:8])
        more = f" and {len(unplaced) - 8} more" if len(unplaced) > 8 else ""
        held = {
            "service_category": "their rows are quarantined",
            "relationship_type": "their rows are quarantined",
            "status": "they are held back and the involvements kept as status not recorded",
        }.get(canonical, "they are held back and the rest of each row loads")
        undecided.append(
            f"{draft.path.name}: {column.name!r} values {shown}{more} are not {what}; add them "
            f"under [{draft.kind}.values.{canonical}] (until then {held})"
        )
