"""Test and demo data for families: persons with records, the relationships sources
record between them, and their service involvements; small functions with defaults."""

from collections.abc import Iterable
from datetime import date
from itertools import count

from familyview.identity.models import LinkedRecord, LinkRun, Person, ReviewPair
from familyview.involvements.models import Involvement
from familyview.sources.models import ExtractImport, PersonRecord, SourceRelationship

_numbers = count(1)


def create_person(
    *records: PersonRecord, probability: float | None = None, run: LinkRun | None = None
) -> Person:
    """A person holding these records, as a link run would have left it."""
    run = run or LinkRun.objects.create(mode=LinkRun.Mode.FULL)
    person = Person.objects.create(created_by_run=run)
    alone = len(records) == 1
    LinkedRecord.objects.bulk_create(
        LinkedRecord(
            person_record=r,
            person=person,
            match_probability=probability if probability is not None else 1.0,
            basis="alone" if alone else "model",
            linked_by_run=run,
            record_hash=r.row_hash,
        )
        for r in records
    )
    return person


def create_review_pair(
    a: PersonRecord, b: PersonRecord, probability: float = 0.9, **fields
) -> ReviewPair:
    """Two records waiting in the data steward's review queue, as a link run leaves them."""
    return ReviewPair.objects.create(
        record_a=a,
        record_b=b,
        match_probability=probability,
        match_weight=fields.pop("match_weight", 3.2),
        explanation=fields.pop("explanation", []),
        found_by_run=fields.pop("found_by_run", None) or LinkRun.objects.create(mode="full"),
        **fields,
    )


def create_relationship(
    extract_import: ExtractImport,
    record: PersonRecord,
    related: PersonRecord,
    relationship_type: str,
    ended: bool = False,
    **fields,
) -> SourceRelationship:
    """The source says `related` is `relationship_type` to `record`."""
    from django.utils import timezone

    n = next(_numbers)
    return SourceRelationship.objects.create(
        source=extract_import.source,
        person_record=record,
        related_record=related,
        relationship_type=relationship_type,
        row_hash=f"{n:032x}",
        created_by_import=extract_import,
        changed_by_import=extract_import,
        ended_at=timezone.now() if ended else None,
        ended_by_import=extract_import if ended else None,
        **fields,
    )


def create_involvement(
    extract_import: ExtractImport,
    record: PersonRecord,
    service_category: str | None = None,
    status: str = "current",
    **fields,
) -> Involvement:
    """An involvement of the record's person with the import's source's service."""
    n = next(_numbers)
    defaults = {
        "team": "Assessment Team West",
        "organisation": "Stockport Council",
        "start_date": date(2025, 1, 6),
        "lead_name": "Sam Lead",
        "lead_role": "Social Worker",
        "lead_phone": "0161 496 0001",
        "lead_email": "sam.lead@example.gov.uk",
        "duty_phone": "0161 496 0999",
    }
    return Involvement.objects.create(
        source=extract_import.source,
        source_involvement_id=fields.pop("source_involvement_id", f"I{n}"),
        person_record=record,
        service_category=service_category or extract_import.source.service_category,
        status=status,
        row_hash=f"{n:032x}",
        created_by_import=extract_import,
        changed_by_import=extract_import,
        **{**defaults, **fields},
    )


# A carer's police involvement for domestic abuse, as the first screen's tests read it:
# three offences in 2025, as offender twice and as suspect once (date, involvement).
DOMESTIC_ABUSE_2025 = (
    ("2025-11-28", "offender"),
    ("2025-10-22", "offender"),
    ("2025-03-28", "suspect"),
)


def create_police_domestic_abuse(
    extract_import: ExtractImport,
    record: PersonRecord,
    offences: Iterable[tuple[str, str]] = DOMESTIC_ABUSE_2025,
    **fields,
) -> Involvement:
    """A police involvement for domestic-abuse offences, each (date, involvement: offender,
    suspect, victim...), as a police extract sends them in details; other fields as
    `create_involvement` takes them."""
    details = {
        "offences": [
            {"date": when, "type": "domestic abuse", "involvement": role} for when, role in offences
        ]
    }
    return create_involvement(extract_import, record, details=details, **fields)
