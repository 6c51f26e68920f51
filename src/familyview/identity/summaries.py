"""People as a search result shows them: enough to tell them apart, and no more.

A worker choosing the right child from a list needs the name, the age, roughly where they
live (the street and the postcode district, never the house number or full postcode) and
which services know them. Shielded people (a refuge, an adoption) show no address at all.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from familyview.identity.search import PersonQuery, search_people
from familyview.sources.models import PersonRecord

_FLAT = re.compile(r"^(flat|apartment|apt|unit|room)\s+\S+[,\s]*", re.IGNORECASE)
_NUMBER = re.compile(r"^\d+[a-z]?(-\d+[a-z]?)?[,\s]+", re.IGNORECASE)
ADDRESS_WITHHELD = "Address withheld"
NO_ADDRESS = "No address recorded"


@dataclass(frozen=True)
class PersonSummary:
    """One person as a list of people shows them."""

    person_id: str  # opaque, safe in URLs
    name: str
    age: int | None
    partial_address: str  # "Mill Lane, SK4"; "" when withheld or unknown
    shielded: bool
    deceased: bool
    source_names: tuple[str, ...]

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
        if self.shielded:
            return ADDRESS_WITHHELD
        return self.partial_address or NO_ADDRESS


def find_people(
    query: PersonQuery, authority_ids: Iterable[int], limit: int = 20, today: date | None = None
) -> list[PersonSummary]:
    """The people who fit the search best, within these authorities, best first."""
    ids = list(authority_ids)
    matches = search_people(query, ids, limit)
    summaries = person_summaries([m.person_id for m in matches], ids, today)
    return [summaries[m.person_id] for m in matches if m.person_id in summaries]


def person_summaries(
    person_ids: Iterable[str], authority_ids: Iterable[int], today: date | None = None
) -> dict[str, PersonSummary]:
    """Each person's summary from their records in these authorities, in one query.

    A person with no record there is left out (as if they did not exist).
    """
    wanted = list(person_ids)
    if not wanted:
        return {}
    today = today or timezone.localdate()
    rows = (
        PersonRecord.objects.filter(
            link__person_id__in=wanted,
            link__person__retired_at__isnull=True,
            source__authority_id__in=list(authority_ids),
        )
        .values_list(
            "link__person_id",
            "given_name",
            "family_name",
            "birth_year",
            "birth_month",
            "birth_day",
            "address_line1",
            "address_line2",
            "postcode",
            "address_from",
            "date_of_death",
            "restricted",
            "ended_at",
            "source__name",
        )
        .order_by("link__person_id", "pk")
    )
    by_person: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        by_person[row[0]].append(row)
    return {pid: _summary(pid, records, today) for pid, records in by_person.items()}


def _summary(person_id: str, records: list[tuple], today: date) -> PersonSummary:
    # Records the sources still hold speak for the person; ended ones only if none do.
    live = [r for r in records if r[12] is None] or records
    names = Counter(" ".join(p for p in (r[1], r[2]) if p) for r in live)
    names.pop("", None)
    births = Counter((r[3], r[4], r[5]) for r in live if r[3])
    shielded = any(r[11] for r in records)
    addressed = sorted(
        (r for r in live if r[8] or r[6]),
        key=lambda r: r[9] or date.min,
        reverse=True,
    )
    address = "" if shielded or not addressed else partial_address(*addressed[0][6:9])
    return PersonSummary(
        person_id=person_id,
        name=names.most_common(1)[0][0] if names else "Name not recorded",
        age=_age(_most_complete(births), today),
        partial_address=address,
        shielded=shielded,
        deceased=any(r[10] for r in live),
        source_names=tuple(sorted({r[13] for r in live})),
    )


def _most_complete(births: Counter) -> tuple | None:
    """The date of birth most records agree on, the most complete one first on a tie."""
    if not births:
        return None
    return max(births, key=lambda b: (births[b], b[1] is not None, b[2] is not None))


def _age(birth: tuple | None, today: date) -> int | None:
    if birth is None:
        return None
    year, month, day = birth
    if month and day:
        had_birthday = (today.month, today.day) >= (month, day)
        return max(today.year - year - (0 if had_birthday else 1), 0)
    # A year only: the age they are most of the year.
    return max(today.year - year - (1 if today.month < 7 else 0), 0)


def partial_address(line1: str, line2: str, postcode: str) -> str:
    """The street and the postcode district: '12 Mill Lane', 'SK4 1AA' -> 'Mill Lane, SK4'.

    Never the house or flat number, never the full postcode.
    """
    street = _street(line1, line2)
    compact = "".join(postcode.split()).upper()
    district = compact[:-3] if len(compact) > 4 else ""
    return ", ".join(p for p in (street, district) if p)


def _street(line1: str, line2: str) -> str:
    segments = [s.strip() for s in re.split(r"[,\n]", f"{line1}\n{line2}") if s.strip()]
    for segment in segments:
        rest = _FLAT.sub("", segment)
        numbered = _NUMBER.match(rest)
        if numbered:
            return rest[numbered.end() :].strip()
        if rest != segment or any(c.isdigit() for c in rest):
            # A flat in a named building, or something with a number in it: not a street.
            continue
        return rest
    return ""
