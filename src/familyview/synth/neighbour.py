"""The demo's neighbouring council: a small Manchester whose records straddle the border
with the demo authority (docs/peers.md, README "A walk through the demo").

It reads the demo authority's ground truth (DIR/truth/people.csv, relationships.csv, as
`familyview synth` wrote them) to find the README's child and the adults of her family,
and writes, into this deployment's own database, Manchester's few records of them with
the same NHS numbers and dates of birth: her mother on probation in Manchester (a
probation officer to call), her grandfather known to Manchester's adult social care,
and her grandmother shielded in Manchester (answered "held", with the duty line). Every
name, number and service in it is made up, as the demo authority's are.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from familyview.access.factories import create_authority
from familyview.access.models import Authority
from familyview.families.factories import create_involvement, create_person
from familyview.identity.search import refresh_search_entries
from familyview.sources.factories import create_import, create_person_record, create_source

CODE, COUNCIL = "manchester", "Manchester City Council"
DUTY_LINE = "0161 234 5001"


class NeighbourError(ValueError):
    """The demo authority's ground truth cannot be read as asked (the message says why)."""


@dataclass(frozen=True)
class TruePerson:
    person_id: str
    given_name: str
    family_name: str
    born: date
    sex: str
    nhs_number: str


def _read(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        raise NeighbourError(
            f"{path} cannot be read ({e.strerror}): run `familyview synth` first"
        ) from None


def border_family(extracts: Path, child: str) -> dict[str, TruePerson]:
    """The child (by full name) and the adults of her family, by how they are related to
    her: "mother", "father", "grandparent" (the first two), from the ground truth."""
    people = {
        row["person_id"]: TruePerson(
            row["person_id"],
            row["given_name"],
            row["family_name"],
            date.fromisoformat(row["date_of_birth"]),
            row["sex"],
            row["nhs_number"],
        )
        for row in _read(extracts / "truth" / "people.csv")
        if row.get("date_of_birth") and row.get("nhs_number")
    }
    named = [p for p in people.values() if f"{p.given_name} {p.family_name}" == child]
    if len(named) != 1:
        raise NeighbourError(
            f"{len(named) or 'no'} people called {child!r} in {extracts}/truth/people.csv"
        )
    found = {"child": named[0]}
    for row in _read(extracts / "truth" / "relationships.csv"):
        if row["person_id"] != named[0].person_id or row["related_person_id"] not in people:
            continue
        kind = row["relationship_type"]
        relative = people[row["related_person_id"]]
        if kind in ("mother", "father") and kind not in found:
            found[kind] = relative
        elif kind == "grandparent":
            found["grandfather" if relative.sex == "male" else "grandmother"] = relative
    return found


def set_up_neighbour(extracts: Path, child: str) -> list[str]:
    """Write Manchester's records of the child's family (once: a deployment that has them
    already is left alone). Returns what was written, in words."""
    if Authority.objects.filter(code=CODE).exists():
        return []
    family = border_family(extracts, child)
    now = timezone.now()
    said: list[str] = []
    with transaction.atomic():
        authority = create_authority(CODE, COUNCIL)

        def source(code: str, name: str, category: str, duty: str):
            made = create_source(
                authority,
                code=code,
                name=name,
                service_category=category,
                organisation=f"{COUNCIL} partners",
                duty_phone=duty,
                expected_every_days=7,
            )
            return create_import(made, extracted_at=now, imported_by="demo-setup")

        def record(imp, person: TruePerson, **fields):
            made = create_person_record(
                imp,
                given_name=person.given_name,
                family_name=person.family_name,
                birth_year=person.born.year,
                birth_month=person.born.month,
                birth_day=person.born.day,
                nhs_number=person.nhs_number,
                postcode="M9 8AA",
                **fields,
            )
            create_person(made)
            return made

        parent = family.get("father") or family.get("mother")
        if parent is not None:
            probation = source(
                "MCR-PROBATION", "Probation case system", "probation", "0161 496 0700"
            )
            create_involvement(
                probation,
                record(probation, parent),
                team="Manchester North Probation",
                organisation="Probation Service",
                start_date=date(now.year, 1, 12) if now.month > 1 else date(now.year - 1, 11, 3),
                lead_name="Chris Adebayo",
                lead_role="Probation Officer",
                lead_phone="0161 496 0731",
                lead_email="chris.adebayo@probation.example.gov.uk",
                duty_phone="0161 496 0700",
            )
            said.append(f"{parent.given_name} {parent.family_name}: on probation in Manchester")
        grandfather, grandmother = family.get("grandfather"), family.get("grandmother")
        if grandfather is not None or grandmother is not None:
            adults = source("MCR-ASC", "Adult social care system", "adult_social_care", DUTY_LINE)
            if grandfather is not None:
                create_involvement(
                    adults,
                    record(adults, grandfather),
                    team="Manchester North Adults Team",
                    organisation=COUNCIL,
                    start_date=date(2025, 9, 1),
                    lead_name="Amira Said",
                    lead_role="Social Worker",
                    lead_phone="0161 496 0742",
                    lead_email="amira.said@manchester.example.gov.uk",
                    duty_phone=DUTY_LINE,
                )
                said.append(
                    f"{grandfather.given_name} {grandfather.family_name}: known to Manchester's "
                    "adult social care"
                )
            if grandmother is not None:
                create_involvement(
                    adults, record(adults, grandmother, restricted=True), duty_phone=DUTY_LINE
                )
                said.append(
                    f"{grandmother.given_name} {grandmother.family_name}: shielded in Manchester"
                )
        refresh_search_entries()
    return said
