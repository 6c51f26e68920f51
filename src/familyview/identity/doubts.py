"""Persons who may be one: doubt about the person index, said where a worker reads a family.

The index keeps two persons apart when it is not sure enough they are one, and a family
can then hold the same woman twice, under two surnames. A worker should be told, at both,
rather than ring two numbers about one person or miss that two records are hers. Two
persons of a family may be one when:

- a pair of their records waits in the data steward's review queue (being checked); or
- they look like one: the same full date of birth, an address in common, given names
  that are one name (the same, a familiar form of it, or a typo: identity/rules.py), and
  no different sex recorded; unless a data steward has decided that records of theirs
  are different people. Shielded persons, and those whose address is withheld, are left
  out of this: "they share an address" would say where a shielded person lives.

One query, whatever the family's size: the queue's pairs and the stewards' decisions
between the persons' records.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

from django.db import connection

from familyview.identity.features import canonical_given
from familyview.identity.models import LinkedRecord, ReviewPair, StewardDecision
from familyview.identity.persons import PersonDetails
from familyview.identity.rules import names_differ

# The review queue: pairs nobody has decided yet (identity/queries.py's IN_QUEUE).
WAITING = (ReviewPair.Status.OPEN, ReviewPair.Status.NOT_SURE)
BEING_CHECKED = "queue"
KEPT_APART = "apart"


@dataclass(frozen=True)
class PossiblyOnePerson:
    """Two persons who may be one person, and why we think so."""

    person_ids: tuple[str, str]  # in order
    # A pair of their records waits in the data steward's review queue.
    being_checked: bool

    def other_than(self, person_id: str) -> str:
        """The other person of the two."""
        first, second = self.person_ids
        return second if person_id == first else first


def possibly_one_person(people: Mapping[str, PersonDetails]) -> tuple[PossiblyOnePerson, ...]:
    """The pairs of these persons (one family's, as persons.py read them) who may be one
    person: in the review queue together, or looking like one. One query."""
    ids = sorted(people)
    if len(ids) < 2:
        return ()
    queued, apart = set(), set()
    for a, b, why in _pairs_between(ids):
        if a and b and a != b:
            (queued if why == BEING_CHECKED else apart).add(tuple(sorted((a, b))))
    found = []
    for pair in combinations(ids, 2):
        if pair in queued:
            found.append(PossiblyOnePerson(pair, being_checked=True))
        elif pair not in apart and looks_like_one(people[pair[0]], people[pair[1]]):
            found.append(PossiblyOnePerson(pair, being_checked=False))
    return tuple(found)


def looks_like_one(a: PersonDetails, b: PersonDetails) -> bool:
    """The same full date of birth, an address in common, one given name, no different
    sex; never for a shielded person or one whose address is withheld."""
    if a.address_withheld or b.address_withheld:
        return False
    born = a.date_of_birth.as_date
    if born is None or born != b.date_of_birth.as_date:
        return False
    if not (a.address_keys & b.address_keys):
        return False
    if a.sex and b.sex and a.sex != b.sex:
        return False
    if not (a.given_name and b.given_name):
        return False
    return not names_differ(_given(a), _given(b))


def _given(person: PersonDetails) -> dict[str, str]:
    """A person's given name as the hard rules compare names."""
    return {"given_name": person.given_name, "given_canonical": canonical_given(person.given_name)}


def _pairs_between(ids: list[str]) -> list[tuple[str, str, str]]:
    """(person, person, why) for each pair of their records waiting in the review queue
    (why "queue") or decided by a steward to be different people (why "apart"). Written
    as SQL: every family view asks it, and the ORM's union cost more to build than the
    database took to answer."""
    link = LinkedRecord._meta.db_table
    marks = ", ".join(["%s"] * len(ids))

    def between(table: str) -> str:
        return (
            f'SELECT a."person_id", b."person_id", %s FROM "{table}" p '  # noqa: S608
            f'INNER JOIN "{link}" a ON a."person_record_id" = p."record_a_id" '
            f'INNER JOIN "{link}" b ON b."person_record_id" = p."record_b_id" '
            f'WHERE a."person_id" IN ({marks}) AND b."person_id" IN ({marks})'
        )

    waiting = f'{between(ReviewPair._meta.db_table)} AND p."status" IN (%s, %s)'
    decided = (
        f'{between(StewardDecision._meta.db_table)} AND p."ruling" = %s '
        'AND p."withdrawn_at" IS NULL'
    )
    params = [BEING_CHECKED, *ids, *ids, *(str(status) for status in WAITING)]
    params += [KEPT_APART, *ids, *ids, str(StewardDecision.Ruling.DIFFERENT)]
    with connection.cursor() as cur:
        cur.execute(f"{waiting} UNION ALL {decided}", params)
        return cur.fetchall()
