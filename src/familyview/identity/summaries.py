"""People as a search result shows them: enough to tell them apart, and no more.

A worker choosing the right child from a list needs the name, the age, roughly where they
live (the street and the postcode district, never the house number or full postcode) and
which services know them. Shielded people (a refuge, an adoption) show no address at all,
and nor does anyone recorded at a shielded person's address: it would say where they are.
The partial address is the family view's (identity.addresses.partial_address).
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from django.utils import timezone

from familyview.identity.addresses import address_key, partial_address, postcode_key
from familyview.identity.models import SearchEntry
from familyview.identity.search import PersonQuery, search_people
from familyview.involvements.display import AgeBounds
from familyview.sources.models import PersonRecord

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
    # No address is shown: the person is shielded, or lives where a shielded person does.
    address_withheld: bool
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
        if self.address_withheld:
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
    wanted, authorities = list(person_ids), list(authority_ids)
    if not wanted:
        return {}
    today = today or timezone.localdate()
    rows = (
        PersonRecord.objects.filter(
            link__person_id__in=wanted,
            link__person__retired_at__isnull=True,
            source__authority_id__in=authorities,
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
            "uprn",
        )
        .order_by("link__person_id", "pk")
    )
    by_person: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        by_person[row[0]].append(row)
    summaries = {pid: _summary(pid, records, today) for pid, records in by_person.items()}
    hidden = _at_shielded_addresses(
        {pid: _latest_address(records) for pid, records in by_person.items()}, authorities
    )
    for pid in hidden:
        summaries[pid] = replace(summaries[pid], partial_address="", address_withheld=True)
    return summaries


def _latest_address(records: list[tuple]) -> tuple | None:
    """(line 1, line 2, postcode, UPRN) of the address most recently recorded."""
    live = [r for r in records if r[12] is None] or records
    addressed = [r for r in live if r[8] or r[6]]
    if not addressed:
        return None
    latest = max(addressed, key=lambda r: r[9] or date.min)
    return (latest[6], latest[7], latest[8], latest[14])


def _at_shielded_addresses(
    addresses: dict[str, tuple | None], authority_ids: list[int]
) -> set[str]:
    """The people shown at the address of a shielded person (other than themselves)."""
    postcodes = {postcode_key(a[2]) for a in addresses.values() if a and a[2]} - {None}
    if not postcodes:
        return set()
    at = SearchEntry.objects.filter(
        restricted=True, postcode__in=postcodes, authority_id__in=authority_ids
    ).values_list("person_record_id", flat=True)
    shielded = PersonRecord.objects.filter(pk__in=at).values_list(
        "address_line1", "address_line2", "postcode", "uprn", "link__person_id"
    )
    places: dict[str, set[str | None]] = defaultdict(set)
    for line1, line2, postcode, uprn, owner in shielded:
        for key in _keys(line1, line2, postcode, uprn):
            places[key].add(owner)
    return {
        pid
        for pid, address in addresses.items()
        if address and any(places.get(k, set()) - {pid} for k in _keys(*address))
    }


def _keys(line1: str, line2: str, postcode: str, uprn: str) -> list[str]:
    keys = [f"u:{uprn.strip()}"] if uprn and uprn.strip() else []
    key = address_key(line1, line2, postcode)
    if key:
        keys.append(f"a:{key}")
    return keys


def _summary(person_id: str, records: list[tuple], today: date) -> PersonSummary:
    # Records the sources still hold speak for the person; ended ones only if none do.
    live = [r for r in records if r[12] is None] or records
    names = Counter(" ".join(p for p in (r[1], r[2]) if p) for r in live)
    names.pop("", None)
    shielded = any(r[11] for r in records)
    latest = _latest_address(records)
    address = "" if shielded or latest is None else partial_address(latest[0], latest[2])
    return PersonSummary(
        person_id=person_id,
        name=names.most_common(1)[0][0] if names else "Name not recorded",
        # The youngest they can be, as the family view and the display rules count it.
        age=AgeBounds.from_birth(*_birth(live), today).youngest,
        partial_address=address,
        shielded=shielded,
        address_withheld=shielded,
        deceased=any(r[10] for r in live),
        source_names=tuple(sorted({r[13] for r in live})),
    )


def _birth(live: list[tuple]) -> tuple[int | None, int | None, int | None]:
    """The date of birth most records agree on, as fully as they give it (as the family
    view chooses it)."""
    full = Counter((r[3], r[4], r[5]) for r in live if r[3] and r[4] and r[5])
    if full:
        return max(full, key=lambda d: (full[d], d))
    months = Counter((r[3], r[4]) for r in live if r[3] and r[4])
    if months:
        year, month = max(months, key=lambda d: (months[d], d))
        return year, month, None
    years = Counter(r[3] for r in live if r[3])
    if years:
        return max(years, key=lambda y: (years[y], y)), None, None
    return None, None, None
