"""Writing small extracts to disk for ingest tests, in the canonical format."""

import csv
import io
import json
from pathlib import Path

from familyview.sources.columns import (
    INVOLVEMENT_COLUMNS as INVOLVEMENT_COLUMNS,
)
from familyview.sources.columns import (
    PEOPLE_COLUMNS as PEOPLE_COLUMNS,
)
from familyview.sources.columns import (
    RELATIONSHIP_COLUMNS as RELATIONSHIP_COLUMNS,
)


def person(source_id: str, /, **fields) -> dict:
    base = {
        "source_id": source_id,
        "given_name": "Alex",
        "family_name": "Example",
        "date_of_birth": "2015-04-03",
        "sex": "female",
        "postcode": "SK1 3XE",
    }
    base.update(fields)
    return base


def involvement(involvement_id: str, person_source_id: str, **fields) -> dict:
    base = {
        "involvement_id": involvement_id,
        "person_source_id": person_source_id,
        "service_category": "childrens_social_care",
        "status": "current",
        "team": "Locality Team North",
        "start_date": "2025-01-10",
        "lead_name": "Sam Worker",
        "lead_role": "Social worker",
        "lead_phone": "0161 496 0123",
        "lead_email": "sam.worker@stockport.gov.uk",
    }
    base.update(fields)
    return base


def write_csv(
    path: Path, columns: list[str], rows: list[dict], *, bom: bool = False, crlf: bool = False
) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n" if crlf else "\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8"))
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_extract(
    folder: Path,
    source: str = "CSC",
    *,
    people: list[dict] | None = None,
    involvements: list[dict] | None = None,
    relationships: list[dict] | None = None,
    extracted_at: str = "2026-11-20T02:00:00Z",
    kind: str = "full",
    **csv_options,
) -> Path:
    """An extract folder: extract.json plus the CSV files given."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "source": source,
        "extracted_at": extracted_at,
        "kind": kind,
        "coverage_start": "2015-04-01",
        "coverage_end": extracted_at[:10],
        "coverage_area": "Stockport",
    }
    (folder / "extract.json").write_text(json.dumps(meta), encoding="utf-8")
    if people is not None:
        write_csv(folder / "people.csv", PEOPLE_COLUMNS, people, **csv_options)
    if involvements is not None:
        write_csv(folder / "involvements.csv", INVOLVEMENT_COLUMNS, involvements, **csv_options)
    if relationships is not None:
        write_csv(folder / "relationships.csv", RELATIONSHIP_COLUMNS, relationships, **csv_options)
    return folder
