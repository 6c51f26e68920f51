"""Finding a person: by name (typos, nicknames, hyphens and accents forgiven), date of
birth (full or year), postcode, NHS number or a source system's identifier.

Candidates come from indexed look-ups on SearchEntry (trigram indexes on PostgreSQL, a
sound-alike key everywhere); each candidate record is then scored for how well it fits
and records are gathered into persons, best first. `find_people` gives them as their
records show them (identity/persons.py), as a result list shows them.
"""

import operator
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache, reduce

from django.db import connection

from familyview.identity.addresses import postcode_key
from familyview.identity.features import canonical_given, names_version, plain, surname_history
from familyview.identity.models import LinkedRecord, SearchEntry
from familyview.identity.persons import PersonDetails, person_details
from familyview.identity.rules import jaro_winkler
from familyview.sources.loading import insert_rows
from familyview.sources.models import PersonRecord, Source
from familyview.sources.validation import is_uk_postcode

CANDIDATES = 100
# A search that found fewer than this many records from its close look-ups also tries the
# broad ones (any year, a sound-alike surname alone, trigrams).
ENOUGH = 20
FIELDS = (
    "person_record_id",
    "given",
    "given_canonical",
    "family",
    "family_sound",
    "surnames",
    "birth_year",
    "birth_month",
    "birth_day",
    "postcode",
    "nhs_number",
    "source_record_id",
)
_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556", "aeiouyhw")


@lru_cache(maxsize=100_000)
def soundex(name: str) -> str:
    """The sound-alike key of a (plain) name: 'smith' and 'smyth' -> 's530'."""
    if not name:
        return ""
    digits = name.translate(_SOUNDEX)
    first = name[0].translate(_SOUNDEX) if name[0] not in "aeiouyhw" else ""
    collapsed = []
    for d in digits:
        if not collapsed or collapsed[-1] != d:
            collapsed.append(d)
    if first and collapsed and collapsed[0] == first:
        collapsed = collapsed[1:]
    return (name[0] + "".join(collapsed) + "000")[:4]


@dataclass(frozen=True)
class PersonQuery:
    """What a worker typed: any of these may be empty.

    The normalised forms below are worked out once per query (cached_property): the
    look-ups use them, and the scoring uses them again for every candidate record.
    """

    name: str = ""
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    postcode: str = ""
    nhs_number: str = ""
    source_record_id: str = ""

    @cached_property
    def given(self) -> str:
        parts = self.name.split()
        return plain(parts[0]) if len(parts) > 1 else ""

    @cached_property
    def given_canonical(self) -> str:
        return canonical_given(self.given)

    @cached_property
    def family(self) -> str:
        parts = self.name.split()
        return plain(parts[-1]) if parts else ""

    @cached_property
    def family_whole(self) -> str:
        """Every word after the given name as one surname ('Bonham Carter' ->
        'bonhamcarter', as a record of 'Bonham-Carter' keeps it); else the family name."""
        parts = self.name.split()
        return plain("".join(parts[1:])) if len(parts) > 2 else self.family

    @cached_property
    def family_sound(self) -> str:
        return soundex(self.family)

    @cached_property
    def nhs(self) -> str:
        """The NHS number's digits ("n/a" is none)."""
        return re.sub(r"\D", "", self.nhs_number)

    @cached_property
    def source_id(self) -> str:
        return self.source_record_id.strip()

    @cached_property
    def postcode_key(self) -> str:
        return postcode_key(self.postcode) or ""

    def is_empty(self) -> bool:
        return not (
            self.name.strip() or self.birth_year or self.postcode_key or self.nhs or self.source_id
        )


@dataclass
class PersonMatch:
    """A person the search found, how well they fit, and why."""

    person_id: str
    score: float
    record_ids: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


class _Sql:
    """A condition or a term of the search's SQL with its parameters. The search's query
    is written here, not with the ORM: building and compiling its dozen look-ups and the
    rough fit as Django expressions cost more than PostgreSQL took to answer it."""

    __slots__ = ("params", "sql")

    def __init__(self, sql: str, params: Iterable = ()) -> None:
        self.sql = sql
        self.params = list(params)

    def __and__(self, other: "_Sql") -> "_Sql":
        return _Sql(f"({self.sql} AND {other.sql})", self.params + other.params)

    def __or__(self, other: "_Sql") -> "_Sql":
        if self.sql == _NOTHING.sql:
            return other
        return _Sql(f"({self.sql} OR {other.sql})", self.params + other.params)


