"""How each source's current records sit in the person index, for the steward's Data
quality page: pairs of its own records waiting for review or ruled one person, persons
holding two or more of them, and records whose person also holds another source's.

The sources' own figures (completeness, validity, age) are sources/quality.py's; these
read the index, a floor above the sources, so they are counted here, and `data_quality`
puts the page's figures together. Each is one aggregate query over all the authorities'
sources, never a loop over records.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Q, Subquery

from familyview.identity.models import LinkedRecord, ReviewPair, StewardDecision
from familyview.sources.models import PersonRecord
from familyview.sources.quality import FieldShare, SourceQuality, current_records, source_quality


@dataclass(frozen=True)
class SourceLinks:
    """How one source's current records sit in the person index."""

    possible_duplicate_pairs: int  # pairs of its records waiting in the review queue
    confirmed_duplicate_pairs: int  # pairs a steward ruled the same person
    persons_with_several_records: int
    linked_elsewhere: FieldShare  # records whose person has a record of another source


@dataclass(frozen=True)
class SourceFigures:
    """One source on the Data quality page: its records' own quality, and their links."""

    quality: SourceQuality
    links: SourceLinks


def data_quality(authority_ids: Iterable[int], now: datetime | None = None) -> list[SourceFigures]:
    """Each source of these authorities with its data quality and linkage figures."""
    ids = list(authority_ids)
    waiting, confirmed = duplicate_pairs_within_sources(ids)
    several = persons_with_several_records(ids)
    elsewhere = records_linked_to_other_sources(ids)
    return [
        SourceFigures(
            quality=q,
            links=SourceLinks(
                possible_duplicate_pairs=waiting.get(q.source.pk, 0),
                confirmed_duplicate_pairs=confirmed.get(q.source.pk, 0),
                persons_with_several_records=several.get(q.source.pk, 0),
                linked_elsewhere=FieldShare(
                    "linked_elsewhere",
                    "Linked to another source",
                    elsewhere.get(q.source.pk, 0),
                    q.current_records,
                ),
            ),
        )
        for q in source_quality(ids, now=now)
    ]


def duplicate_pairs_within_sources(
    authority_ids: Iterable[int],
) -> tuple[dict[int, int], dict[int, int]]:
    """Per source: pairs of its own records waiting for review, and pairs a steward ruled
    to be one person (decisions in force)."""
    ids = list(authority_ids)
    waiting = dict(
        ReviewPair.objects.filter(
            status__in=(ReviewPair.Status.OPEN, ReviewPair.Status.NOT_SURE),
            record_a__source__authority_id__in=ids,
        )
        .filter(_same_source())
        .order_by()
        .values_list("record_a__source_id")
        .annotate(n=Count("pk"))
    )
    confirmed = dict(
        StewardDecision.objects.filter(
            ruling=StewardDecision.Ruling.SAME,
            withdrawn_at__isnull=True,
            record_a__source__authority_id__in=ids,
        )
        .filter(_same_source())
        .order_by()
        .values_list("record_a__source_id")
        .annotate(n=Count("pk"))
    )
    return waiting, confirmed


def _same_source() -> Q:
    # Record b's source as a scalar subquery by primary key, so that the database starts
    # from the pairs (a few thousand) rather than joining every record of a source to
    # every other record of it.
    source_of_b = PersonRecord.objects.filter(pk=OuterRef("record_b_id")).values("source_id")[:1]
    return Q(record_a__source_id=Subquery(source_of_b))


def persons_with_several_records(authority_ids: Iterable[int]) -> dict[int, int]:
    """Per source: persons in the index holding two or more of its current records."""
    groups = (
        LinkedRecord.objects.filter(
            person_record__source__authority_id__in=list(authority_ids),
            person_record__ended_at__isnull=True,
        )
        .order_by()
        .values("person_record__source_id", "person_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .values_list("person_record__source_id", flat=True)
    )
    return dict(Counter(groups))


def records_linked_to_other_sources(authority_ids: Iterable[int]) -> dict[int, int]:
    """Per source: current records whose person also holds a current record of another of
    these authorities' sources.

    Persons first (those holding current records of two sources or more), then their
    records by source: two grouped scans, whatever the planner knows about the tables.
    """
    ids = list(authority_ids)
    several_sources = (
        LinkedRecord.objects.filter(
            person_record__source__authority_id__in=ids, person_record__ended_at__isnull=True
        )
        .order_by()
        .values("person_id")
        .annotate(sources=Count("person_record__source_id", distinct=True))
        .filter(sources__gte=2)
        .values("person_id")
    )
    return dict(
        current_records(ids)
        .filter(link__person_id__in=several_sources)
        .order_by()
        .values_list("source_id")
        .annotate(n=Count("pk"))
    )
