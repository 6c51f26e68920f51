"""A person as their records show them: the one account that the search results, the
family view and the API give of a person, read in two queries for any number of persons.

A person's records disagree (one source has a familiar name, another only a year of
birth, a third an old address), and every page and endpoint must choose the same way.
The choices are made here and nowhere else:

- Records a source still holds speak for the person; ended records only when none does.
- The name is the given and family name together that most records give (never one
  record's given name with another's family name); as many each, the newest import's.
- The date of birth: the year most records give, then, of the records giving that year,
  the month most give, then the day the same way. A record giving only a year does not
  contradict a month or a day, so "2016", "2016" and "2016-03-09" make 9 March 2016.
  Where as many records give one as another, the later: a child is never taken for
  older than a record says.
- Sex as most records give it; as many each, the newest import's.
- The current address is the one recorded latest (its "address from", then the newest
  import), as fully as a record gives it: a record with only the postcode does not
  contradict one with the first line there. Only its street and postcode district are
  shown, and not even those for a shielded person (any record restricted) or for anyone
  living where a shielded person does, which would say where they are: at the address of
  any restricted record (one an import has just restricted too, before it is linked), or
  at any address of a shielded person asked for at the same time (the family view asks
  for the whole family). Other records of shielded people outside those asked for are
  not looked for: a postcode holds dozens of records, each needing its person looked up,
  where the restricted ones at it are one look-up in an index of their own.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from familyview.identity.addresses import address_keys, partial_address, postcode_key
from familyview.identity.features import surname_history
from familyview.identity.models import LinkedRecord, Person, SearchEntry
from familyview.involvements.display import AgeBounds
from familyview.sources.models import PersonRecord, Source
from familyview.words import date_words

# The source whose record identifier is the case management system's ("cmsId").
CASE_SYSTEM_CATEGORY = "childrens_social_care"
SEXES = ("female", "male", "other")
NO_NAME = "Name not recorded"
ADDRESS_WITHHELD = "Address withheld"
NO_ADDRESS = "No address recorded"
T = TypeVar("T")


@dataclass(frozen=True)
class DateOfBirth:
    """As much of a date of birth as is known: a year, a month of a year, or a day."""

    year: int | None
    month: int | None
    day: int | None

    @property
    def words(self) -> str:
        """'9 March 2016', 'March 2016', '2016'; '' when not known."""
        return date_words(self.year, self.month, self.day)

    @property
    def iso(self) -> str:
        """'2016-03-09', '2016-03', '2016'; '' when not known."""
        if not self.year:
            return ""
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
            if self.day:
                parts.append(f"{self.day:02d}")
        return "-".join(parts)

    @property
    def as_date(self) -> date | None:
        """The full date, when every part is known."""
        if not (self.year and self.month and self.day):
            return None
        try:
            return date(self.year, self.month, self.day)
        except ValueError:
            return None


@dataclass(frozen=True)
class PersonDetails:
    """One person as their records in the viewer's authorities show them."""

    person_id: str  # opaque, safe in URLs
    name: str  # given and family name, or "Name not recorded"
    given_name: str
    family_name: str
    date_of_birth: DateOfBirth
    ages: AgeBounds  # the youngest and oldest they can be on the day asked
    sex: str  # "female", "male", "other"; "" when not known
    # The current address's street and postcode district ("Mill Lane, SK4"); "" when
    # withheld or not known.
    partial_address: str
    shielded: bool  # a record of theirs is restricted (a refuge, an adoption)
    # No address is shown: they are shielded, or live where a shielded person does.
    address_withheld: bool
    # Every address their records give (ended ones too), as addresses are compared:
    # "u:<UPRN>", "a:<address key>" (identity/addresses.py).
    address_keys: frozenset[str]
    deceased: bool
    source_names: tuple[str, ...]  # the sources whose records speak for them, by name
    source_ids: tuple[int, ...]  # the same sources
    # The services those sources serve (service category codes, "gp"): what the front-line
    # pages name, in a worker's words, instead of the systems.
    service_categories: tuple[str, ...]
    case_system_id: str  # their children's social care record's identifier, "" if none
    records: int  # how many source records make up the person, ended ones too
    # How sure the index is of the least sure of their records (1.0 for one alone).
    least_sure: float
    authority_id: int  # the council whose records these are
    # Every surname part they have been recorded under, earlier names too ("hart",
    # "smith"): what the privacy alerts compare with the names of the staff looking.
    surnames: frozenset[str]

    @property
    def age(self) -> int | None:
        """The youngest they can be, in whole years; None with no year of birth."""
        return self.ages.youngest

    @property
    def age_words(self) -> str:
        """'9 years old', '1 year old', 'Under 1 year old' or 'Age not known'."""
        if self.age is None:
            return "Age not known"
        if self.age == 0:
            return "Under 1 year old"
        return f"{self.age} year old" if self.age == 1 else f"{self.age} years old"

    @property
    def address_words(self) -> str:
        """The partial address, or why there is none."""
        if self.address_withheld:
            return ADDRESS_WITHHELD
        return self.partial_address or NO_ADDRESS


