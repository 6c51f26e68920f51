"""Finding a person: by name (typos, nicknames, hyphens and accents forgiven), date of
birth (full or year), postcode, NHS number or a source system's identifier.

Candidates come from indexed look-ups on SearchEntry (trigram indexes on PostgreSQL, a
sound-alike key everywhere); each candidate record is then scored for how well it fits
and records are gathered into persons, best first.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from familyview.identity.features import canonical_given, plain, postcode_key, surname_history
from familyview.identity.models import LinkedRecord, SearchEntry
from familyview.identity.rules import jaro_winkler
from familyview.sources.loading import insert_rows
from familyview.sources.models import PersonRecord

CANDIDATES = 2000
_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556", "aeiouyhw")


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
    """What a worker typed: any of these may be empty."""

    name: str = ""
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    postcode: str = ""
    nhs_number: str = ""
    source_record_id: str = ""

    @property
    def given(self) -> str:
        parts = self.name.split()
        return plain(parts[0]) if len(parts) > 1 else ""

    @property
    def family(self) -> str:
        parts = self.name.split()
        return plain(parts[-1]) if parts else ""

    def is_empty(self) -> bool:
        return not (
            self.name.strip()
            or self.birth_year
            or self.postcode.strip()
            or re.sub(r"\D", "", self.nhs_number)
            or self.source_record_id.strip()
        )


@dataclass
class PersonMatch:
    """A person the search found, how well they fit, and why."""

    person_id: str
    score: float
    record_ids: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _candidates(query: PersonQuery, authority_ids: list[int]) -> list[int]:
    """Records worth scoring: the closest look-ups first, so that a common surname cannot
    crowd the right person out of the candidates."""
    mine = Q(person_record__source__authority_id__in=authority_ids)
    tiers: list[Q] = []
    nhs = re.sub(r"\D", "", query.nhs_number)
    if nhs:
        tiers.append(Q(nhs_number=nhs))
    if query.source_record_id.strip():
        tiers.append(Q(source_record_id=query.source_record_id.strip()))
    family, given = query.family, query.given
    if family:
        surname = Q(family=family) | Q(surnames__contains=f" {family} ")
        narrower = Q()
        if given:
            narrower |= Q(given_canonical=canonical_given(given)) | Q(given=given)
        if query.birth_year:
            narrower |= Q(birth_year=query.birth_year)
        if narrower:
            tiers.append(surname & narrower)
        broad = surname | Q(family_sound=soundex(family))
        if given:
            broad |= Q(given_canonical=canonical_given(given), family_sound__startswith=family[0])
        else:
            # One word: it may be a given name.
            broad |= Q(given=family) | Q(given_canonical=canonical_given(family))
        tiers.append(broad)
    else:
        if query.postcode.strip():
            tiers.append(Q(postcode=postcode_key(query.postcode)))
        if query.birth_year:
            dob = Q(birth_year=query.birth_year)
            if query.birth_month:
                dob &= Q(birth_month=query.birth_month)
            if query.birth_day:
                dob &= Q(birth_day=query.birth_day)
            tiers.append(dob)
    found: dict[int, None] = {}
    for tier in tiers:
        if len(found) >= CANDIDATES:
            break
        rows = SearchEntry.objects.filter(tier & mine).values_list("pk", flat=True)
        found.update(dict.fromkeys(rows[: CANDIDATES - len(found)]))
    if family and connection.vendor == "postgresql" and len(found) < CANDIDATES:
        # Trigrams catch typos the sound-alike key misses (a wrong first letter).
        with connection.cursor() as cur:
            cur.execute(
                "SELECT e.person_record_id FROM identity_searchentry e "
                "JOIN sources_personrecord r ON r.id = e.person_record_id "
                "JOIN sources_source s ON s.id = r.source_id "
                "WHERE e.family %% %s AND s.authority_id = ANY(%s) "
                "ORDER BY similarity(e.family, %s) DESC LIMIT %s",
                [family, list(authority_ids), family, CANDIDATES - len(found)],
            )
            found.update(dict.fromkeys(r[0] for r in cur.fetchall()))
    return list(found)


def _score(query: PersonQuery, e: dict) -> tuple[float, list[str]]:
    """How well one record fits the query (higher is better), and the words for why."""
    points: list[tuple[float, str]] = []
    nhs = re.sub(r"\D", "", query.nhs_number)
    if nhs and e["nhs_number"] == nhs:
        points.append((10, "NHS number"))
    if query.source_record_id.strip() and e["source_record_id"] == query.source_record_id.strip():
        points.append((10, "source system identifier"))
    family, given = query.family, query.given
    if family:
        points.append(_family_points(family, given, e))
    if given:
        points.append(_given_points(given, e))
    if query.birth_year and e["birth_year"]:
        points.append(_birth_points(query, e))
    if query.postcode.strip():
        wanted = postcode_key(query.postcode) or ""
        if e["postcode"] == wanted:
            points.append((2, "postcode"))
        elif e["postcode"] and e["postcode"][:-3] == wanted[:-3]:
            points.append((0.5, "postcode district"))
    return sum(p for p, _ in points), [why for p, why in points if why and p > 0]


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


def _given_points(given: str, e: dict) -> tuple[float, str]:
    if e["given"] == given:
        return 3, "given name"
    if e["given_canonical"] and e["given_canonical"] == canonical_given(given):
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
    ids = set(_candidates(query, list(authority_ids)))
    if not ids:
        return []
    entries = SearchEntry.objects.filter(pk__in=ids).values()
    person_of = dict(
        LinkedRecord.objects.filter(person_record_id__in=ids).values_list(
            "person_record_id", "person_id"
        )
    )
    best: dict[str, PersonMatch] = {}
    records: dict[str, list[int]] = defaultdict(list)
    for e in entries:
        pid = person_of.get(e["person_record_id"])
        if pid is None:
            continue
        records[pid].append(e["person_record_id"])
        score, why = _score(query, e)
        if pid not in best or score > best[pid].score:
            best[pid] = PersonMatch(pid, score, reasons=why)
    matches = sorted(best.values(), key=lambda m: (-m.score, m.person_id))
    floor = 3.0 if query.name.strip() else 1.0
    for m in matches:
        m.record_ids = sorted(records[m.person_id])
    return [m for m in matches if m.score >= floor][:limit]


def refresh_search_entries() -> int:
    """Rebuild the search entries of records that are new or changed. Returns how many."""
    entries, people = SearchEntry._meta.db_table, PersonRecord._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT r.id, r.given_name, r.family_name, r.previous_names, r.birth_year, "  # noqa: S608
            f"r.birth_month, r.birth_day, r.postcode, r.nhs_number, r.source_record_id, "
            f"r.row_hash FROM {people} r LEFT JOIN {entries} e ON e.person_record_id = r.id "
            f"WHERE e.person_record_id IS NULL OR e.row_hash <> r.row_hash"
        )
        stale = cur.fetchall()
        if not stale:
            return 0
        cur.execute(
            f"DELETE FROM {entries} WHERE person_record_id IN ("  # noqa: S608
            f"SELECT e.person_record_id FROM {entries} e JOIN {people} r "
            f"ON r.id = e.person_record_id WHERE e.row_hash <> r.row_hash)"
        )
        rows = []
        for rid, given, family, previous, year, month, day, postcode, nhs, sid, row_hash in stale:
            family_plain = plain(family)
            parts = surname_history(family, previous) or []
            rows.append(
                (
                    rid,
                    plain(given)[:100],
                    canonical_given(given)[:100],
                    family_plain[:100],
                    soundex(family_plain),
                    f" {' '.join(parts)} "[:300] if parts else "",
                    year,
                    month,
                    day,
                    postcode_key(postcode) or "",
                    nhs,
                    sid,
                    row_hash,
                )
            )
        insert_rows(
            cur,
            entries,
            (
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
                "row_hash",
            ),
            rows,
        )
    return len(rows)
