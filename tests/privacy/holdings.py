"""What Family View holds about people, built by hand for the privacy tests: sources,
records, persons, involvements, relationships, quarantined rows, each created directly."""

from datetime import date, datetime
from itertools import count

from django.utils import timezone

from familyview.access.models import Authority
from familyview.identity.models import LinkedRecord, LinkRun, Person
from familyview.involvements.models import Involvement
from familyview.sources.factories import create_import, create_person_record, create_source
from familyview.sources.models import ExtractImport, PersonRecord, SourceRelationship

_numbers = count(1)


def a_source(authority: Authority, code: str, **fields) -> ExtractImport:
    """A source of the authority with one loaded import (returned)."""
    extracted_at = fields.pop("extracted_at", None) or timezone.now()
    source = create_source(authority, code=code, name=f"{code} system", **fields)
    return create_import(source, extracted_at=extracted_at)


def a_record(extract_import: ExtractImport, **fields) -> PersonRecord:
    defaults = {"given_name": "Ann", "family_name": "Smith", "birth_year": 2012}
    return create_person_record(extract_import, **{**defaults, **fields})


def a_person(*records: PersonRecord, run: LinkRun | None = None) -> Person:
    """A person holding these records, as a link run would have left them."""
    run = run or LinkRun.objects.create(mode=LinkRun.Mode.FULL)
    person = Person.objects.create(created_by_run=run)
    LinkedRecord.objects.bulk_create(
        LinkedRecord(
            person_record=r,
            person=person,
            match_probability=0.995 if len(records) > 1 else 1.0,
            basis="model" if len(records) > 1 else "alone",
            linked_by_run=run,
            record_hash=r.row_hash,
        )
        for r in records
    )
    return person


def an_involvement(
    extract_import: ExtractImport,
    record: PersonRecord,
    ended_at: datetime | None = None,
    **fields,
) -> Involvement:
    n = next(_numbers)
    defaults = {
        "service_category": extract_import.source.service_category,
        "status": "current",
        "team": "Assessment Team West",
        "start_date": date(2025, 1, 6),
        "lead_name": "Lee Lead",
        "lead_phone": "0161 496 0001",
    }
    return Involvement.objects.create(
        source=extract_import.source,
        source_involvement_id=fields.pop("source_involvement_id", f"INV{n}"),
        person_record=record,
        row_hash=f"{n:032x}",
        created_by_import=extract_import,
        changed_by_import=extract_import,
        ended_at=ended_at,
        ended_by_import=extract_import if ended_at else None,
        **{**defaults, **fields},
    )


def a_relationship(
    extract_import: ExtractImport,
    record: PersonRecord,
    related: PersonRecord,
    relationship_type: str,
    ended_at: datetime | None = None,
    **fields,
) -> SourceRelationship:
    """The source says `related` is `relationship_type` to `record`."""
    n = next(_numbers)
    return SourceRelationship.objects.create(
        source=extract_import.source,
        person_record=record,
        related_record=related,
        relationship_type=relationship_type,
        row_hash=f"{n:032x}",
        created_by_import=extract_import,
        changed_by_import=extract_import,
        ended_at=ended_at,
        ended_by_import=extract_import if ended_at else None,
        **fields,
    )
