"""Named queries for the data steward's identity pages: the review queue, pairs, persons.

Every function that reads records takes the authorities the reader may see, so that no
query can cross them: a pair is visible when both its records are in those authorities,
a person when at least one of its records is (and only those records are shown).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from familyview.identity.feature_store import load_features
from familyview.identity.models import (
    IdentityChange,
    LinkedRecord,
    Person,
    ReviewPair,
    StewardDecision,
)
from familyview.sources.models import PersonRecord

REVIEW_PAIRS_PER_PAGE = 50
IN_QUEUE = (ReviewPair.Status.OPEN, ReviewPair.Status.NOT_SURE)


def record_features(record_ids: Iterable[int]) -> list[dict]:
    """These records as the linkage model sees them, in one query whatever the index size."""
    return load_features(list(record_ids))


# The review queue


def _visible_pairs(authority_ids: Iterable[int]) -> QuerySet[ReviewPair]:
    ids = list(authority_ids)
    return ReviewPair.objects.filter(
        record_a__source__authority_id__in=ids, record_b__source__authority_id__in=ids
    )


def _queue(authority_ids: Iterable[int]) -> QuerySet[ReviewPair]:
    """Pairs waiting for a steward: unseen first, strongest first; then the 'not sure' ones."""
    return (
        _visible_pairs(authority_ids)
        .filter(status__in=IN_QUEUE)
        .annotate(
            looked_at=Case(
                When(status=ReviewPair.Status.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("looked_at", "-match_probability", "pk")
    )


def review_queue(
    authority_ids: Iterable[int],
    page_number: int | str | None = 1,
    per_page: int = REVIEW_PAIRS_PER_PAGE,
) -> Page:
    """One page of the review queue, with both records and their sources."""
    pairs = _queue(authority_ids).select_related("record_a__source", "record_b__source")
    return Paginator(pairs, per_page).get_page(page_number)


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


@dataclass(frozen=True)
class PersonStanding:
    """The facts access decisions need about a person: whose they are, and whether any
    source marks them as shielded (in a refuge, adopted...)."""

    authority_id: int
    shielded: bool


def person_standing(person_id: str) -> PersonStanding | None:
    """The person's authority and shielding, in one query; None for no such (or a
    retired) person."""
    rows = list(
        LinkedRecord.objects.filter(person_id=person_id, person__retired_at__isnull=True)
        .values_list("person_record__source__authority_id", "person_record__restricted")
        .distinct()
    )
    if not rows:
        return None
    return PersonStanding(authority_id=rows[0][0], shielded=any(r for _, r in rows))
