"""`familyview families build`: every family link, rebuilt from the person index.

Three kinds of link, each with its provenance and confidence:

- a source's relationship between two of its records, mapped onto the persons those
  records belong to (and its inverse: a child's mother has that child);
- siblings worked out from the parents sources recorded (two children of one mother);
- a household: two persons recorded at the same UPRN, or else the same normalised address
  and postcode, at overlapping times. Never from a postcode alone, never at an address
  where more people live at once than a household holds (hostels, refuges, blocks), and
  never through a shielded person's address (it would show where they live).

A rebuild reads the index and writes every link in one transaction, holding the index's
writer lock, so that a family view never sees half a rebuild or a rebuild half-way
through a link run. Reads and writes are in bulk (COPY on PostgreSQL).
"""

import logging
import re
import time
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from familyview.families.models import FamilyBuild, FamilyLink, SourceRelationship
from familyview.identity.features import postcode_key
from familyview.identity.locking import lock_index
from familyview.identity.models import LinkedRecord
from familyview.sources.loading import insert_rows
from familyview.sources.models import ExtractImport, PersonRecord, Source

log = logging.getLogger(__name__)
RULES_FILE = Path(__file__).with_name("building.toml")
Progress = Callable[[str], None]

# What b is to a, when a source says a is `type` to b.
INVERSE = {
    "mother": "child",
    "father": "child",
    "parent": "child",
    "step_parent": "step_child",
    "carer": "cared_for",
    "guardian": "cared_for",
    "child": "parent",
    "step_child": "step_parent",
    "cared_for": "carer",
    "sibling": "sibling",
    "half_sibling": "half_sibling",
    "step_sibling": "step_sibling",
    "partner": "partner",
    "ex_partner": "ex_partner",
    "grandparent": "grandchild",
    "grandchild": "grandparent",
    "other_relative": "other_relative",
    "household_member": "household_member",
}
PARENTS = frozenset({"mother", "father", "parent"})
SIBLINGS = frozenset({"sibling", "half_sibling", "step_sibling"})
# Roles that sit alongside any family relationship (a grandmother can be a carer).
ROLES = frozenset({"carer", "guardian", "cared_for", "household_member", "other_relative"})
# A general word and the more particular words it agrees with.
GENERAL = {
    "parent": frozenset({"mother", "father"}),
    "sibling": frozenset({"half_sibling", "step_sibling"}),
}


def compatible(a: str, b: str) -> bool:
    """Whether two statements about the same two persons can both be true."""
    if a == b or a in ROLES or b in ROLES:
        return True
    return b in GENERAL.get(a, ()) or a in GENERAL.get(b, ())


@dataclass(frozen=True)
class BuildRules:
    """The numbers a council may change (building.toml)."""

    source_confidence: float
    uprn_confidence: float
    address_confidence: float
    derived_confidence: float
    max_household_size: int
    max_children_per_parent: int


def build_rules(path: Path | None = None) -> BuildRules:
    """Read and check the family building rules (building.toml unless told otherwise)."""
    path = path or RULES_FILE
    with path.open("rb") as f:
        data = tomllib.load(f)
    try:
        rules = BuildRules(
            source_confidence=float(data["source_confidence"]),
            uprn_confidence=float(data["uprn_confidence"]),
            address_confidence=float(data["address_confidence"]),
            derived_confidence=float(data["derived_confidence"]),
            max_household_size=int(data["max_household_size"]),
            max_children_per_parent=int(data["max_children_per_parent"]),
        )
    except KeyError as missing:
        raise ValueError(f"{path}: {missing.args[0]} is missing") from None
    for name in ("source_confidence", "uprn_confidence", "address_confidence"):
        if not 0 < getattr(rules, name) <= 1:
            raise ValueError(f"{path}: {name} must be more than 0 and at most 1")
    if not 0 < rules.derived_confidence <= 1:
        raise ValueError(f"{path}: derived_confidence must be more than 0 and at most 1")
    if rules.max_household_size < 2:
        raise ValueError(f"{path}: max_household_size must be at least 2")
    if rules.max_children_per_parent < 2:
        raise ValueError(f"{path}: max_children_per_parent must be at least 2")
    return rules