_COLUMNS = (
    "link__person_id",
    "pk",
    "source_id",
    "source__name",
    "source__service_category",
    "source__authority_id",
    "source_record_id",
    "given_name",
    "family_name",
    "previous_names",
    "birth_year",
    "birth_month",
    "birth_day",
    "sex",
    "address_line1",
    "address_line2",
    "postcode",
    "uprn",
    "address_from",
    "date_of_death",
    "restricted",
    "ended_at",
    "changed_by_import_id",
    "link__match_probability",
)


@dataclass(frozen=True)
class _Record:
    """One of a person's records, as read (in _COLUMNS' order)."""

    person_id: str | None
    pk: int
    source_id: int
    source_name: str
    service_category: str
    authority_id: int
    source_record_id: str
    given_name: str
    family_name: str
    previous_names: str
    birth_year: int | None
    birth_month: int | None
    birth_day: int | None
    sex: str
    address_line1: str
    address_line2: str
    postcode: str
    uprn: str
    address_from: date | None
    date_of_death: date | None
    restricted: bool
    ended_at: datetime | None
    changed_by_import_id: int
    match_probability: float

    @property
    def keys(self) -> tuple[str, ...]:
        return address_keys(self.uprn, self.address_line1, self.address_line2, self.postcode)

    @property
    def recency(self) -> tuple[int, int]:
        """Later imports, then later records, say it last."""
        return (self.changed_by_import_id, self.pk)


def person_details(
    person_ids: Iterable[str], authority_ids: Iterable[int], today: date | None = None
) -> dict[str, PersonDetails]:
    """Each person as their records in these authorities show them (ages on `today`,
    default today), in two queries whatever their number: their records, then the
    restricted records at their addresses. A person with no record there, or merged into
    another, is left out (as if they did not exist)."""
    wanted, authorities = sorted(set(person_ids)), list(authority_ids)
    if not wanted:
        return {}
    today = today or timezone.localdate()
    records: dict[str, list[_Record]] = defaultdict(list)
    for row in _records_of(wanted, authorities):
        records[row[0]].append(_Record(*row))
    addresses = {pid: _current_address(_live(rs)) for pid, rs in records.items()}
    withheld = _living_where_shielded_people_do(records, addresses, authorities)
    return {
        pid: _details(pid, rs, addresses[pid], pid in withheld, today)
        for pid, rs in records.items()
    }


