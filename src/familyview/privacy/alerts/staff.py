"""The staff looking, as the rules compare them with the people they looked at: their
names, the parts of their surname, and the keys of the home address they may have given.
The people looked at are as the person index shows them everywhere (identity/persons.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from familyview.access.models import StaffMembership
from familyview.identity.addresses import address_keys
from familyview.identity.features import name_parts
from familyview.privacy.models import StaffHomeAddress

_IN_QUERY = 500  # identifiers per IN (...) clause: SQLite allows a limited number


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
