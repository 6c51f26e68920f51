"""`familyview families build`: every family link, rebuilt from the person index.

Three kinds of link, each with its provenance and confidence:

- a source's relationship between two of its records, mapped onto the persons those
  records belong to (and its inverse: a child's mother has that child);
- siblings worked out from the parents sources recorded (two children of one mother);
- a household: two persons recorded at the same UPRN, or else the same normalised address
  and postcode, at overlapping times. Never from a postcode alone, never at an address
  where more people live at once than a household holds (hostels, refuges, blocks), and
  never through a shielded person's address (it would show where they live).

A build reads the index and writes its links in one transaction, holding the index's
writer lock, so that a family view never sees half a build or a build half-way through a
link run. Reads and writes are in bulk (COPY on PostgreSQL).

A build rebuilds the links the changed persons (after an incremental link run, or a
steward's merge or split) can have changed:

- the sources' relationships of the changed persons (and of the records that any import
  since the last build created, changed or ended);
- the worked-out siblings of every child of those persons' parents;
- the households at every address those persons are recorded at: every pair of persons
  there, worked out from everyone recorded at any address either of them has lived at.

A full build is the same steps with every person changed (EVERYONE): each step then
reads and writes its kind of link whole instead of working out whom it touches and
joining temporary tables of them, which for every person cost three times as long. An
update writes the links a full build would (tests/families/test_family_update.py).
"""

import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import combinations, product
from pathlib import Path
from typing import Annotated, NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from pydantic import Field

from familyview.families.models import (
    CrowdedAddress,
    FamilyBuild,
    FamilyLink,
)
from familyview.identity.addresses import address_keys
from familyview.identity.locking import lock_index
from familyview.identity.models import LinkedRecord, LinkRun
from familyview.settings_files import SettingsModel, load_settings
from familyview.sources.loading import insert_rows
from familyview.sources.models import ExtractImport, PersonRecord, Source, SourceRelationship
from familyview.sources.validation import is_uk_postcode

log = logging.getLogger(__name__)
RULES_FILE = Path(__file__).with_name("building.toml")
# Change when this module builds links differently: the next build is then a full one.
BUILD_VERSION = "2"
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


Confidence = Annotated[float, Field(gt=0, le=1)]


class BuildRules(SettingsModel):
    """The numbers a council may change (building.toml, and its own file named by
    FAMILYVIEW_BUILDING_RULES)."""

    source_confidence: Confidence
    uprn_confidence: Confidence
    address_confidence: Confidence
    derived_confidence: Confidence
    max_household_size: int = Field(ge=2)
    max_children_per_parent: int = Field(ge=2)

    @property
    def digest(self) -> str:
        """Which rules (and which version of this module's way of building) these are:
        links built otherwise are rebuilt in full."""
        return hashlib.sha256(f"{BUILD_VERSION}|{self!r}".encode()).hexdigest()


def build_rules() -> BuildRules:
    """The family building rules in force: building.toml, with the council's over it."""
    return load_settings(BuildRules, RULES_FILE, "FAMILYVIEW_BUILDING_RULES")


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


