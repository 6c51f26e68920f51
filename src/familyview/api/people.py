"""People as the API's person endpoints show them: names in parts, the date of birth as
far as it is known, sex, a partial address and the case management system's identifier.

The pages show the same facts (the family view shows the date of birth; every list shows
the partial address, never the house number or full postcode, and none at all for a
shielded person or anyone living where one does). The name, age, address and sources come
from the person summaries the pages use (identity.summaries); the name's parts, the date
of birth, sex and the case system's id from one more query, within one authority.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from familyview.identity.summaries import PersonSummary, person_summaries
from familyview.sources.models import PersonRecord

# The source whose record identifier is the "case management system" id (cmsId).
CASE_SYSTEM_CATEGORY = "childrens_social_care"
SEXES = ("female", "male", "other")


@dataclass(frozen=True)
class PersonFacts:
    """One person's identifying facts, as most of their live records give them."""

    person_id: str
    given_name: str
    family_name: str
    birth_year: int | None
    birth_month: int | None
    birth_day: int | None
    sex: str  # "female", "male", "other"; "" when not known
    case_system_id: str  # the children's social care record id, "" if none
    summary: PersonSummary  # name, age, partial address (withheld as the pages withhold it)

    @property
    def partial_address(self) -> str:
        """Street and postcode district; "" when withheld or not known."""
        return self.summary.partial_address

    @property
    def date_of_birth(self) -> date | None:
        """The full date of birth, when every part is known and real."""
        if not (self.birth_year and self.birth_month and self.birth_day):
            return None
        try:
            return date(self.birth_year, self.birth_month, self.birth_day)
        except ValueError:
            return None

    @property
    def date_of_birth_text(self) -> str:
        """As much of the date of birth as is known: '2016-06-04', '2016-06', '2016', ''."""
        if not self.birth_year:
            return ""
        parts = [f"{self.birth_year:04d}"]
        if self.birth_month:
            parts.append(f"{self.birth_month:02d}")
            if self.birth_day:
                parts.append(f"{self.birth_day:02d}")
        return "-".join(parts)


def person_facts(person_ids: Iterable[str], authority_id: int) -> dict[str, PersonFacts]:
    """Each person's facts from their records in this authority; a person with none there
    is left out (as if they did not exist)."""
    wanted = list(person_ids)
    if not wanted:
        return {}
    summaries = person_summaries(wanted, [authority_id])
    rows = (
        PersonRecord.objects.filter(
            link__person_id__in=wanted,
            link__person__retired_at__isnull=True,
            source__authority_id=authority_id,
        )
        .values(
            "link__person_id",
            "source_record_id",
            "given_name",
            "family_name",
            "birth_year",
            "birth_month",
            "birth_day",
            "sex",
            "ended_at",
            "source__service_category",
        )
        .order_by("link__person_id", "pk")
    )
    by_person: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_person[row["link__person_id"]].append(row)
    return {
        pid: _facts(pid, records, summaries[pid])
        for pid, records in by_person.items()
        if pid in summaries
    }


def _most_common(values: Iterable) -> object | None:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else None


def _facts(person_id: str, records: list[dict], summary: PersonSummary) -> PersonFacts:
    live = [r for r in records if r["ended_at"] is None] or records
    births = Counter(
        (r["birth_year"], r["birth_month"], r["birth_day"]) for r in live if r["birth_year"]
    )
    birth = (
        max(births, key=lambda b: (births[b], b[1] is not None, b[2] is not None))
        if births
        else (None, None, None)
    )
    case_ids = sorted(
        r["source_record_id"] for r in live if r["source__service_category"] == CASE_SYSTEM_CATEGORY
    )
    return PersonFacts(
        person_id=person_id,
        given_name=str(_most_common(r["given_name"] for r in live) or ""),
        family_name=str(_most_common(r["family_name"] for r in live) or ""),
        birth_year=birth[0],
        birth_month=birth[1],
        birth_day=birth[2],
        sex=str(_most_common(r["sex"] for r in live if r["sex"] in SEXES) or ""),
        case_system_id=case_ids[0] if case_ids else "",
        summary=summary,
    )
