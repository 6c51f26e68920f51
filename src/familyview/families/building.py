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

from familyview.families.models import (
    FamilyBuild,
    FamilyLink,
    SourceRelationship,
)
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


def _tables() -> dict[str, str]:
    return {
        "link": FamilyLink._meta.db_table,
        "rel": SourceRelationship._meta.db_table,
        "linked": LinkedRecord._meta.db_table,
        "record": PersonRecord._meta.db_table,
        "source": Source._meta.db_table,
        "import": ExtractImport._meta.db_table,
    }


def _inverse_sql() -> str:
    whens = " ".join(f"WHEN '{a}' THEN '{b}'" for a, b in INVERSE.items())
    return f"CASE sr.relationship_type {whens} ELSE 'other_relative' END"


def _insert_stated_links(cur, rules: BuildRules) -> None:
    """The sources' current relationships, mapped onto persons, both ways round, in one
    statement. One row per person, related person, type and source: a source saying it
    both ways round counts once (as it said it, most recently), and its "parent" the
    other way round gives way to the mother or father it also names."""
    t = _tables()
    # For each general word (parent), whether the same source names a particular one
    # (mother, father) for the same two persons: then the general one gives way.
    specific = ", ".join(
        f"MAX(CASE WHEN relationship_type IN ({', '.join(repr(x) for x in sorted(particular))}) "
        f"THEN 1 ELSE 0 END) OVER (PARTITION BY person_id, related_person_id, source_id) "
        f"AS has_{general}"
        for general, particular in GENERAL.items()
    )
    gives_way = " OR ".join(
        f"(relationship_type = '{general}' AND has_{general} = 1)" for general in GENERAL
    )
    # The lower of the two records' match probabilities (LEAST on PostgreSQL, MIN on SQLite).
    low = (
        "CASE WHEN la.match_probability < lb.match_probability "
        "THEN la.match_probability ELSE lb.match_probability END"
    )
    # Table names from the models, relationship words from INVERSE and GENERAL: no input.
    mapped = f"""
        SELECT s.authority_id, la.person_id AS a, lb.person_id AS b, sr.source_id,
               i.extracted_at AS said_at, sr.start_date, sr.end_date, sr.relationship_type,
               {_inverse_sql()} AS inverse, %s * ({low}) AS confidence
        FROM {t["rel"]} sr
        JOIN {t["record"]} ra ON ra.id = sr.person_record_id AND ra.source_id = sr.source_id
        JOIN {t["record"]} rb ON rb.id = sr.related_record_id AND rb.source_id = sr.source_id
        JOIN {t["linked"]} la ON la.person_record_id = sr.person_record_id
        JOIN {t["linked"]} lb ON lb.person_record_id = sr.related_record_id
        JOIN {t["source"]} s ON s.id = sr.source_id
        LEFT JOIN {t["import"]} i ON i.id = sr.changed_by_import_id
        WHERE sr.ended_at IS NULL AND la.person_id <> lb.person_id"""  # noqa: S608
    sql = f"""
        INSERT INTO {t["link"]} ({", ".join(COLUMNS)})
        WITH mapped AS ({mapped}),
        said AS (
            SELECT authority_id, a AS person_id, b AS related_person_id, relationship_type,
                   source_id, said_at, TRUE AS as_stated, start_date, end_date, confidence
            FROM mapped
            UNION ALL
            SELECT authority_id, b, a, inverse, source_id, said_at, FALSE, start_date,
                   end_date, confidence
            FROM mapped
        ),
        ranked AS (
            SELECT said.*, ROW_NUMBER() OVER (
                PARTITION BY person_id, related_person_id, relationship_type, source_id
                ORDER BY as_stated DESC, CASE WHEN said_at IS NULL THEN 1 ELSE 0 END,
                         said_at DESC, confidence DESC
            ) AS n
            FROM said
        ),
        best AS (SELECT ranked.*, {specific} FROM ranked WHERE n = 1)
        SELECT authority_id, person_id, related_person_id, relationship_type, 'source',
               source_id, said_at, as_stated, '', start_date, end_date, confidence, FALSE
        FROM best
        WHERE as_stated OR NOT (
            {gives_way}
        )"""  # noqa: S608
    cur.execute(sql, [rules.source_confidence])


def _family_statements(cur) -> list[tuple]:
    """What sources said about parents and siblings, as written: the makings of
    worked-out siblings."""
    kinds = sorted(PARENTS | SIBLINGS | {"step_parent"})
    cur.execute(
        f"SELECT authority_id, person_id, related_person_id, relationship_type, "  # noqa: S608
        f"confidence FROM {FamilyLink._meta.db_table} "
        f"WHERE basis = 'source' AND relationship_type IN ({', '.join(['%s'] * len(kinds))})",
        kinds,
    )
    return cur.fetchall()


def _mark_disputes(cur) -> None:
    """Mark every statement that another statement about the same two persons (from any
    source, or worked out) contradicts. Run before households are written (living
    together contradicts nothing)."""
    t = FamilyLink._meta.db_table
    cur.execute(f"SELECT id, person_id, related_person_id, relationship_type FROM {t}")  # noqa: S608
    said: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for pk, person, related, rtype in cur.fetchall():
        said[(person, related)].append((pk, rtype))
    disputed = [
        pk
        for statements in said.values()
        if len(statements) > 1
        for pk, rtype in statements
        if any(not compatible(rtype, other) for _pk, other in statements)
    ]
    del said
    for i in range(0, len(disputed), 5000):
        batch = disputed[i : i + 5000]
        cur.execute(
            f"UPDATE {t} SET disputed = TRUE WHERE id IN ({', '.join(['%s'] * len(batch))})",  # noqa: S608
            batch,
        )