def _records_of(person_ids: list[str], authorities: list[int]) -> list[tuple]:
    """The persons' records in these authorities (none of a retired person), in _COLUMNS'
    order, oldest first. Written as SQL: every search result list and family view asks it,
    and the ORM cost more to build it than the database took to answer."""
    record, source = PersonRecord._meta.db_table, Source._meta.db_table
    link, person = LinkedRecord._meta.db_table, Person._meta.db_table
    columns = ", ".join(
        f"{'l' if column.startswith('link__') else 's' if column.startswith('source__') else 'r'}"
        f'."{_DATABASE_COLUMN.get(column, column)}"'
        for column in _COLUMNS
    )
    people, places = ", ".join(["%s"] * len(person_ids)), ", ".join(["%s"] * len(authorities))
    with connection.cursor() as cur:
        cur.execute(
            f'SELECT {columns} FROM "{record}" r '  # noqa: S608
            f'INNER JOIN "{link}" l ON r."id" = l."person_record_id" '
            f'INNER JOIN "{person}" p ON l."person_id" = p."id" '
            f'INNER JOIN "{source}" s ON r."source_id" = s."id" '
            f'WHERE p."retired_at" IS NULL AND l."person_id" IN ({people}) '
            f'AND s."authority_id" IN ({places}) ORDER BY r."id"',
            [*person_ids, *authorities],
        )
        rows = cur.fetchall()
    if connection.vendor != "sqlite":
        return rows
    # SQLite gives dates and times as text and booleans as numbers.
    return [
        (
            *row[:18],
            _date(row[18]),
            _date(row[19]),
            bool(row[20]),
            aware(row[21]),
            *row[22:],
        )
        for row in rows
    ]


# _COLUMNS' names as the tables' columns are named, where they differ.
_DATABASE_COLUMN = {
    "link__person_id": "person_id",
    "pk": "id",
    "source__name": "name",
    "source__service_category": "service_category",
    "source__authority_id": "authority_id",
    "link__match_probability": "match_probability",
}