_NOTHING = _Sql("1 = 0")


_TABLE = f'"{SearchEntry._meta.db_table}"'
# The index of other surnames as words is on this expression: a query must spell it alike.
SURNAME_WORDS = f"string_to_array(btrim({_TABLE}.\"other_surnames\"), ' ')"


def _column(name: str) -> str:
    return f'{_TABLE}."{name}"'


def _text(name: str) -> str:
    """A column compared with LIKE (as Django writes it on PostgreSQL, cast to text)."""
    return _column(name) + ("::text" if connection.vendor == "postgresql" else "")


def _is(name: str, value: object) -> _Sql:
    return _Sql(f"{_column(name)} = %s", [value])


def _like(name: str, pattern: str) -> _Sql:
    return _Sql(f"{_text(name)} LIKE %s ESCAPE '\\'", [pattern])


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(name: str, value: str) -> _Sql:
    return _like(name, f"%{_escaped(value)}%")


def _starts(name: str, value: str) -> _Sql:
    return _like(name, f"{_escaped(value)}%")


def _has_surname(surname: str) -> _Sql:
    """A record with this surname among its other surnames (" smith jones "). On
    PostgreSQL the look-up goes first through the index of those surnames as words
    (identity/migrations/0017): a trigram index answered it from trigrams (" sm") that
    many records with other surnames hold."""
    part = _contains("other_surnames", f" {surname} ")
    if connection.vendor != "postgresql":
        return part
    words = _Sql(f"{SURNAME_WORDS} @> ARRAY[%s]::text[]", [surname])
    return words & part


def _in(name: str, values: Iterable) -> _Sql:
    values = list(values)
    if not values:
        return _NOTHING
    return _Sql(f"{_column(name)} IN ({', '.join(['%s'] * len(values))})", values)


def _close(query: PersonQuery) -> _Sql:
    """Look-ups that each find few records, every one served by an index: together, in one
    query, they hold the people a worker most likely means."""
    close = _NOTHING
    if query.nhs:
        close |= _is("nhs_number", query.nhs)
    if query.source_id:
        close |= _is("source_record_id", query.source_id)
    family, given, year = query.family, query.given, query.birth_year
    years = (
        _Sql(f"{_column('birth_year')} BETWEEN %s AND %s", [year - 1, year + 1]) if year else None
    )
    if family:
        sound, part = (
            _is("family_sound", query.family_sound),
            _has_surname(family),
        )
        known_as = _is("given_canonical", query.given_canonical)
        if given:
            # The surname, a sound-alike of it, or an earlier one, with the given name.
            close |= sound & known_as | part & known_as
            if query.family_whole != family:
                whole = _is("family", query.family_whole)
                close |= whole & (known_as | years) if years else whole
            if year:
                # A surname mistyped past sounding alike: the given name and the year.
                close |= known_as & _is("birth_year", year)
        else:
            # One word: a family name or a given name.
            one = _is("family", family) | part | _is("given_canonical", canonical_given(family))
            close |= one & years if years else one
        if query.postcode_key:
            close |= _is("postcode", query.postcode_key) & (sound | known_as if given else sound)
        if year:
            # The surname, or one that sounds like it, with the year: a given name spelt
            # another way. (With no given name, a year either side.)
            in_year = _is("birth_year", year) if given else years
            close |= sound & in_year | part & in_year
    else:
        if query.postcode_key:
            close |= _is("postcode", query.postcode_key)
        if year:
            dob = _is("birth_year", year)
            if query.birth_month:
                dob &= _is("birth_month", query.birth_month)
            if query.birth_day:
                dob &= _is("birth_day", query.birth_day)
            close |= dob
    return close


def _broad(query: PersonQuery) -> _Sql | None:
    """Look-ups for when the close ones found few: any year, the surname alone."""
    family = query.family
    if not family:
        return None
    broad = _is("family", family) | _is("family_sound", query.family_sound)
    if query.given:
        broad |= _is("given_canonical", query.given_canonical) & _starts("family_sound", family[0])
    return broad