# ---- addresses ---------------------------------------------------------------------------

_WORDS = re.compile(r"[a-z0-9]+")
_ABBREVIATIONS = {
    "st": "street",
    "rd": "road",
    "ln": "lane",
    "ave": "avenue",
    "av": "avenue",
    "cl": "close",
    "dr": "drive",
    "cres": "crescent",
    "pl": "place",
    "gr": "grove",
    "gdns": "gardens",
    "sq": "square",
    "ter": "terrace",
    "terr": "terrace",
    "ct": "court",
    "apartment": "flat",
    "apt": "flat",
    "flt": "flat",
}
# A first line that is only a street (no number, no house name) could be any house on it.
_STREET_WORDS = frozenset(
    {
        "street",
        "road",
        "lane",
        "avenue",
        "close",
        "drive",
        "way",
        "crescent",
        "place",
        "grove",
        "gardens",
        "square",
        "terrace",
        "walk",
        "row",
        "hill",
        "rise",
        "view",
        "parade",
        "green",
        "vale",
    }
)
_SUB_BUILDING = frozenset({"flat", "unit", "room", "floor"})


@lru_cache(maxsize=200_000)
def address_key(line1: str, line2: str, postcode: str) -> str | None:
    """A dwelling's address as it is compared: the first line's words (abbreviations
    written out) and the postcode. None when it could be more than one dwelling: no
    postcode, no first line, or a first line that is only a street name."""
    code = postcode_key(postcode or "")
    if not code or len(code) < 5:
        return None
    words = _address_words(line1)
    if words and words[0] in _SUB_BUILDING and len(words) <= 2:
        # "Flat 3" on the first line: the building is on the second.
        words = words + _address_words(line2)
    if not words:
        return None
    if not any(c.isdigit() for w in words for c in w) and words[-1] in _STREET_WORDS:
        return None
    return " ".join(words) + "|" + code


def _address_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", (text or "").casefold())
    folded = folded.encode("ascii", "ignore").decode()
    return [_ABBREVIATIONS.get(w, w) for w in _WORDS.findall(folded)]


# ---- reading the index -------------------------------------------------------------------


@dataclass
class _Record:
    person: str
    probability: float
    authority: int
    keys: tuple[str, ...]  # "u:<uprn>", "a:<address key>"
    start: date | None
    end: date | None


def _records() -> tuple[dict[int, _Record], set[str]]:
    """Every linked record: its person, how sure, its address keys and dates; and the
    persons who are shielded (any of their records restricted)."""
    sql = (
        f"SELECT r.id, l.person_id, l.match_probability, s.authority_id, r.restricted, "  # noqa: S608
        f"r.uprn, r.address_line1, r.address_line2, r.postcode, r.address_from, r.ended_at "
        f"FROM {LinkedRecord._meta.db_table} l "
        f"JOIN {PersonRecord._meta.db_table} r ON r.id = l.person_record_id "
        f"JOIN {Source._meta.db_table} s ON s.id = r.source_id"
    )
    records: dict[int, _Record] = {}
    shielded: set[str] = set()
    with connection.cursor() as cur:
        cur.execute(sql)
        for (
            rid,
            pid,
            p,
            auth,
            restricted,
            uprn,
            line1,
            line2,
            postcode,
            since,
            ended,
        ) in cur.fetchall():
            if restricted:
                shielded.add(pid)
            keys = []
            if uprn:
                keys.append("u:" + uprn.strip())
            key = address_key(line1, line2, postcode)
            if key:
                keys.append("a:" + key)
            records[rid] = _Record(
                pid,
                float(p),
                auth,
                tuple(keys),
                _as_date(since),
                _as_date(ended),
            )
    return records, shielded


