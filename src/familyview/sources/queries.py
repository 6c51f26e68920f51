"""Named queries for the data steward's Imports pages: sources, import history, quarantine.

Every function takes the authorities the reader may see, so no query can cross them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, Model, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from familyview.involvements.models import Involvement, ServiceCategory
from familyview.sources.models import (
    ExtractImport,
    PersonRecord,
    Source,
    SourceRelationship,
    is_stale,
)

IMPORTS_PER_PAGE = 50
QUARANTINED_ROWS_PER_PAGE = 100


@dataclass(frozen=True)
class SourceOverview:
    """One source as the Imports page shows it: freshness and what it currently holds."""

    source: Source
    service_category_name: str
    last_loaded_import_id: int | None
    last_extracted_at: datetime | None
    stale: bool
    current_people: int
    current_involvements: int
    current_relationships: int


def sources_overview(
    authority_ids: Iterable[int], now: datetime | None = None
) -> list[SourceOverview]:
    """Each source of these authorities with its newest loaded extract and current counts.

    One query: the counts and the newest extract are subqueries, not a query per source.
    """
    now = now or timezone.now()
    last_loaded = ExtractImport.objects.filter(
        source=OuterRef("pk"), status=ExtractImport.Status.LOADED
    ).order_by("-extracted_at", "-id")
    sources = (
        Source.objects.filter(authority_id__in=list(authority_ids))
        .annotate(
            category_name=Subquery(
                ServiceCategory.objects.filter(code=OuterRef("service_category")).values("name")[:1]
            ),
            last_loaded_import_id=Subquery(last_loaded.values("id")[:1]),
            last_extracted_at=Subquery(last_loaded.values("extracted_at")[:1]),
            current_people=_current_count(PersonRecord),
            current_involvements=_current_count(Involvement),
            current_relationships=_current_count(SourceRelationship),
        )
        .order_by("code")
    )
    return [
        SourceOverview(
            source=s,
            service_category_name=s.category_name or s.service_category,
            last_loaded_import_id=s.last_loaded_import_id,
            last_extracted_at=s.last_extracted_at,
            stale=is_stale(s, s.last_extracted_at, now=now),
            current_people=s.current_people,
            current_involvements=s.current_involvements,
            current_relationships=s.current_relationships,
        )
        for s in sources
    ]


def _current_count(model: type[Model]) -> Coalesce:
    """How many of a source's records of this kind are current (not ended by a snapshot)."""
    counted = (
        model.objects.filter(source=OuterRef("pk"), ended_at__isnull=True)
        .order_by()
        .values("source")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def import_history(
    authority_ids: Iterable[int],
    page_number: int | str | None = 1,
    per_page: int = IMPORTS_PER_PAGE,
) -> Page:
    """One page of these authorities' imports, newest first (a bad page number: the nearest)."""
    imports = (
        ExtractImport.objects.filter(source__authority_id__in=list(authority_ids))
        .select_related("source")
        .order_by("-started_at", "-id")
    )
    return Paginator(imports, per_page).get_page(page_number)


@dataclass(frozen=True)
class ImportWithQuarantine:
    """An import, one page of the rows it quarantined whole and one page of the values it
    held back from rows that loaded without them."""

    extract_import: ExtractImport
    quarantined_rows: Page
    values_held_back: Page


def import_with_quarantine(
    import_id: int,
    authority_ids: Iterable[int],
    page_number: int | str | None = 1,
    per_page: int = QUARANTINED_ROWS_PER_PAGE,
    held_back_page_number: int | str | None = 1,
) -> ImportWithQuarantine:
    """An import of one of these authorities, with its quarantined rows and its values
    held back, each in file order.

    Raises ExtractImport.DoesNotExist for an import of any other authority, so that a
    reader cannot tell another authority's import from one that does not exist.
    """
    extract_import = ExtractImport.objects.select_related("source", "source__authority").get(
        pk=import_id, source__authority_id__in=list(authority_ids)
    )
    rows = extract_import.quarantined_rows.order_by("file_name", "row_number", "field", "id")
    return ImportWithQuarantine(
        extract_import=extract_import,
        quarantined_rows=Paginator(rows.filter(row_kept=False), per_page).get_page(page_number),
        values_held_back=Paginator(rows.filter(row_kept=True), per_page).get_page(
            held_back_page_number
        ),
    )