def _case(*whens: tuple[_Sql, int]) -> _Sql:
    """CASE WHEN ... THEN points ... ELSE 0 END: the first condition that holds."""
    sql = " ".join(f"WHEN {when.sql} THEN {points:d}" for when, points in whens)
    return _Sql(f"CASE {sql} ELSE 0 END", [p for when, _ in whens for p in when.params])


def _rough(query: PersonQuery) -> _Sql:
    """A cheap fit worked out in the database, to keep the best candidates when a look-up
    finds more than are scored: roughly twice _score's points, in whole numbers."""
    terms = [_Sql("0")]
    family, given = query.family, query.given
    if query.nhs:
        terms.append(_case((_is("nhs_number", query.nhs), 20)))
    if query.source_id:
        terms.append(_case((_is("source_record_id", query.source_id), 20)))
    if family:
        starts = {family[:2], query.family_whole[:2]}
        terms.append(
            _case(
                (_in("family", sorted({family, query.family_whole})), 8),
                (_contains("other_surnames", f" {family} "), 7),
                (_is("family_sound", query.family_sound), 4),
                # A mistyped surname that still starts right: ahead of other namesakes.
                (reduce(operator.or_, (_starts("family", x) for x in sorted(starts))), 2),
                (_starts("family", family[:1]), 1),
            )
        )
    if given:
        terms.append(
            _case(
                (_is("given_canonical", query.given_canonical), 6),
                # A mistyped given name that still starts right: ahead of other namesakes.
                (_starts("given", given[:2]), 2),
            )
        )
    for value, column, points in (
        (query.birth_year, "birth_year", 4),
        (query.birth_month, "birth_month", 1),
        (query.birth_day, "birth_day", 1),
        (query.postcode_key, "postcode", 4),
    ):
        if value:
            terms.append(_case((_is(column, value), points)))
    return _Sql(" + ".join(t.sql for t in terms), [p for t in terms for p in t.params])


def _candidates(query: PersonQuery, authority_ids: list[int]) -> list[dict]:
    """Search entries worth scoring, each with the person it is linked to: the close
    look-ups first, the broad ones only when those found few, then (on PostgreSQL)
    trigrams, which catch a mistyped first letter. Each is one query on SearchEntry alone,
    best first by _rough; then one query finds the candidates' persons."""
    rough = _rough(query)
    order = [_Sql(f"({rough.sql}) DESC", rough.params)]
    postgres = connection.vendor == "postgresql"
    if query.family and postgres:
        # Among equals, the names spelt most like the ones typed.
        alike = _Sql(f"SIMILARITY({_column('family')}, %s)", [query.family_whole])
        if query.given:
            alike = _Sql(
                f"{alike.sql} + SIMILARITY({_column('given')}, %s)", [*alike.params, query.given]
            )
        order.append(_Sql(f"({alike.sql}) DESC", alike.params))
    order.append(_Sql(f"{_column('person_record_id')} ASC"))
    mine = _in("authority_id", authority_ids)
    columns = ", ".join(_column(name) for name in FIELDS)
    found: dict[int, dict] = {}

    def take(where: _Sql) -> None:
        if found:
            where = where & _Sql(f"NOT ({_in('person_record_id', found).sql})", list(found))
        where = mine & where
        sql = (
            f"SELECT {columns} FROM {_TABLE} WHERE {where.sql} "  # noqa: S608
            f"ORDER BY {', '.join(o.sql for o in order)} LIMIT %s"
        )
        params = [*where.params, *(p for o in order for p in o.params), CANDIDATES - len(found)]
        with connection.cursor() as cur:
            cur.execute(sql, params)
            for row in cur.fetchall():
                found.setdefault(row[0], dict(zip(FIELDS, row, strict=True)))

    take(_close(query))
    broad = _broad(query)
    if broad is not None and len(found) < ENOUGH:
        take(broad)
    family = query.family
    if family and postgres and len(found) < ENOUGH:
        take(_Sql(f"{_column('family')} %% %s", [family]))
    person_of = dict(
        LinkedRecord.objects.filter(person_record_id__in=list(found)).values_list(
            "person_record_id", "person_id"
        )
    )
    return [{**row, "person_id": person_of[rid]} for rid, row in found.items() if rid in person_of]