def _as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, str):  # SQLite hands raw SQL dates back as text
        return date.fromisoformat(value[:10])
    return value


def _as_datetime(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def _source_relationships() -> list[tuple]:
    """Every current relationship a source holds, with when its extract said so."""
    sql = (
        f"SELECT sr.source_id, sr.person_record_id, sr.related_record_id, "  # noqa: S608
        f"sr.relationship_type, sr.start_date, sr.end_date, i.extracted_at "
        f"FROM {SourceRelationship._meta.db_table} sr "
        f"LEFT JOIN {ExtractImport._meta.db_table} i ON i.id = sr.changed_by_import_id "
        f"WHERE sr.ended_at IS NULL"
    )
    with connection.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


# ---- the links ---------------------------------------------------------------------------


class Row(NamedTuple):
    """One family link as written (the columns of FamilyLink, in COLUMNS' order)."""

    authority: int
    person: str
    related: str
    rtype: str
    basis: str
    source: int | None
    said_at: datetime | None
    as_stated: bool
    evidence: str
    start: date | None
    end: date | None
    confidence: float
    disputed: bool = False


@dataclass
class _Built:
    rows: list[Row]
    source_links: int = 0
    household_links: int = 0
    derived_links: int = 0
    disputed_links: int = 0
    crowded_addresses: int = 0
    persons: int = 0


def _stated_links(records: dict[int, _Record], rules: BuildRules) -> list[Row]:
    """The sources' relationships between persons, both ways round; one row per source
    and statement (a source saying it both ways round counts once)."""
    best: dict[tuple, Row] = {}
    for source, a_rec, b_rec, rtype, start, end, said_at in _source_relationships():
        a, b = records.get(a_rec), records.get(b_rec)
        if a is None or b is None or a.person == b.person or a.authority != b.authority:
            continue
        confidence = round(rules.source_confidence * min(a.probability, b.probability), 4)
        said_at = _as_datetime(said_at)
        start, end = _as_date(start), _as_date(end)
        inverse = INVERSE.get(rtype, "other_relative")
        for row in (
            Row(
                a.authority,
                a.person,
                b.person,
                rtype,
                "source",
                source,
                said_at,
                True,
                "",
                start,
                end,
                confidence,
            ),
            Row(
                a.authority,
                b.person,
                a.person,
                inverse,
                "source",
                source,
                said_at,
                False,
                "",
                start,
                end,
                confidence,
            ),
        ):
            key = (row.person, row.related, row.rtype, row.source)
            kept = best.get(key)
            # One statement per source: the one said as stated and most recently wins.
            if kept is None or _weight(row) > _weight(kept):
                best[key] = row
    # A source's "child" one way round makes "parent" the other; where the same source
    # also names the mother or father, that says it better.
    said = {(r.person, r.related, r.source, r.rtype) for r in best.values()}
    return [
        r
        for r in best.values()
        if r.as_stated
        or not any((r.person, r.related, r.source, t) in said for t in GENERAL.get(r.rtype, ()))
    ]


_EPOCH = datetime(1900, 1, 1, tzinfo=UTC)


def _weight(row: Row) -> tuple:
    return (row.as_stated, row.said_at or _EPOCH, row.confidence)


def _derived_siblings(stated: list[Row], rules: BuildRules) -> list[Row]:
    """Siblings worked out from the parents sources recorded: two children of the same
    two parents are siblings, of one parent each with another parent half-siblings; a
    child's step-parent's child (with no parent in common) a step-sibling. Pairs a
    source already describes as siblings are left as the source said."""
    parents: dict[str, dict[str, float]] = defaultdict(dict)  # child -> parent -> conf
    step_parents: dict[str, dict[str, float]] = defaultdict(dict)
    authority: dict[str, int] = {}
    said_siblings: set[tuple[str, str]] = set()
    for row in stated:
        person, related, rtype, confidence = row.person, row.related, row.rtype, row.confidence
        authority[person] = row.authority
        if rtype in PARENTS:
            parents[person][related] = max(confidence, parents[person].get(related, 0))
        elif rtype == "step_parent":
            step_parents[person][related] = max(confidence, step_parents[person].get(related, 0))
        elif rtype in SIBLINGS:
            said_siblings.add((person, related))
    children: dict[str, set[str]] = defaultdict(set)
    for child, of in parents.items():
        for parent in of:
            children[parent].add(child)
    rows: list[Row] = []
    done: set[tuple[str, str]] = set()

    def add(a: str, b: str, rtype: str, evidence: str, confidence: float) -> None:
        if (a, b) in done or (a, b) in said_siblings or (b, a) in said_siblings:
            return
        done.add((a, b))
        done.add((b, a))
        c = round(rules.derived_confidence * confidence, 4)
        for x, y in ((a, b), (b, a)):
            rows.append(
                Row(
                    authority[x], x, y, rtype, "derived", None, None, False, evidence, None, None, c
                )
            )

    for kids in children.values():
        if len(kids) > rules.max_children_per_parent:
            continue
        for a, b in combinations(sorted(kids), 2):
            shared = parents[a].keys() & parents[b].keys()
            confidence = min(min(parents[a][p], parents[b][p]) for p in shared)
            if len(shared) >= 2:
                add(a, b, "sibling", "the same two parents", confidence)
            elif len(parents[a]) > 1 and len(parents[b]) > 1:
                add(a, b, "half_sibling", "one parent in common", confidence)
            else:
                add(a, b, "sibling", "a parent in common", confidence)
    for child, steps in step_parents.items():
        for step in steps:
            kids = children.get(step, ())
            if len(kids) > rules.max_children_per_parent:
                continue
            for other in kids:
                if other == child or parents[child].keys() & parents[other].keys():
                    continue
                add(
                    child,
                    other,
                    "step_sibling",
                    "a step-parent's child",
                    min(steps[step], parents[other][step]),
                )
    return rows


def _households(
    records: dict[int, _Record], shielded: set[str], rules: BuildRules
) -> tuple[list[Row], int]:
    """Household links between persons at the same address at overlapping times; and
    how many addresses were too crowded to be a household."""
    by_person: dict[str, list[_Record]] = defaultdict(list)
    for record in records.values():
        if record.keys and record.person not in shielded:
            by_person[record.person].append(record)
    # Who was at each address when: a record's address holds from its address_from until
    # the record ended or the person is recorded at another address from a later date.
    at: dict[tuple[int, str], dict[str, tuple[date | None, date | None, float]]] = defaultdict(dict)
    for person, recs in by_person.items():
        moves = sorted({(r.start, r.keys) for r in recs if r.start})
        for r in recs:
            end = r.end
            for moved, keys in moves:
                if (r.start is None or moved > r.start) and not set(keys) & set(r.keys):
                    end = moved if end is None else min(end, moved)
                    break
            for key in r.keys:
                held = at[(r.authority, key)].get(person)
                if held is None:
                    at[(r.authority, key)][person] = (r.start, end, r.probability)
                else:
                    at[(r.authority, key)][person] = (
                        None if held[0] is None or r.start is None else min(held[0], r.start),
                        None if held[1] is None or end is None else max(held[1], end),
                        min(held[2], r.probability),
                    )
    cap = rules.max_household_size
    pairs: dict[tuple[str, str], Row] = {}
    crowded = 0
    for (auth, key), people in at.items():
        if len(people) < 2:
            continue
        if len(people) > 4 * cap:
            crowded += 1
            continue
        overlapping = [
            (a, b, max(_lo(sa), _lo(sb)), min(_hi(ea), _hi(eb)), min(pa, pb))
            for (a, (sa, ea, pa)), (b, (sb, eb, pb)) in combinations(sorted(people.items()), 2)
            if _lo(sa) <= _hi(eb) and _lo(sb) <= _hi(ea)
        ]
        together: dict[str, int] = defaultdict(int)
        for a, b, *_ in overlapping:
            together[a] += 1
            together[b] += 1
        if together and max(together.values()) >= cap:
            crowded += 1
            continue
        by_uprn = key.startswith("u:")
        base = rules.uprn_confidence if by_uprn else rules.address_confidence
        evidence = "uprn" if by_uprn else "address"
        for a, b, lo, hi, p in overlapping:
            start = None if lo == date.min else lo
            end = None if hi == date.max else hi
            c = round(base * p, 4)
            for x, y in ((a, b), (b, a)):
                row = Row(
                    auth,
                    x,
                    y,
                    "household_member",
                    "household",
                    None,
                    None,
                    True,
                    evidence,
                    start,
                    end,
                    c,
                )
                kept = pairs.get((x, y))
                if kept is None or c > kept.confidence:
                    pairs[(x, y)] = row
    return list(pairs.values()), crowded


def _lo(d: date | None) -> date:
    return d or date.min


def _hi(d: date | None) -> date:
    return d or date.max


def _mark_disputes(rows: list[Row]) -> list[Row]:
    """The rows with `disputed` set where another statement about the same two persons
    (from any source) says something incompatible."""
    types: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        if row.basis != "household":
            types[(row.person, row.related)].add(row.rtype)
    out = []
    for row in rows:
        said = types.get((row.person, row.related), ())
        disputed = row.basis != "household" and any(not compatible(row.rtype, t) for t in said)
        out.append(row._replace(disputed=disputed) if disputed else row)
    return out


def build(records: dict[int, _Record], shielded: set[str], rules: BuildRules) -> _Built:
    """Every family link from the index as read (no writing)."""
    stated = _stated_links(records, rules)
    derived = _derived_siblings(stated, rules)
    households, crowded = _households(records, shielded, rules)
    rows = _mark_disputes(stated + derived + households)
    return _Built(
        rows=rows,
        source_links=len(stated),
        derived_links=len(derived),
        household_links=len(households),
        disputed_links=sum(1 for r in rows if r.disputed),
        crowded_addresses=crowded,
        persons=len({r.person for r in records.values()}),
    )


COLUMNS = (
    "authority_id",
    "person_id",
    "related_person_id",
    "relationship_type",
    "basis",
    "source_id",
    "said_at",
    "as_stated",
    "evidence",
    "start_date",
    "end_date",
    "confidence",
    "disputed",
)


def build_families(progress: Progress | None = None) -> FamilyBuild:
    """Rebuild every family link from the person index, in one transaction."""
    say = progress or (lambda message: log.info("%s", message))
    started_at = timezone.now()
    started = time.monotonic()
    rules = build_rules()
    with transaction.atomic():
        # Hold the index still while reading it and writing its families.
        lock_index()
        say("Reading the person index and the sources' relationships")
        records, shielded = _records()
        built = build(records, shielded, rules)
        say(f"Writing {len(built.rows):,} family links")
        _replace_links(built.rows)
        result = FamilyBuild.objects.create(
            started_at=started_at,
            seconds=round(time.monotonic() - started, 3),
            persons=built.persons,
            source_links=built.source_links,
            household_links=built.household_links,
            derived_links=built.derived_links,
            disputed_links=built.disputed_links,
            crowded_addresses=built.crowded_addresses,
        )
    if connection.vendor == "postgresql":
        # Every row is new: let the planner know before the first family view reads them.
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {FamilyLink._meta.db_table}")
    return result


def _replace_links(rows: Iterable[Row]) -> None:
    table = FamilyLink._meta.db_table
    with connection.cursor() as cur:
        # DELETE, not TRUNCATE: family views keep reading the old links until this commits.
        cur.execute(f"DELETE FROM {table}")  # noqa: S608
        insert_rows(cur, table, COLUMNS, list(rows))