def _date(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def aware(value: datetime | str | None) -> datetime | None:
    """A time as the database gave it (SQLite gives text, in UTC), aware."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _live(records: list[_Record]) -> list[_Record]:
    return [r for r in records if r.ended_at is None] or records


def _living_where_shielded_people_do(
    records: dict[str, list[_Record]],
    addresses: dict[str, _Record | None],
    authorities: list[int],
) -> set[str]:
    """The persons whose current address is the address of a restricted record (anyone's,
    linked to a person yet or not) or of any record of a shielded person among them."""
    places: dict[str, set[str | None]] = defaultdict(set)
    for pid, rs in records.items():
        if any(r.restricted for r in rs):
            for record in rs:
                for key in record.keys:
                    places[key].add(pid)
    current = [a for a in addresses.values() if a is not None]
    postcodes = {postcode_key(a.postcode) for a in current} - {None}
    uprns = {a.uprn for a in current if a.uprn.strip()}
    if postcodes or uprns:
        for owner, uprn, line1, line2, postcode in _restricted_at(
            sorted(postcodes), sorted(uprns), authorities
        ):
            for key in address_keys(uprn, line1, line2, postcode):
                places[key].add(owner)
    return {
        pid
        for pid, address in addresses.items()
        if address is not None and any(places.get(k, set()) - {pid} for k in address.keys)
    }


def _restricted_at(
    postcodes: list[str], uprns: list[str], authorities: list[int]
) -> list[tuple[str | None, str, str, str, str]]:
    """Where each restricted record at these postcodes (through SearchEntry's index of
    restricted records by postcode) or properties is: its person (None for a record not
    yet linked), UPRN, address lines and postcode. One query, written as SQL: every
    search result list and family view asks it, and the ORM's union of two querysets cost
    more to build than the database took to answer."""
    record, source = PersonRecord._meta.db_table, Source._meta.db_table
    entry, link = SearchEntry._meta.db_table, LinkedRecord._meta.db_table

    def marks(values: list) -> str:
        return ", ".join(["%s"] * len(values))

    place = (
        'SELECT l."person_id", r."uprn", r."address_line1", r."address_line2", r."postcode" '  # noqa: S608
        f'FROM "{record}" r INNER JOIN "{source}" s ON r."source_id" = s."id" '
    )
    mine = (
        f'LEFT OUTER JOIN "{link}" l ON r."id" = l."person_record_id" '
        f'WHERE s."authority_id" IN ({marks(authorities)})'
    )
    parts, params = [], []
    if postcodes:
        parts.append(
            f'{place}INNER JOIN "{entry}" e ON r."id" = e."person_record_id" {mine} '
            f'AND e."postcode" IN ({marks(postcodes)}) AND e."restricted"'
        )
        params += [*authorities, *postcodes]
    if uprns:
        parts.append(f'{place}{mine} AND r."restricted" AND r."uprn" IN ({marks(uprns)})')
        params += [*authorities, *uprns]
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), params)
        return cur.fetchall()


def _details(
    person_id: str,
    records: list[_Record],
    address: _Record | None,
    withheld_address: bool,
    today: date,
) -> PersonDetails:
    live = _live(records)
    given, family = _name(live)
    birth = _date_of_birth(live)
    shielded = any(r.restricted for r in records)
    withheld = shielded or withheld_address
    sources = {r.source_id: r.source_name for r in live}
    case_ids = sorted(
        r.source_record_id for r in live if r.service_category == CASE_SYSTEM_CATEGORY
    )
    return PersonDetails(
        person_id=person_id,
        name=" ".join(part for part in (given, family) if part) or NO_NAME,
        given_name=given,
        family_name=family,
        date_of_birth=birth,
        ages=AgeBounds.from_birth(birth.year, birth.month, birth.day, today),
        sex=_most_said((r.sex, r.recency) for r in live if r.sex in SEXES) or "",
        partial_address=""
        if withheld or address is None
        else partial_address(address.address_line1, address.postcode),
        shielded=shielded,
        address_withheld=withheld,
        address_keys=frozenset(key for r in records for key in r.keys),
        deceased=any(r.date_of_death for r in live),
        source_names=tuple(sorted(set(sources.values()))),
        source_ids=tuple(sorted(sources)),
        service_categories=tuple(sorted({r.service_category for r in live})),
        case_system_id=case_ids[0] if case_ids else "",
        records=len(records),
        least_sure=min(r.match_probability for r in records),
        authority_id=live[0].authority_id,
        surnames=frozenset(
            part for r in records for part in surname_history(r.family_name, r.previous_names) or ()
        ),
    )


def _most_said(said: Iterable[tuple[T, tuple[int, int]]]) -> T | None:
    """What most records say; as many each, what the latest of them said."""
    counts: Counter[T] = Counter()
    latest: dict[T, tuple[int, int]] = {}
    for value, recency in said:
        counts[value] += 1
        latest[value] = max(latest.get(value, recency), recency)
    return max(counts, key=lambda v: (counts[v], latest[v])) if counts else None


def _name(live: list[_Record]) -> tuple[str, str]:
    names = (
        ((r.given_name.strip(), r.family_name.strip()), r.recency)
        for r in live
        if r.given_name.strip() or r.family_name.strip()
    )
    return _most_said(names) or ("", "")


def _date_of_birth(live: list[_Record]) -> DateOfBirth:
    given = [(r.birth_year, r.birth_month, r.birth_day) for r in live if r.birth_year]
    year = _most_given(y for y, _, _ in given)
    month = _most_given(m for y, m, _ in given if y == year and m)
    day = _most_given(d for y, m, d in given if (y, m) == (year, month) and d) if month else None
    return DateOfBirth(year, month, day)


def _most_given(values: Iterable[int]) -> int | None:
    """The value most records give; as many each, the larger (the later date)."""
    counts = Counter(values)
    return max(counts, key=lambda v: (counts[v], v)) if counts else None


def _current_address(live: list[_Record]) -> _Record | None:
    addressed = [r for r in live if r.address_line1 or r.postcode]
    if not addressed:
        return None
    latest = max(addressed, key=_address_recency)
    if latest.address_line1:
        return latest
    # A record giving only the postcode does not contradict one giving the address there.
    fuller = [
        r
        for r in addressed
        if r.address_line1 and postcode_key(r.postcode) == postcode_key(latest.postcode)
    ]
    return max(fuller, key=_address_recency) if fuller else latest


def _address_recency(record: _Record) -> tuple:
    return (record.address_from or date.min, *record.recency)
