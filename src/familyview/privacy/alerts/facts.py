"""What the rules compare: what the person index holds about the people looked at, and
the staff looking (their names and the home address they may have given).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from familyview.access.models import StaffMembership
from familyview.identity.features import name_parts, postcode_key, surname_history
from familyview.identity.models import LinkedRecord
from familyview.privacy.merges import merged_into
from familyview.privacy.models import StaffHomeAddress

_NOT_LETTERS_OR_DIGITS = re.compile(r"[^a-z0-9]+")
_IN_QUERY = 500  # identifiers per IN (...) clause: SQLite allows a limited number


@dataclass(frozen=True)
class PersonFacts:
    """What the index holds about a person that the rules compare with staff."""

    authority_id: int | None
    surnames: frozenset[str]
    uprns: frozenset[str]
    addresses: frozenset[tuple[str, str]]  # (postcode key, plain first line)
    shielded: bool


@dataclass(frozen=True)
class StaffFacts:
    """A member of staff as the rules see them: name, surname parts, home address."""

    name: str
    surname: str
    surnames: frozenset[str]
    home_uprn: str = ""
    home_address: tuple[str, str] | None = None
    authority_ids: tuple[int, ...] = ()  # the authorities they hold a role in


def _chunks(items: Sequence, size: int = _IN_QUERY) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def person_facts(person_ids: Iterable[str]) -> dict[str, PersonFacts]:
    """Facts about these persons from every record they hold, in a few queries.

    A person merged into another since the event is found under the person it was merged
    into (the steward's merge or a link run recorded the move).
    """
    wanted = sorted(set(person_ids))
    rows = _rows_of(wanted)
    moved = {pid: merged_into(pid) for pid in wanted if pid not in rows}
    rows.update(_rows_of(sorted({t for t in moved.values() if t and t not in rows})))
    facts = {}
    for pid in wanted:
        found = rows.get(pid) or rows.get(moved.get(pid) or "", [])
        if not found:
            continue
        surnames: set[str] = set()
        uprns: set[str] = set()
        addresses: set[tuple[str, str]] = set()
        for _authority, family, previous, uprn, postcode, line1, _restricted in found:
            surnames.update(surname_history(family, previous) or ())
            if uprn.strip():
                uprns.add(uprn.strip())
            if postcode.strip() and _line_key(line1):
                addresses.add((postcode_key(postcode) or "", _line_key(line1)))
        facts[pid] = PersonFacts(
            authority_id=found[0][0],
            surnames=frozenset(surnames),
            uprns=frozenset(uprns),
            addresses=frozenset(addresses),
            shielded=any(r[-1] for r in found),
        )
    return facts


def _line_key(line: str) -> str:
    """An address's first line as compared: no case, accents, spaces or punctuation, but
    with its numbers ('12 Mill Lane,' -> '12milllane')."""
    folded = unicodedata.normalize("NFKD", (line or "").casefold())
    return _NOT_LETTERS_OR_DIGITS.sub("", folded.encode("ascii", "ignore").decode())


def _rows_of(person_ids: Sequence[str]) -> dict[str, list[tuple]]:
    rows: dict[str, list[tuple]] = defaultdict(list)
    for chunk in _chunks(person_ids):
        for row in LinkedRecord.objects.filter(person_id__in=chunk).values_list(
            "person_id",
            "person_record__source__authority_id",
            "person_record__family_name",
            "person_record__previous_names",
            "person_record__uprn",
            "person_record__postcode",
            "person_record__address_line1",
            "person_record__restricted",
        ):
            rows[row[0]].append(row[1:])
    return rows


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
            address = None
            if home and home.postcode.strip() and _line_key(home.address_line1):
                address = (postcode_key(home.postcode) or "", _line_key(home.address_line1))
            facts[user.pk] = StaffFacts(
                name=user.get_full_name() or user.get_username(),
                surname=user.last_name.strip(),
                surnames=frozenset(name_parts(user.last_name)),
                home_uprn=home.uprn.strip() if home else "",
                home_address=address,
                authority_ids=tuple(sorted(authorities.get(user.pk, ()))),
            )
    return facts