def _score(query: PersonQuery, e: dict) -> tuple[float, list[str]]:
    """How well one record fits the query (higher is better), and the words for why."""
    points: list[tuple[float, str]] = []
    if query.nhs and e["nhs_number"] == query.nhs:
        points.append((10, "NHS number"))
    if query.source_id and e["source_record_id"] == query.source_id:
        points.append((10, "source system identifier"))
    family, given = query.family, query.given
    if family:
        found = _family_points(family, given, e)
        if query.family_whole != family:
            found = max(found, _family_points(query.family_whole, given, e), key=lambda p: p[0])
        points.append(found)
    if given:
        points.append(_given_points(query, e))
    if query.birth_year and e["birth_year"]:
        points.append(_birth_points(query, e))
    if query.postcode_key:
        wanted = query.postcode_key
        if e["postcode"] == wanted:
            points.append((2, "postcode"))
        elif _same_district(e["postcode"], wanted):
            points.append((0.5, "postcode district"))
    return sum(p for p, _ in points), [why for p, why in points if why and p > 0]


def _same_district(a: str, b: str) -> bool:
    """Whether two UK postcodes (as keys, 'SK13XE') share a district (SK1). Another
    country's postcode agrees whole or not at all: its parts mean something else there."""
    return bool(a) and a[:-3] == b[:-3] and is_uk_postcode(a) and is_uk_postcode(b)


def _family_points(family: str, given: str, e: dict) -> tuple[float, str]:
    if e["family"] == family:
        return 4, "family name"
    if family in e["surnames"].split():
        return 3.5, "part of the family name"
    if e["family"] and jaro_winkler(e["family"], family) >= 0.88:
        return 3, "family name, spelt differently"
    if e["family_sound"] == soundex(family):
        return 2, "family name sounds the same"
    if not given and (e["given"] == family or e["given_canonical"] == canonical_given(family)):
        return 3, "given name"
    return 0, ""


def _given_points(query: PersonQuery, e: dict) -> tuple[float, str]:
    given = query.given
    if e["given"] == given:
        return 3, "given name"
    if e["given_canonical"] and e["given_canonical"] == query.given_canonical:
        return 2.5, "given name in another form"
    if e["given"] and jaro_winkler(e["given"], given) >= 0.85:
        return 2, "given name, spelt differently"
    if e["given"][:1] == given[:1]:
        return 0.5, ""
    return 0, ""


def _birth_points(query: PersonQuery, e: dict) -> tuple[float, str]:
    y, m, d = query.birth_year, query.birth_month, query.birth_day
    ey, em, ed = e["birth_year"], e["birth_month"], e["birth_day"]
    if d and (ey, em, ed) == (y, m, d):
        return 4, "date of birth"
    if d and (ey, em, ed) == (y, d, m):
        return 3, "date of birth, day and month swapped"
    if ey == y and (not m or not em or em == m):
        return 2, "year of birth"
    if abs(ey - y) <= 1:
        return 0.5, ""
    return -2, ""


def search_people(
    query: PersonQuery, authority_ids: list[int], limit: int = 20
) -> list[PersonMatch]:
    """The persons that fit a query best, within the given authorities."""
    if query.is_empty():
        return []
    best: dict[str, PersonMatch] = {}
    records: dict[str, list[int]] = defaultdict(list)
    for e in _candidates(query, list(authority_ids)):
        pid = e["person_id"]
        records[pid].append(e["person_record_id"])
        score, why = _score(query, e)
        if pid not in best or score > best[pid].score:
            best[pid] = PersonMatch(pid, score, reasons=why)
    matches = sorted(best.values(), key=lambda m: (-m.score, m.person_id))
    floor = 3.0 if query.name.strip() else 1.0
    for m in matches:
        m.record_ids = sorted(records[m.person_id])
    return [m for m in matches if m.score >= floor][:limit]


