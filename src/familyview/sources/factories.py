"""Test and demo data for sources: small functions that create one thing with defaults."""

from datetime import datetime
from itertools import count

from django.utils import timezone

from familyview.access.models import Authority
from familyview.sources.models import ExtractImport, PersonRecord, QuarantinedRow, Source

_numbers = count(1)


def create_source(
    authority: Authority,
    code: str | None = None,
    name: str | None = None,
    service_category: str = "childrens_social_care",
    expected_every_days: int = 7,
    **fields,
) -> Source:
    """A registered source of this authority."""
    n = next(_numbers)
    return Source.objects.create(
        authority=authority,
        code=code or f"SRC{n}",
        name=name or f"Source system {n}",
        service_category=service_category,
        expected_every_days=expected_every_days,
        **fields,
    )


def create_import(
    source: Source,
    status: str = ExtractImport.Status.LOADED,
    extracted_at: datetime | None = None,
    started_at: datetime | None = None,
    imported_by: str = "data.steward",
    **fields,
) -> ExtractImport:
    """A finished import of the source (loaded unless told otherwise)."""
    started_at = started_at or timezone.now()
    finished = status != ExtractImport.Status.RUNNING
    return ExtractImport.objects.create(
        source=source,
        status=status,
        extracted_at=extracted_at,
        started_at=started_at,
        finished_at=started_at if finished else None,
        duration_ms=fields.pop("duration_ms", 1200 if finished else None),
        imported_by=imported_by,
        files=fields.pop("files", ["people.csv"]),
        checksum=fields.pop("checksum", f"{next(_numbers):064x}"),
        **fields,
    )


def create_quarantined_row(
    extract_import: ExtractImport,
    raw: str = "P1,Ann,Smith,not-a-date",
    reason: str = "date_of_birth is not a date (YYYY-MM-DD, YYYY-MM or YYYY)",
    field: str = "date_of_birth",
    file_name: str = "people.csv",
    row_number: int | None = None,
    record_kind: str = "people",
    value: str | None = None,
) -> QuarantinedRow:
    """A row the import held back, kept verbatim; or, given the `value` held back, one
    value held back from a row that loaded without it."""
    return QuarantinedRow.objects.create(
        extract_import=extract_import,
        file_name=file_name,
        record_kind=record_kind,
        row_number=row_number if row_number is not None else next(_numbers) + 1,
        field=field,
        reason=reason,
        raw=raw,
        row_kept=value is not None,
        value=value or "",
    )


def create_person_record(
    extract_import: ExtractImport, ended: bool = False, **fields
) -> PersonRecord:
    """A person record created by this import (ended by it too when `ended`)."""
    n = next(_numbers)
    return PersonRecord.objects.create(
        source=extract_import.source,
        source_record_id=fields.pop("source_record_id", f"P{n}"),
        row_hash=fields.pop("row_hash", f"{n:032x}"),
        created_by_import=extract_import,
        changed_by_import=extract_import,
        ended_at=timezone.now() if ended else None,
        ended_by_import=extract_import if ended else None,
        **fields,
    )
