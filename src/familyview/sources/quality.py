"""Data quality per source, for the data steward: how complete and valid each source's
current person records are, and how old its data is.

Each figure is one aggregate query over all the authorities' sources (Count with a
condition, grouped by source), never a loop over records, so the page costs the same few
queries for a thousand records or ten million. How the records sit in the person index
(duplicates, links to other sources) is counted a floor up, in identity/source_links.py,
which puts the Data quality page's figures together.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone

from familyview.sources.models import PersonRecord, QuarantinedRow
from familyview.sources.queries import SourceOverview, sources_overview

# A postcode as ingest stores a UK one ("SK1 3XE"); any other is another country's.
UK = r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$"
# What "filled in" means for each field the linkage relies on. "unknown" is no sex at all.
COMPLETENESS = {
    "given_name": ("Given name", ~Q(given_name="")),
    "family_name": ("Family name", ~Q(family_name="")),
    "full_date_of_birth": (
        "Full date of birth",
        Q(birth_year__isnull=False, birth_month__isnull=False, birth_day__isnull=False),
    ),
    "partial_date_of_birth": (
        "Partial date of birth",
        Q(birth_year__isnull=False) & (Q(birth_month__isnull=True) | Q(birth_day__isnull=True)),
    ),
    "sex": ("Sex", ~Q(sex="") & ~Q(sex="unknown")),
    "postcode": ("Postcode", ~Q(postcode="")),
    # Kept as written by ingest; the person index and family building compare UK ones best.
    "postcode_outside_uk": ("Postcode outside the UK", ~Q(postcode="") & ~Q(postcode__regex=UK)),
    "uprn": ("UPRN", ~Q(uprn="")),
    "nhs_number": ("NHS number", ~Q(nhs_number="")),
}
# Fields whose values ingest checks (a failing value is held back, not loaded), and the
# current records whose value passes: a UK postcode, any NHS number held.
CHECKED = {"postcode": "Postcode", "nhs_number": "NHS number"}
PASSING = {"postcode": Q(postcode__regex=UK), "nhs_number": ~Q(nhs_number="")}
PEOPLE = "people"


def percent(share: float | None) -> str:
    """'97%'; never '100%' unless every record has it, never '0%' unless none has."""
    if share is None:
        return "No records"
    if 0.995 <= share < 1:
        return "99%"
    if 0 < share < 0.005:
        return "less than 1%"
    return f"{share * 100:.0f}%"


@dataclass(frozen=True)
class FieldShare:
    """How many current records have a field, and what share of them that is."""

    field: str
    name: str
    count: int
    total: int

    @property
    def share(self) -> float | None:
        return self.count / self.total if self.total else None

    @property
    def share_text(self) -> str:
        return percent(self.share)


@dataclass(frozen=True)
class Validity:
    """Of the values a source sent for a checked field, how many passed the check.

    Passed: current records holding a value that passes (each passed when it was loaded;
    a postcode passes as a UK one, another country's is counted apart). Failed: rows of the
    last loaded extract quarantined or held back for this field.
    """

    field: str
    name: str
    passed: int
    failed: int

    @property
    def share(self) -> float | None:
        seen = self.passed + self.failed
        return self.passed / seen if seen else None

    @property
    def share_text(self) -> str:
        return percent(self.share)


@dataclass(frozen=True)
class SourceQuality:
    """One source's data quality, as its own records show it."""

    overview: SourceOverview
    completeness: list[FieldShare]
    validity: list[Validity]
    # Rows of people the last loaded extract quarantined, by field ("" for a whole row).
    quarantined_by_field: dict[str, int]
    extract_age_days: int | None

    @property
    def source(self):
        return self.overview.source

    @property
    def current_records(self) -> int:
        return self.overview.current_people


def source_quality(
    authority_ids: Iterable[int], now: datetime | None = None
) -> list[SourceQuality]:
    """Each source of these authorities with its data quality figures."""
    ids = list(authority_ids)
    now = now or timezone.now()
    overviews = sources_overview(ids, now=now)
    filled = completeness_counts(ids)
    quarantined = quarantined_people_by_field(
        [o.last_loaded_import_id for o in overviews if o.last_loaded_import_id]
    )
    out = []
    for o in overviews:
        counts = filled.get(o.source.pk, {})
        total = counts.get("current", 0)
        by_field = quarantined.get(o.last_loaded_import_id, {})
        out.append(
            SourceQuality(
                overview=o,
                completeness=[
                    FieldShare(key, name, counts.get(key, 0), total)
                    for key, (name, _) in COMPLETENESS.items()
                ],
                validity=[
                    Validity(key, name, counts.get(f"{key}_passing", 0), by_field.get(key, 0))
                    for key, name in CHECKED.items()
                ],
                quarantined_by_field=by_field,
                extract_age_days=(now - o.last_extracted_at).days if o.last_extracted_at else None,
            )
        )
    return out


def current_records(authority_ids: Iterable[int]):
    """The current (not ended) person records of these authorities' sources."""
    return PersonRecord.objects.filter(
        source__authority_id__in=list(authority_ids), ended_at__isnull=True
    )


def completeness_counts(authority_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per source: current person records, and how many have each field filled in."""
    rows = (
        current_records(authority_ids)
        .order_by()
        .values("source_id")
        # Named apart from the fields ("n_postcode"): a count named "postcode" would be
        # what a later condition on the postcode field refers to.
        .annotate(
            n_current=Count("pk"),
            **{
                f"n_{k}": Count("pk", filter=condition)
                for k, (_, condition) in COMPLETENESS.items()
            },
            **{f"n_{k}_passing": Count("pk", filter=condition) for k, condition in PASSING.items()},
        )
    )
    return {row.pop("source_id"): {k[2:]: n for k, n in row.items()} for row in rows}


def quarantined_people_by_field(import_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per import: its quarantined rows of people, by the field that failed.

    A row failing several fields counts once for each ("postcode, nhs_number").
    """
    rows = (
        QuarantinedRow.objects.filter(extract_import_id__in=list(import_ids), record_kind=PEOPLE)
        .order_by()
        .values("extract_import_id", "field")
        .annotate(n=Count("pk"))
    )
    out: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        for name in (row["field"] or "").split(","):
            out[row["extract_import_id"]][name.strip()] += row["n"]
    return {imp: dict(counts) for imp, counts in out.items()}