_EPOCH = datetime(1900, 1, 1, tzinfo=UTC)


# ---- reading addresses -------------------------------------------------------------------


class _Record(NamedTuple):
    person: str
    probability: float
    authority: int
    keys: tuple[str, ...]  # "u:<uprn>", "a:<address key>"
    start: date | None
    end: date | None


def _records(cur) -> tuple[list[_Record], set[str], int]:
    """Every linked record with an address: its person, how sure, its address keys and
    dates; the persons who are shielded (any record restricted); how many persons."""
    t = _tables()
    cur.execute(
        f"SELECT l.person_id, l.match_probability, s.authority_id, r.restricted, r.uprn, "  # noqa: S608
        f"r.address_line1, r.address_line2, r.postcode, r.address_from, r.ended_at "
        f"FROM {t['linked']} l JOIN {t['record']} r ON r.id = l.person_record_id "
        f"JOIN {t['source']} s ON s.id = r.source_id"
    )
    records: list[_Record] = []
    shielded: set[str] = set()
    persons: set[str] = set()
    # Household members share addresses: each written form is normalised once.
    known: dict[tuple[str, str, str], str | None] = {}
    for pid, p, auth, restricted, uprn, line1, line2, postcode, since, ended in cur:
        persons.add(pid)
        if restricted:
            shielded.add(pid)
        keys = ("u:" + uprn.strip(),) if uprn else ()
        if line1 and postcode:
            written = (line1, line2, postcode)
            key = known.get(written, "")
            if key == "":
                key = known[written] = address_key.__wrapped__(line1, line2, postcode)
            if key:
                keys += ("a:" + key,)
        if keys:
            records.append(_Record(pid, p, auth, keys, _as_date(since), _as_date(ended)))
    return records, shielded, len(persons)


def _as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, str):  # SQLite hands raw SQL dates back as text
        return date.fromisoformat(value[:10])
    return value


def _derived_siblings(stated: Iterable[tuple], rules: BuildRules) -> list[Row]:
    """Siblings worked out from the parents sources recorded: two children of the same
    two parents are siblings, of one parent each with another parent half-siblings; a
    child's step-parent's child (with no parent in common) a step-sibling. Pairs a
    source already describes as siblings are left as the source said."""
    parents: dict[str, dict[str, float]] = defaultdict(dict)  # child -> parent -> conf
    step_parents: dict[str, dict[str, float]] = defaultdict(dict)
    authority: dict[str, int] = {}
    said_siblings: set[tuple[str, str]] = set()
    for auth, person, related, rtype, confidence in stated:
        authority[person] = auth
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
    records: list[_Record], shielded: set[str], rules: BuildRules
) -> tuple[list[Row], int]:
    """Household links between persons at the same address at overlapping times; and
    how many addresses were too crowded to be a household."""
    by_person: dict[str, list[_Record]] = defaultdict(list)
    for record in records:
        if record.person not in shielded:
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


@dataclass
class _Counts:
    persons: int = 0
    source_links: int = 0
    derived_links: int = 0
    household_links: int = 0
    disputed_links: int = 0
    crowded_addresses: int = 0


def build_families(progress: Progress | None = None) -> FamilyBuild:
    """Rebuild every family link from the person index, in one transaction."""
    say = progress or (lambda message: log.info("%s", message))
    started_at = timezone.now()
    started = time.monotonic()
    rules = build_rules()
    counts = _Counts()
    table = FamilyLink._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        # Hold the index still while reading it and writing its families.
        lock_index()
        # DELETE, not TRUNCATE: family views keep reading the old links until this commits.
        cur.execute(f"DELETE FROM {table}")  # noqa: S608
        if connection.vendor == "postgresql":
            # The index and the sources may have just changed wholesale (a first link, a
            # large import): without fresh statistics the planner takes the tables for
            # nearly empty and the mapping below ran for minutes instead of seconds (a
            # 379,400-record authority, before autovacuum had been round).
            t = _tables()
            for name in ("rel", "linked", "record"):
                cur.execute(f"ANALYZE {t[name]}")
        say("Mapping the sources' relationships onto persons")
        _insert_stated_links(cur, rules)
        say("Working out siblings")
        derived = _derived_siblings(_family_statements(cur), rules)
        insert_rows(cur, table, COLUMNS, derived)
        # Before the households are written: living together never contradicts anything.
        say("Marking where sources disagree")
        _mark_disputes(cur)
        say("Finding households")
        records, shielded, counts.persons = _records(cur)
        households, counts.crowded_addresses = _households(records, shielded, rules)
        del records
        insert_rows(cur, table, COLUMNS, households)
        cur.execute(
            f"SELECT basis, COUNT(*), SUM(CASE WHEN disputed THEN 1 ELSE 0 END) "  # noqa: S608
            f"FROM {table} GROUP BY basis"
        )
        for basis, n, disputed in cur.fetchall():
            setattr(counts, f"{basis}_links", n)
            counts.disputed_links += disputed or 0
        result = FamilyBuild.objects.create(
            started_at=started_at,
            seconds=round(time.monotonic() - started, 3),
            **counts.__dict__,
        )
    if connection.vendor == "postgresql":
        # Every row is new: let the planner know before the first family view reads them.
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {table}")
    return result