def find_people(
    query: PersonQuery, authority_ids: Iterable[int], limit: int = 20, today: date | None = None
) -> list[PersonDetails]:
    """The people who fit the search best, within these authorities, best first, as their
    records show them (identity/persons.py): what a result list shows of each."""
    ids = list(authority_ids)
    matches = search_people(query, ids, limit)
    found = person_details([m.person_id for m in matches], ids, today)
    return [found[m.person_id] for m in matches if m.person_id in found]


def refresh_search_entries(source_id: int | None = None, *, new_records: bool = True) -> int:
    """Rebuild the search entries of records that are new or changed (of one source, or
    of all). Returns how many.

    Each link run refreshes them all; each import refreshes its own source's, so that a
    record an import has just shielded withholds its housemates' addresses from search
    results at once, not from the next link run. An import leaves out its new records
    that are not shielded (`new_records=False`): search finds persons, and a record joins
    a person only in the next link run, which makes their entries."""
    entries, people = SearchEntry._meta.db_table, PersonRecord._meta.db_table
    one_source = "" if source_id is None else "AND r.source_id = %s"
    if not new_records:
        one_source += " AND (e.person_record_id IS NOT NULL OR r.restricted)"
    version = names_version()
    params = [version] + ([] if source_id is None else [source_id])
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT r.id, s.authority_id, r.given_name, r.family_name, r.previous_names, "  # noqa: S608
            f"r.birth_year, r.birth_month, r.birth_day, r.postcode, r.nhs_number, "
            f"r.source_record_id, r.restricted, r.row_hash FROM {people} r "
            f"JOIN {Source._meta.db_table} s ON s.id = r.source_id "
            f"LEFT JOIN {entries} e ON e.person_record_id = r.id "
            f"WHERE (e.person_record_id IS NULL OR e.row_hash <> r.row_hash "
            f"OR e.names_version <> %s) {one_source}",
            params,
        )
        stale = cur.fetchall()
        if not stale:
            return 0
        cur.execute(
            f"DELETE FROM {entries} WHERE person_record_id IN ("  # noqa: S608
            f"SELECT e.person_record_id FROM {entries} e JOIN {people} r "
            f"ON r.id = e.person_record_id WHERE (e.row_hash <> r.row_hash "
            f"OR e.names_version <> %s) {one_source})",
            params,
        )
        rows = []
        for row in stale:
            (
                rid,
                authority,
                given,
                family,
                previous,
                year,
                month,
                day,
                postcode,
                nhs,
                sid,
                restricted,
                row_hash,
            ) = row
            family_plain = plain(family)
            parts = surname_history(family, previous) or []
            surnames = f" {' '.join(parts)} "[:300] if parts else ""
            rows.append(
                (
                    rid,
                    authority,
                    plain(given)[:100],
                    canonical_given(given)[:100],
                    family_plain[:100],
                    soundex(family_plain),
                    surnames,
                    surnames if surnames.strip() != family_plain else "",
                    year,
                    month,
                    day,
                    postcode_key(postcode) or "",
                    nhs,
                    sid,
                    restricted,
                    row_hash,
                    version,
                )
            )
        insert_rows(
            cur,
            entries,
            (
                "person_record_id",
                "authority_id",
                "given",
                "given_canonical",
                "family",
                "family_sound",
                "surnames",
                "other_surnames",
                "birth_year",
                "birth_month",
                "birth_day",
                "postcode",
                "nhs_number",
                "source_record_id",
                "restricted",
                "row_hash",
                "names_version",
            ),
            rows,
        )
        if connection.vendor == "postgresql":
            _clean_pending_lists(cur)
    return len(rows)


def _clean_pending_lists(cur) -> None:
    """Move the entries just written into the search's GIN indexes' trees. PostgreSQL
    first keeps them in a list (up to gin_pending_list_limit, 4 MB) that every look-up
    through the index reads from end to end, until autovacuum next reaches the table: on
    an index of 190,955 records that list was most of a search's time in the database
    after a link run. Only the indexes' owner may: where the application's role is not
    (production, docs/deploying.md), autovacuum still does it."""
    cur.execute(
        "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
        "WHERE i.indrelid = %s::regclass AND a.amname = 'gin' "
        "AND pg_has_role(c.relowner, 'USAGE')",
        [SearchEntry._meta.db_table],
    )