def _insert_stated_links(cur, rules: BuildRules, records: str | None = None) -> None:
    """The sources' current relationships, mapped onto persons, both ways round, in one
    statement. One row per person, related person, type and source: a source saying it
    both ways round counts once (as it said it, most recently), and its "parent" the
    other way round gives way to the mother or father it also names.

    `records`: a temporary table of record ids; only relationships of those records
    (every relationship of their persons, when they are all of their persons' records)."""
    t = _tables()
    only = (
        f" AND (sr.person_record_id IN (SELECT id FROM {records})"  # noqa: S608 (our table)
        f" OR sr.related_record_id IN (SELECT id FROM {records}))"
        if records
        else ""
    )
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
               {_inverse_sql()} AS inverse, %s * ({low}) AS confidence, sr.id AS said_as
        FROM {t["rel"]} sr
        JOIN {t["record"]} ra ON ra.id = sr.person_record_id AND ra.source_id = sr.source_id
        JOIN {t["record"]} rb ON rb.id = sr.related_record_id AND rb.source_id = sr.source_id
        JOIN {t["linked"]} la ON la.person_record_id = sr.person_record_id
        JOIN {t["linked"]} lb ON lb.person_record_id = sr.related_record_id
        JOIN {t["source"]} s ON s.id = sr.source_id
        LEFT JOIN {t["import"]} i ON i.id = sr.changed_by_import_id
        WHERE sr.ended_at IS NULL AND la.person_id <> lb.person_id{only}"""  # noqa: S608
    sql = f"""
        INSERT INTO {t["link"]} ({", ".join(COLUMNS)})
        WITH mapped AS ({mapped}),
        said AS (
            SELECT authority_id, a AS person_id, b AS related_person_id, relationship_type,
                   source_id, said_at, TRUE AS as_stated, start_date, end_date, confidence,
                   said_as
            FROM mapped
            UNION ALL
            SELECT authority_id, b, a, inverse, source_id, said_at, FALSE, start_date,
                   end_date, confidence, said_as
            FROM mapped
        ),
        ranked AS (
            SELECT said.*, ROW_NUMBER() OVER (
                PARTITION BY person_id, related_person_id, relationship_type, source_id
                ORDER BY as_stated DESC, CASE WHEN said_at IS NULL THEN 1 ELSE 0 END,
                         said_at DESC, confidence DESC, said_as
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


def _family_statements(cur, persons: str | None = None) -> list[tuple]:
    """What sources said about parents and siblings, as written: the makings of
    worked-out siblings. `persons`: a temporary table of persons; only what was said
    about them."""
    kinds = sorted(PARENTS | SIBLINGS | {"step_parent"})
    only = f" AND person_id IN (SELECT id FROM {persons})" if persons else ""  # noqa: S608
    cur.execute(
        f"SELECT authority_id, person_id, related_person_id, relationship_type, "  # noqa: S608
        f"confidence FROM {FamilyLink._meta.db_table} "
        f"WHERE basis = 'source' AND relationship_type IN ({', '.join(['%s'] * len(kinds))})"
        f"{only}",
        kinds,
    )
    return cur.fetchall()


def _mark_disputes(cur, persons: str | None = None) -> int:
    """Mark every statement that another statement about the same two persons (from any
    source, or worked out) contradicts, and unmark any no longer contradicted; households
    are left alone (living together contradicts nothing). `persons`: a temporary table
    of persons; only statements to or from them. How many are marked."""
    t = FamilyLink._meta.db_table
    select = "SELECT id, person_id, related_person_id, relationship_type, disputed "
    if persons is None:
        cur.execute(f"{select} FROM {t} WHERE basis <> 'household'")
    else:
        cur.execute(select + _touching(persons, "source", "derived"))
    said: dict[tuple[str, str], list[tuple[int, str, bool]]] = defaultdict(list)
    for pk, person, related, rtype, flag in cur.fetchall():
        said[(person, related)].append((pk, rtype, flag))
    mark: dict[bool, list[int]] = {True: [], False: []}
    marked = 0
    for statements in said.values():
        for pk, rtype, flag in statements:
            disputed = any(not compatible(rtype, other) for _pk, other, _f in statements)
            marked += disputed
            if disputed != bool(flag):
                mark[disputed].append(pk)
    del said
    for value, ids in mark.items():
        for i in range(0, len(ids), 5000):
            batch = ids[i : i + 5000]
            cur.execute(
                f"UPDATE {t} SET disputed = %s WHERE id IN ({', '.join(['%s'] * len(batch))})",  # noqa: S608
                [value, *batch],
            )
    return marked


_EPOCH = datetime(1900, 1, 1, tzinfo=UTC)


# ---- reading addresses -------------------------------------------------------------------


class _Record(NamedTuple):
    person: str
    probability: float
    authority: int
    keys: tuple[str, ...]  # "u:<uprn>", "a:<address key>"
    start: date | None
    end: date | None


def _records(cur, persons: str | None = None) -> tuple[list[_Record], set[str], int]:
    """Every linked record with an address: its person, how sure, its address keys and
    dates; the persons who are shielded (any record restricted); how many persons.
    `persons`: a temporary table of persons; only their records."""
    t = _tables()
    cur.execute(
        f"SELECT l.person_id, l.match_probability, s.authority_id, r.restricted, r.uprn, "  # noqa: S608
        f"r.address_line1, r.address_line2, r.postcode, r.address_from, r.ended_at "
        f"FROM {t['linked']} l JOIN {t['record']} r ON r.id = l.person_record_id "
        f"JOIN {t['source']} s ON s.id = r.source_id"
        + (f" WHERE l.person_id IN (SELECT id FROM {persons})" if persons else "")  # noqa: S608
    )
    records: list[_Record] = []
    shielded: set[str] = set()
    persons: set[str] = set()
    # Household members share addresses: each written form is normalised once.
    known: dict[tuple[str, str, str, str], tuple[str, ...]] = {}
    for pid, p, auth, restricted, uprn, line1, line2, postcode, since, ended in cur:
        persons.add(pid)
        if restricted:
            shielded.add(pid)
        written = (uprn, line1, line2, postcode)
        keys = known.get(written)
        if keys is None:
            keys = known[written] = address_keys(uprn, line1, line2, postcode)
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
    # A pair may be step-siblings through more than one step-parent: the surest counts,
    # whatever order the statements came in.
    step_pairs: dict[tuple[str, str], float] = {}
    for child, steps in step_parents.items():
        for step in steps:
            kids = children.get(step, ())
            if len(kids) > rules.max_children_per_parent:
                continue
            for other in kids:
                if other == child or parents[child].keys() & parents[other].keys():
                    continue
                pair = (min(child, other), max(child, other))
                sure = min(steps[step], parents[other][step])
                step_pairs[pair] = max(sure, step_pairs.get(pair, 0.0))
    for (a, b), sure in sorted(step_pairs.items()):
        add(a, b, "step_sibling", "a step-parent's child", sure)
    return rows


class _Crowded(NamedTuple):
    """An address too crowded to be a household, and who was recorded there."""

    authority: int
    key: str
    persons: list[str]


def _households(
    records: list[_Record], shielded: set[str], rules: BuildRules
) -> tuple[list[Row], list[_Crowded]]:
    """Household links between persons at the same address at overlapping times; and
    the addresses too crowded to be a household."""
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
    pairs: dict[tuple[str, str], tuple[tuple, Row]] = {}
    crowded: list[_Crowded] = []
    for (auth, key), people in at.items():
        if len(people) < 2:
            continue
        if len(people) > 4 * cap:
            crowded.append(_Crowded(auth, key, sorted(people)))
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
            crowded.append(_Crowded(auth, key, sorted(people)))
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
                # The surest stay; on a tie the latest: whatever order records came in.
                rank = (c, hi, lo, key)
                kept = pairs.get((x, y))
                if kept is None or rank > kept[0]:
                    pairs[(x, y)] = (rank, row)
    return [row for _, row in pairs.values()], crowded


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


def build_families(
    progress: Progress | None = None,
    *,
    changed: Iterable[str] | None = None,
    run: int | None = None,
) -> FamilyBuild:
    """Build family links from the person index, in one transaction.

    `changed` None: rebuild every link. Otherwise the persons whose records changed (new,
    moved between persons, changed): only the links they can have changed are rebuilt,
    together with those of records any import since the last build created, changed or
    ended. The result is the same as a full build's; it is one when there has been no
    build yet, the building rules have changed since the last, or a link run (other than
    `run`, the one whose changes these are) changed the index since the last build without
    one after it (its families never updated: the run was stopped before)."""
    say = progress or (lambda message: log.info("%s", message))
    started_at = timezone.now()
    started = time.monotonic()
    rules = build_rules()
    counts = _Counts()
    with transaction.atomic(), connection.cursor() as cur, _scopes(cur) as scope:
        # Hold the index still while reading it and writing its families.
        lock_index()
        last = FamilyBuild.objects.order_by("-started_at", "-id").first()
        newest_run = LinkRun.objects.order_by("-id").values_list("id", flat=True).first() or 0
        imports_to, imports_running = _imports_seen()
        full = (
            changed is None
            or last is None
            or last.rules_digest != rules.digest
            or last.link_run_to is None
            or LinkRun.objects.filter(id__gt=last.link_run_to).exclude(id=run).exists()
        )
        if full:
            _plan_for_everyone(cur)
            _rebuild(cur, rules, EVERYONE, counts, say, scope)
        else:
            _plan_for_a_few(cur)
            say("Finding who changed")
            _rebuild(
                cur, rules, set(changed) | _changed_by_imports(cur, last, scope), counts, say, scope
            )
        result = FamilyBuild.objects.create(
            started_at=started_at,
            mode=FamilyBuild.Mode.FULL if full else FamilyBuild.Mode.UPDATE,
            rules_digest=rules.digest,
            link_run_to=newest_run,
            imports_to=imports_to,
            imports_running=imports_running,
            seconds=round(time.monotonic() - started, 3),
            **counts.__dict__,
        )
    if full and connection.vendor == "postgresql":
        # Every row is new: let the planner know before the first family view reads them.
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {FamilyLink._meta.db_table}")
    return result


# ---- one build: the links of the changed persons, every person for a full build --------

# Every person changed: each step reads and writes its kind of link whole, instead of
# joining a table of every person (which cost three times as long: docs/families.md,
# "One path").
EVERYONE = None
Persons = set[str] | None  # some persons, or EVERYONE
Scope = Callable[..., str | None]  # makes a temporary table of ids for the statements to join

_PARENT_WORDS = tuple(sorted(PARENTS | {"step_parent"}))
_CHILD_WORDS = ("child", "step_child")


class _Kin(NamedTuple):
    parents: set[str]
    children: set[str]


def _rebuild(
    cur, rules: BuildRules, changed: Persons, counts: _Counts, say: Progress, scope: Scope
) -> None:
    """Rebuild every link the changed persons can have changed (see the module's notes):
    the sources' relationships of the changed persons, the worked-out siblings of their
    families, and the households at every address they are recorded at. A full build is
    the one in which every person changed."""
    if changed == set():
        return
    table = FamilyLink._meta.db_table
    of = scope("fv_changed", changed)
    kin_before = _kin(cur, of)

    who = "persons" if changed is EVERYONE else f"{len(changed):,} changed persons"
    say(f"Mapping the sources' relationships onto {who}")
    _delete_touching(cur, "source", of)
    _insert_stated_links(cur, rules, _records_of(cur, of, scope))
    counts.source_links = _count_touching(cur, "source", of)

    say("Working out siblings")
    family = _families_of(cur, changed, kin_before, scope)
    within = scope("fv_family", family)
    statements = _family_statements(cur, _siblings_of(cur, family, scope))
    derived = [row for row in _derived_siblings(statements, rules) if _touches(row, family)]
    _delete_touching(cur, "derived", within)
    insert_rows(cur, table, COLUMNS, derived)
    counts.derived_links = len(derived)

    say("Marking where sources disagree")
    counts.disputed_links = _mark_disputes(cur, within)

    say("Finding households")
    housemates, addresses = _housemates_of(cur, changed, scope)
    at_home = scope("fv_housemates", housemates)
    neighbours, addresses = _neighbours_of(cur, housemates, at_home, addresses, scope)
    records, shielded, persons = _records(cur, scope("fv_neighbours", neighbours))
    households, crowded = _households(records, shielded, rules)
    del records
    households = [row for row in households if _touches(row, housemates)]
    if addresses is not None:
        crowded = [c for c in crowded if (c.authority, c.key) in addresses]
    _delete_touching(cur, "household", at_home)
    insert_rows(cur, table, COLUMNS, households)
    _forget_crowded(addresses)
    _write_crowded(cur, crowded)
    counts.household_links = len(households)
    counts.crowded_addresses = len(crowded)
    counts.persons = persons if changed is EVERYONE else len(family | housemates)


def _touches(row: Row, persons: Persons) -> bool:
    return persons is EVERYONE or row.person in persons or row.related in persons


def _records_of(cur, persons: str | None, scope: Scope) -> str | None:
    """A temporary table of these persons' records (a temporary table; None: every
    person's)."""
    if persons is EVERYONE:
        return None
    records = scope("fv_changed_records", (), "bigint")
    cur.execute(
        f"INSERT INTO {records} (id) SELECT person_record_id "  # noqa: S608
        f"FROM {LinkedRecord._meta.db_table} WHERE person_id IN (SELECT id FROM {persons})"
    )
    if connection.vendor == "postgresql":
        cur.execute(f"ANALYZE {records}")
    return records


def _families_of(cur, changed: Persons, kin_before: _Kin, scope: Scope) -> Persons:
    """Whose worked-out siblings are rebuilt: every child of a parent the changed persons
    are or have (had), before the sources' relationships were mapped again and after."""
    if changed is EVERYONE:
        return EVERYONE
    kin_after = _kin(cur, "fv_changed")
    parents = kin_before.parents | kin_after.parents
    children_of_parents = _kin(cur, scope("fv_parents", parents - changed)).children
    return changed | kin_before.children | kin_after.children | children_of_parents


def _siblings_of(cur, family: Persons, scope: Scope) -> str | None:
    """The persons whose statements work out the family's siblings, complete: everyone
    their parents had, and those children's parents (a temporary table; None: everyone)."""
    if family is EVERYONE:
        return None
    parents_of_family = _kin(cur, "fv_family").parents
    all_children = _kin(cur, scope("fv_their_parents", parents_of_family)).children
    return scope("fv_siblings", family | all_children)


def _housemates_of(
    cur, changed: Persons, scope: Scope
) -> tuple[Persons, set[tuple[int, str]] | None]:
    """Everyone recorded at an address a changed person is recorded at (or was one too
    many at), and those addresses ((authority, address key)); EVERYONE everywhere for a
    full build."""
    if changed is EVERYONE:
        return EVERYONE, None
    mine, _, _ = _records(cur, "fv_changed")
    # (Where a changed person was one too many, the others may be a household now.)
    cur.execute(
        f"SELECT authority_id, key FROM {CrowdedAddress._meta.db_table} "  # noqa: S608
        f"WHERE person_id IN (SELECT id FROM fv_changed)"
    )
    addresses = {(r.authority, k) for r in mine for k in r.keys} | set(cur.fetchall())
    # A person merged away, or no longer recorded anywhere, loses the households it had.
    return _persons_at(cur, addresses, scope) | changed, addresses


def _neighbours_of(
    cur,
    housemates: Persons,
    at_home: str | None,
    addresses: set[tuple[int, str]] | None,
    scope: Scope,
) -> tuple[Persons, set[tuple[int, str]] | None]:
    """For each pair of housemates (`at_home`, their temporary table), everyone at any
    address either has lived at, and those addresses with `addresses`: whether each is
    crowded is known afresh."""
    if housemates is EVERYONE:
        return EVERYONE, None
    theirs, _, _ = _records(cur, at_home)
    complete = {(r.authority, k) for r in theirs for k in r.keys} | addresses
    return _persons_at(cur, complete, scope) | housemates, complete


def _kin(cur, persons: str | None) -> _Kin | None:
    """The parents and step-parents, and the children and step-children, that sources
    recorded of these persons (a temporary table); None for every person (not needed)."""
    if persons is EVERYONE:
        return None
    words = _PARENT_WORDS + _CHILD_WORDS
    cur.execute(
        f"SELECT related_person_id, relationship_type FROM {FamilyLink._meta.db_table} "  # noqa: S608
        f"WHERE basis = 'source' AND relationship_type IN ({', '.join(['%s'] * len(words))}) "
        f"AND person_id IN (SELECT id FROM {persons})",
        words,
    )
    kin = _Kin(set(), set())
    for related, rtype in cur.fetchall():
        (kin.children if rtype in _CHILD_WORDS else kin.parents).add(related)
    return kin


def _plan_for_everyone(cur) -> None:
    """Tell PostgreSQL's planner what the index and the sources hold now."""
    if connection.vendor != "postgresql":
        return
    # The index and the sources may have just changed wholesale (a first link, a large
    # import): without fresh statistics the planner takes the tables for nearly empty and
    # the mapping ran for minutes instead of seconds (a 379,400-record authority, before
    # autovacuum had been round).
    t = _tables()
    for name in ("rel", "linked", "record"):
        cur.execute(f"ANALYZE {t[name]}")


def _plan_for_a_few(cur) -> None:
    """Tell PostgreSQL's planner that a few persons' links are index look-ups."""
    if connection.vendor != "postgresql":
        return
    # A few thousand persons' links are a few thousand index look-ups: tell the planner
    # that random reads cost what they do on solid-state disks, or it reads whole tables
    # instead (0.5 s a statement at 1,000,000 records, not 0.05 s).
    cur.execute("SET LOCAL random_page_cost = 1.1")


@contextmanager
def _scopes(cur) -> Iterator[Scope]:
    """`scope(name, ids)`: a temporary table `name` of these ids for the statements of a
    build to join, or None for EVERYONE; every one is dropped at the end."""
    made: list[str] = []

    def scope(name: str, ids: Iterable | None, kind: str = "varchar(20)") -> str | None:
        if ids is EVERYONE:
            return None
        _temporary(cur, name, ids, kind)
        made.append(name)
        return name

    try:
        yield scope
    finally:
        for name in made:
            cur.execute(f"DROP TABLE IF EXISTS {_temp(name)}")


def _write_crowded(cur, crowded: list[_Crowded]) -> None:
    insert_rows(
        cur,
        CrowdedAddress._meta.db_table,
        ("authority_id", "key", "person_id"),
        [(c.authority, c.key, person) for c in crowded for person in c.persons],
    )


def _forget_crowded(addresses: set[tuple[int, str]] | None) -> None:
    """Forget who was crowded at these addresses (None: everywhere)."""
    if addresses is None:
        CrowdedAddress.objects.all().delete()
        return
    known = CrowdedAddress.objects.values_list("pk", "authority_id", "key")
    gone = [pk for pk, authority, key in known.iterator() if (authority, key) in addresses]
    for i in range(0, len(gone), 5000):
        CrowdedAddress.objects.filter(pk__in=gone[i : i + 5000]).delete()


def _temp(name: str) -> str:
    return name if connection.vendor == "postgresql" else f"temp.{name}"


def _temporary(cur, name: str, ids: Iterable, kind: str) -> None:
    """A temporary table `name` of these ids, for the statements of an update to join."""
    cur.execute(f"DROP TABLE IF EXISTS {_temp(name)}")
    cur.execute(f"CREATE TEMP TABLE {name} (id {kind} PRIMARY KEY)")
    insert_rows(cur, name, ("id",), [(i,) for i in set(ids)])
    if connection.vendor == "postgresql":
        cur.execute(f"ANALYZE {name}")


def _touching(persons: str | None, *bases: str) -> str:
    """The links of these bases to or from these persons (a temporary table; None: every
    person's)."""
    t = FamilyLink._meta.db_table
    of = ", ".join(f"'{b}'" for b in bases)  # our own words, never input
    if persons is None:
        return f"FROM {t} WHERE basis IN ({of})"
    # Links are written both ways round: the other way round of the persons' own links
    # are the links to them, found by the index on person without one on related person.
    return (
        f"FROM {t} WHERE id IN ("  # noqa: S608
        f"SELECT l.id FROM {persons} p JOIN {t} l ON l.person_id = p.id "
        f"WHERE l.basis IN ({of}) "
        f"UNION SELECT r.id FROM {persons} p JOIN {t} l ON l.person_id = p.id "
        f"JOIN {t} r ON r.person_id = l.related_person_id AND r.related_person_id = p.id "
        f"WHERE l.basis IN ({of}) AND r.basis IN ({of}))"
    )


def _delete_touching(cur, basis: str, persons: str | None) -> None:
    cur.execute(f"DELETE {_touching(persons, basis)}")


def _count_touching(cur, basis: str, persons: str | None) -> int:
    cur.execute(f"SELECT COUNT(*) {_touching(persons, basis)}")
    return cur.fetchone()[0]


def _imports_seen() -> tuple[int, list[int]]:
    """What a build sees of the imports: the newest import's id, and the imports still
    under way (their rows are not there to see yet)."""
    newest = ExtractImport.objects.order_by("-id").values_list("id", flat=True).first() or 0
    running = ExtractImport.objects.filter(finished_at__isnull=True)
    return newest, sorted(running.values_list("id", flat=True))


def _changed_by_imports(cur, last: FamilyBuild, scope) -> set[str]:
    """The persons of records, and of relationships, that an import the last build did
    not see whole created, changed or ended: a newer one, or one then under way."""
    if last.imports_to is None:  # a build from before builds kept what they saw
        imports = ExtractImport.objects.filter(
            Q(finished_at__isnull=True) | Q(finished_at__gte=last.started_at)
        )
    else:
        imports = ExtractImport.objects.filter(
            Q(id__gt=last.imports_to) | Q(id__in=last.imports_running)
        )
    found = list(imports.values_list("id", "source_id"))
    if not found:
        return set()
    scope("fv_imports", {i for i, _ in found}, "bigint")
    t = _tables()
    # Only those sources' rows are read (by the indexes on source).
    sources = ", ".join(str(int(s)) for s in sorted({s for _, s in found}))
    # Column and table names of our own, source ids that are integers: no input.
    by = (
        f"x.source_id IN ({sources}) AND ("  # noqa: S608
        + " OR ".join(
            f"x.{c}_by_import_id IN (SELECT id FROM fv_imports)"  # noqa: S608
            for c in ("created", "changed", "ended")
        )
        + ")"
    )
    cur.execute(
        f"SELECT l.person_id FROM {t['record']} x JOIN {t['linked']} l "  # noqa: S608
        f"ON l.person_record_id = x.id WHERE {by} "
        f"UNION SELECT l.person_id FROM {t['rel']} x JOIN {t['linked']} l "
        f"ON l.person_record_id = x.person_record_id WHERE {by} "
        f"UNION SELECT l.person_id FROM {t['rel']} x JOIN {t['linked']} l "
        f"ON l.person_record_id = x.related_record_id WHERE {by}"
    )
    return {pid for (pid,) in cur.fetchall()}


def _as_written(key: str) -> set[str]:
    """The postcodes an address key's ("words|SK13XE") may be written as in a record, the
    key holding it without spaces: a UK postcode one way (SK1 3XE); another country's as
    the source wrote it, with single spaces anywhere or none ('1012AB', '1012 AB')."""
    code = key.rsplit("|", 1)[1]
    if is_uk_postcode(code):
        return {f"{code[:-3]} {code[-3:]}"}
    return {
        "".join(c + gap for c, gap in zip(code, (*gaps, ""), strict=True))
        for gaps in product(("", " "), repeat=len(code) - 1)
    }


def _persons_at(cur, keys: set[tuple[int, str]], scope) -> set[str]:
    """Every person with a record at one of these addresses ((authority, address key))."""
    uprns = {k[2:] for _, k in keys if k.startswith("u:")}
    postcodes = {form for _, k in keys if k.startswith("a:") for form in _as_written(k)}
    scope("fv_uprns", uprns, "varchar(12)")
    scope("fv_postcodes", postcodes, "varchar(16)")
    t = _tables()
    at = (
        f"SELECT l.person_id, s.authority_id, r.uprn, r.address_line1, r.address_line2, "  # noqa: S608
        f"r.postcode FROM {{}} x JOIN {t['record']} r ON r.{{}} = x.id "
        f"JOIN {t['linked']} l ON l.person_record_id = r.id "
        f"JOIN {t['source']} s ON s.id = r.source_id"
    )
    cur.execute(f"{at.format('fv_uprns', 'uprn')} UNION {at.format('fv_postcodes', 'postcode')}")
    found: set[str] = set()
    for pid, authority, uprn, line1, line2, postcode in cur.fetchall():
        if any((authority, key) in keys for key in address_keys(uprn, line1, line2, postcode)):
            found.add(pid)
    return found
