"""Named queries for the data steward's identity pages: the review queue, pairs, persons.

Every function that reads records takes the authorities the reader may see, so that no
query can cross them: a pair is visible when both its records are in those authorities,
a person when at least one of its records is (and only those records are shown).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from familyview.access.policy import PersonStanding
from familyview.identity.feature_store import load_features
from familyview.identity.models import (
    IdentityChange,
    LinkedRecord,
    Person,
    ReviewPair,
    SearchEntry,
    StewardDecision,
)
from familyview.identity.rules import CHILD_UNDER
from familyview.sources.models import PersonRecord, Source
from familyview.sources.validation import nhs_number_is_valid

REVIEW_PAIRS_PER_PAGE = 50
IN_QUEUE = (ReviewPair.Status.OPEN, ReviewPair.Status.NOT_SURE)
# Under this age by birth year (this year minus the birth year), a person is a child: their
# pairs, and their family's, are reviewed first.
CHILD_AGE = CHILD_UNDER


def record_features(record_ids: Iterable[int]) -> list[dict]:
    """These records as the linkage model sees them, in one query whatever the index size."""
    return load_features(list(record_ids))


# The review queue


def _visible_pairs(authority_ids: Iterable[int]) -> QuerySet[ReviewPair]:
    ids = list(authority_ids)
    return ReviewPair.objects.filter(
        record_a__source__authority_id__in=ids, record_b__source__authority_id__in=ids
    )


def child_born_after(today: date | None = None) -> int:
    """Born in a later year than this, a person is under 18 by birth year."""
    return (today or timezone.localdate()).year - CHILD_AGE


def _touches_a_child(side: str, born_after: int) -> list[When]:
    """Conditions under which one record of a pair (side "record_a" or "record_b") concerns
    a child or a child's family: the record is a child's by its birth year; its person in
    the index holds a child's record; or its person has a family link (a source's
    relationship or a shared address) to such a person.

    Each is an indexed look-up per pair (LinkedRecord by person, FamilyLink by person), so
    ordering the queue costs in proportion to the queue, not the index. Family links are
    read through Person's reverse relation: families come after identity in the flow, and
    identity does not import them.
    """
    person = OuterRef(f"{side}__link__person_id")
    child_records = LinkedRecord.objects.filter(person_record__birth_year__gt=born_after)
    return [
        When(Q(**{f"{side}__birth_year__gt": born_after}), then=Value(0)),
        When(Exists(child_records.filter(person_id=person)), then=Value(0)),
        When(
            Exists(
                Person.objects.filter(
                    pk=person,
                    family_links__related_person__records__person_record__birth_year__gt=born_after,
                )
            ),
            then=Value(0),
        ),
    ]


def _queue(authority_ids: Iterable[int], today: date | None = None) -> QuerySet[ReviewPair]:
    """Pairs waiting for a steward, ordered when read: unseen before 'not sure'; within
    each, pairs touching a child or a child's family first; then the strongest first."""
    born_after = child_born_after(today)
    return (
        _visible_pairs(authority_ids)
        .filter(status__in=IN_QUEUE)
        .annotate(
            looked_at=Case(
                When(status=ReviewPair.Status.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            children_last=Case(
                *_touches_a_child("record_a", born_after),
                *_touches_a_child("record_b", born_after),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("looked_at", "children_last", "-match_probability", "pk")
    )


def review_queue(
    authority_ids: Iterable[int],
    page_number: int | str | None = 1,
    per_page: int = REVIEW_PAIRS_PER_PAGE,
) -> Page:
    """One page of the review queue, with both records and their sources. Each pair
    carries `children_last` (0: it touches a child or a child's family)."""
    pairs = _queue(authority_ids).select_related("record_a__source", "record_b__source")
    return Paginator(pairs, per_page).get_page(page_number)


def queue_in_order(authority_ids: Iterable[int], today: date | None = None) -> QuerySet[ReviewPair]:
    """The whole review queue in the order stewards see it, with both records' sources
    and persons: for an export."""
    return _queue(authority_ids, today).select_related(
        "record_a__source", "record_b__source", "record_a__link", "record_b__link"
    )


def children_touched(pairs: list[ReviewPair], today: date | None = None) -> dict[int, list[str]]:
    """For each pair, the children (person ids) whose family it touches: the persons of
    its two records who are children, and the children those persons have a family link
    to. Two queries for the whole list; pairs need their records' `link` loaded."""
    born_after = child_born_after(today)
    persons_of = {
        pair.pk: {
            link.person_id
            for link in (_link_of(pair.record_a), _link_of(pair.record_b))
            if link is not None
        }
        for pair in pairs
    }
    persons = {p for ps in persons_of.values() for p in ps}
    children = set(
        LinkedRecord.objects.filter(person_id__in=persons, person_record__birth_year__gt=born_after)
        .values_list("person_id", flat=True)
        .distinct()
    )
    related_children: dict[str, set[str]] = defaultdict(set)
    for person_id, child_id in (
        Person.objects.filter(
            pk__in=persons,
            family_links__related_person__records__person_record__birth_year__gt=born_after,
        )
        .values_list("pk", "family_links__related_person_id")
        .distinct()
    ):
        related_children[person_id].add(child_id)
    return {
        pair_id: sorted(
            {p for p in ps if p in children} | {c for p in ps for c in related_children[p]}
        )
        for pair_id, ps in persons_of.items()
    }


def _link_of(record: PersonRecord) -> LinkedRecord | None:
    try:
        return record.link
    except LinkedRecord.DoesNotExist:
        return None


def is_within_one_source(pair: ReviewPair) -> bool:
    """Whether both records of the pair come from one source (the source holds the person
    twice, if the steward confirms it)."""
    return pair.record_a.source_id == pair.record_b.source_id


@dataclass(frozen=True)
class QueueCounts:
    open: int
    not_sure: int


def queue_counts(authority_ids: Iterable[int]) -> QueueCounts:
    """How many pairs wait for a first look, and how many were looked at without a ruling."""
    counts = _visible_pairs(authority_ids).aggregate(
        open=Count("pk", filter=Q(status=ReviewPair.Status.OPEN)),
        not_sure=Count("pk", filter=Q(status=ReviewPair.Status.NOT_SURE)),
    )
    return QueueCounts(open=counts["open"], not_sure=counts["not_sure"])


def next_open_pair_id(authority_ids: Iterable[int]) -> int | None:
    """The pair a steward should look at next: the strongest one nobody has looked at."""
    return (
        _queue(authority_ids)
        .filter(status=ReviewPair.Status.OPEN)
        .values_list("pk", flat=True)
        .first()
    )


def review_pair(pair_id: int, authority_ids: Iterable[int]) -> ReviewPair:
    """A pair of these authorities, with its records and sources.

    Raises ReviewPair.DoesNotExist for a pair of any other authority, so that a reader
    cannot tell another authority's pair from one that does not exist.
    """
    return (
        _visible_pairs(authority_ids)
        .select_related(
            "record_a__source", "record_b__source", "found_by_run__model", "not_sure_by"
        )
        .get(pk=pair_id)
    )


def decision_on_pair(pair: ReviewPair) -> StewardDecision | None:
    """The steward's decision on the pair's two records: the one in force, else the latest."""
    return (
        StewardDecision.objects.filter(
            Q(record_a_id=pair.record_a_id, record_b_id=pair.record_b_id)
            | Q(record_a_id=pair.record_b_id, record_b_id=pair.record_a_id)
        )
        .select_related("decided_by")
        .order_by(F("withdrawn_at").desc(nulls_first=True), "-decided_at", "-pk")
        .first()
    )


def decisions_between(record_ids: Iterable[int]) -> list[StewardDecision]:
    """Steward decisions in force between any two of these records."""
    ids = list(record_ids)
    return list(
        StewardDecision.objects.filter(
            record_a_id__in=ids, record_b_id__in=ids, withdrawn_at__isnull=True
        ).order_by("decided_at", "pk")
    )


# Persons


@dataclass(frozen=True)
class PersonRecords:
    """A person and those of its records the reader may see."""

    person: Person
    records: list[PersonRecord]  # each with .link (LinkedRecord) and .source loaded
    other_authorities_records: int


def person_records(person_id: str, authority_ids: Iterable[int]) -> PersonRecords:
    """A person with at least one record in these authorities, and those records.

    Raises Person.DoesNotExist otherwise (another authority's person, a retired person
    who no longer holds records, or no such person).
    """
    ids = list(authority_ids)
    person = Person.objects.get(pk=person_id)
    links = LinkedRecord.objects.filter(person=person)
    records = list(
        PersonRecord.objects.filter(link__person=person, source__authority_id__in=ids)
        .select_related("source", "link")
        .order_by("source__code", "source_record_id", "pk")
    )
    if not records:
        raise Person.DoesNotExist(person_id)
    return PersonRecords(
        person=person,
        records=records,
        other_authorities_records=links.count() - len(records),
    )


def person_history(person_id: str) -> list[IdentityChange]:
    """The merges and splits recorded on this person, newest first."""
    return list(
        IdentityChange.objects.filter(person_id=person_id)
        .select_related("steward", "run")
        .order_by("-at", "-pk")
    )


def person_standing(person_id: str) -> PersonStanding | None:
    """The person's authority and shielding, in one query; None for no such (or a
    retired) person. Written as SQL: the one door asks it before every read of a person,
    and the ORM's joins cost more to build than the database took to answer."""
    link, person = LinkedRecord._meta.db_table, Person._meta.db_table
    record, source = PersonRecord._meta.db_table, Source._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f'SELECT DISTINCT s."authority_id", r."restricted" FROM "{link}" l '  # noqa: S608
            f'INNER JOIN "{person}" p ON l."person_id" = p."id" '
            f'INNER JOIN "{record}" r ON l."person_record_id" = r."id" '
            f'INNER JOIN "{source}" s ON r."source_id" = s."id" '
            'WHERE l."person_id" = %s AND p."retired_at" IS NULL',
            [person_id],
        )
        rows = cur.fetchall()
    if not rows:
        return None
    return PersonStanding(authority_id=rows[0][0], shielded=any(bool(r) for _, r in rows))


def persons_with_nhs_numbers(nhs_numbers: Iterable[str], authority_id: int) -> dict[str, set[str]]:
    """The persons of one authority that a record still held gives each NHS number, by
    number (a number no record gives is absent): the exact match a neighbouring council's
    question is answered on (docs/peers.md)."""
    found: dict[str, set[str]] = defaultdict(set)
    # The search entries: indexed on the NHS number, one per record, with its authority.
    rows = SearchEntry.objects.filter(
        nhs_number__in=list(nhs_numbers),
        authority_id=authority_id,
        person_record__ended_at__isnull=True,
        person_record__link__person__retired_at__isnull=True,
    ).values_list("nhs_number", "person_record__link__person_id")
    for nhs_number, person_id in rows:
        found[nhs_number].add(person_id)
    return dict(found)


def nhs_numbers_of(person_ids: Iterable[str], authority_id: int) -> dict[str, str]:
    """Each person's NHS number, where the records this authority still holds give exactly
    one valid number (two differing numbers are a fault to fix at source, not to send)."""
    numbers: dict[str, set[str]] = defaultdict(set)
    rows = PersonRecord.objects.filter(
        link__person_id__in=list(person_ids),
        source__authority_id=authority_id,
        ended_at__isnull=True,
    ).exclude(nhs_number="")
    for person_id, nhs_number in rows.values_list("link__person_id", "nhs_number"):
        if nhs_number_is_valid(nhs_number):
            numbers[person_id].add(nhs_number)
    return {pid: next(iter(n)) for pid, n in numbers.items() if len(n) == 1}
