"""Duplicates within a source: one person held twice or more by the same source system.

Read from the person index itself: the current records of one source that the index puts
under one person are that source's duplicates, however they came together (a link run
above the stricter within-source bar, the same NHS number, a steward's decision). Each is
a data-quality fault for the source's owner to fix in their own system; the index keeps
linking them meanwhile.

A group is reported with the source's own record ids, Family View's person id and how
each record was linked (basis and probability): what the owner needs to find and merge
the records, and nothing more (see `CSV_HEADER`).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, QuerySet

from familyview.identity.models import LinkedRecord
from familyview.sources.models import Source
from familyview.spreadsheets import csv_lines

GROUPS_PER_PAGE = 50
BASIS_WORDS = dict(LinkedRecord.Basis.choices)

# The owner's CSV names records by the owner's own ids only: they look each record up in
# their own system, which holds the names and dates of birth already. Leaving those out
# keeps the file harmless if it is forwarded or mislaid (data minimisation, UK GDPR
# Article 5(1)(c)); the person id lets them quote a group back to the data steward.
CSV_HEADER = (
    "source",
    "source_record_id",
    "person_id",
    "records_of_this_source_for_the_person",
    "how_linked",
    "match_probability",
)


@dataclass(frozen=True)
class DuplicateRecord:
    """One record of a duplicate group, and how the index came to put it there."""

    record_id: int
    source_record_id: str
    basis: str  # a LinkedRecord.Basis value
    # The strongest match to another record of the person (1.0 for a steward's decision
    # or the same NHS number and date of birth).
    match_probability: float

    @property
    def how_linked(self) -> str:
        return BASIS_WORDS.get(self.basis, self.basis)


@dataclass(frozen=True)
class SourceDuplicate:
    """A person the index holds two or more current records of this source for."""

    person_id: str
    records: tuple[DuplicateRecord, ...]


def visible_source(code: str, authority_ids: Iterable[int]) -> Source:
    """A source of these authorities by its code.

    Raises Source.DoesNotExist for another authority's source, as for one that does not
    exist.
    """
    return Source.objects.get(code=code, authority_id__in=list(authority_ids))


def _records_of(source: Source) -> QuerySet[LinkedRecord]:
    return LinkedRecord.objects.filter(person_record__source=source, person_record__ended_at=None)


def _duplicated_persons(source: Source) -> QuerySet:
    """The persons holding two or more current records of the source, in the order of
    their first record id in the source (so the owner reads down their own ids)."""
    return (
        _records_of(source)
        .order_by()
        .values("person_id")
        .annotate(n=Count("pk"), first=Min("person_record__source_record_id"))
        .filter(n__gte=2)
        .order_by("first", "person_id")
    )


def duplicate_count(source: Source) -> int:
    """How many persons the source holds more than once."""
    return _duplicated_persons(source).count()


def source_duplicates(
    source: Source, person_ids: Iterable[str] | None = None
) -> list[SourceDuplicate]:
    """Each person the source holds more than once, with those records: two queries
    whatever the source's size (or only the given persons')."""
    wanted = (
        list(person_ids)
        if person_ids is not None
        else list(_duplicated_persons(source).values_list("person_id", flat=True))
    )
    rows = (
        _records_of(source)
        .filter(person_id__in=wanted)
        .order_by("person_record__source_record_id", "person_record_id")
        .values_list(
            "person_id",
            "person_record_id",
            "person_record__source_record_id",
            "basis",
            "match_probability",
        )
    )
    by_person: dict[str, list[DuplicateRecord]] = {p: [] for p in wanted}
    for person_id, record_id, source_record_id, basis, probability in rows.iterator(
        chunk_size=5000
    ):
        by_person[person_id].append(
            DuplicateRecord(record_id, source_record_id, basis, probability)
        )
    return [
        SourceDuplicate(person_id, tuple(records))
        for person_id, records in by_person.items()
        if len(records) >= 2
    ]


@dataclass(frozen=True)
class DuplicatesPage:
    """One page of a source's duplicate groups, for the steward's page."""

    page: Page  # of {"person_id", ...} rows, for pagination
    groups: list[SourceDuplicate]


def source_duplicates_page(
    source: Source, page_number: int | str | None = 1, per_page: int = GROUPS_PER_PAGE
) -> DuplicatesPage:
    """One page of the source's duplicate groups."""
    page = Paginator(_duplicated_persons(source), per_page).get_page(page_number)
    return DuplicatesPage(
        page=page, groups=source_duplicates(source, [row["person_id"] for row in page])
    )


def duplicates_csv_lines(
    source: Source, groups: list[SourceDuplicate] | None = None
) -> Iterator[str]:
    """The CSV for the source's owner: one line per duplicated record, a group's lines
    together."""
    groups = source_duplicates(source) if groups is None else groups
    return csv_lines(
        CSV_HEADER,
        (
            (
                source.code,
                r.source_record_id,
                group.person_id,
                len(group.records),
                r.how_linked,
                f"{r.match_probability:.6f}",
            )
            for group in groups
            for r in group.records
        ),
    )
