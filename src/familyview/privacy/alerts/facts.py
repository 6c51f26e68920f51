"""What the rules compare: the people looked at, as the person index shows them to every
page and the API (identity/persons.py), and the staff looking: their names, the parts of
their surname, and the keys of the home address they may have given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from familyview.access.models import StaffMembership
from familyview.identity.addresses import address_keys
from familyview.identity.features import name_parts
from familyview.identity.persons import PersonDetails, person_details
from familyview.privacy.merges import merged_into
from familyview.privacy.models import StaffHomeAddress

_IN_QUERY = 500  # identifiers per IN (...) clause: SQLite allows a limited number
# Persons read at once (each read two queries, whatever their number): SQLite allows a
# limited number of values in one query.
PERSONS_PER_READ = 2000


@dataclass(frozen=True)
class StaffFacts:
    """A member of staff as the rules see them: name, surname parts, home address."""

    name: str
    surname: str
    surnames: frozenset[str]
    # The keys of the home address they gave ("u:<UPRN>", "a:<address key>"), compared
    # as households are with the keys of every address a person's records give.
    home: frozenset[str] = frozenset()
    authority_ids: tuple[int, ...] = ()  # the authorities they hold a role in


def people_looked_at(
    person_ids: Iterable[str], authority_ids: Sequence[int]
) -> dict[str, PersonDetails]:
    """The persons that events (or an alert) name, in these authorities, as the person
    index shows them now (identity/persons.py: the account the pages and the API give).
    A person merged into another since is found as the person they joined (the steward's
    merge or a link run recorded the move); one no longer held is left out."""
    wanted = sorted(set(person_ids))
    found = _persons(wanted, authority_ids)
    moved = {pid: merged_into(pid) for pid in wanted if pid not in found}
    found |= _persons(sorted({t for t in moved.values() if t and t not in found}), authority_ids)
    now_known_as = {pid: moved.get(pid) or pid for pid in wanted}
    return {pid: found[now] for pid, now in now_known_as.items() if now in found}


def _persons(person_ids: Sequence[str], authority_ids: Sequence[int]) -> dict[str, PersonDetails]:
    found: dict[str, PersonDetails] = {}
    for chunk in _chunks(person_ids, PERSONS_PER_READ):
        found |= person_details(chunk, authority_ids)
    return found


def _chunks(items: Sequence, size: int = _IN_QUERY) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def staff_facts(user_ids: Iterable[int]) -> dict[int, StaffFacts]:
    """Each member of staff's name, surname parts and home address (if they gave one)."""
    wanted = sorted(set(user_ids))
    homes = {
        h.user_id: h
        for chunk in _chunks(wanted)
        for h in StaffHomeAddress.objects.filter(user_id__in=chunk)
    }
    authorities: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(wanted):
        for user_id, authority_id in StaffMembership.objects.filter(user_id__in=chunk).values_list(
            "user_id", "authority_id"
        ):
            authorities[user_id].add(authority_id)
    facts = {}
    for chunk in _chunks(wanted):
        for user in get_user_model().objects.filter(pk__in=chunk):
            home = homes.get(user.pk)
            facts[user.pk] = StaffFacts(
                name=user.get_full_name() or user.get_username(),
                surname=user.last_name.strip(),
                surnames=frozenset(name_parts(user.last_name)),
                home=frozenset(address_keys(home.uprn, home.address_line1, "", home.postcode))
                if home
                else frozenset(),
                authority_ids=tuple(sorted(authorities.get(user.pk, ()))),
            )
    return facts
