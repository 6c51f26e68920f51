"""Search criteria as the API takes them, checked as the search page checks them."""

import re
from datetime import date

from django.utils import timezone

from familyview.api.problems import ApiProblem, FieldProblem
from familyview.identity.search import PersonQuery
from familyview.reads.door import search_criteria
from familyview.sources.validation import POSTCODE_RE, nhs_number_is_valid

NOTHING_TO_SEARCH = (
    "Give the child's name, date of birth, postcode, NHS number or a source system's identifier"
)


def person_query(
    *,
    name: str = "",
    birth: tuple[int | None, int | None, int | None] = (None, None, None),
    postcode: str = "",
    nhs_number: str = "",
    source_id: str = "",
    fields: dict[str, str] | None = None,
) -> PersonQuery:
    """The search as the person index takes it; 422 naming each field that is wrong.

    `fields` renames fields for the error messages (the reference API's names differ).
    """
    names = {"name": "name", "date_of_birth": "date_of_birth", "postcode": "postcode"}
    names |= {"nhs_number": "nhs_number", "source_id": "source_id"} | (fields or {})
    errors: list[FieldProblem] = []
    postcode = " ".join(postcode.upper().split())
    if postcode and not POSTCODE_RE.match(postcode):
        errors.append(
            FieldProblem("body", names["postcode"], "Enter a full UK postcode, like SK4 1AA")
        )
    digits = re.sub(r"[\s-]", "", nhs_number)
    if digits and (len(digits) != 10 or not digits.isdigit()):
        errors.append(
            FieldProblem(
                "body", names["nhs_number"], "Enter an NHS number with 10 digits, like 943 476 5919"
            )
        )
    elif digits and not nhs_number_is_valid(digits):
        errors.append(
            FieldProblem("body", names["nhs_number"], "Enter a real NHS number: check the digits")
        )
    year, month, day = birth
    problem = _birth_problem(year, month, day)
    if problem:
        errors.append(FieldProblem("body", names["date_of_birth"], problem))
    if errors:
        raise ApiProblem(
            422, "The search is not right: see errors.", kind="invalid-request", errors=errors
        )
    query = PersonQuery(
        name=" ".join(name.split()),
        birth_year=year,
        birth_month=month,
        birth_day=day,
        postcode=postcode,
        nhs_number=digits,
        source_record_id=source_id.strip(),
    )
    if query.is_empty():
        raise ApiProblem(
            422,
            NOTHING_TO_SEARCH + ".",
            kind="invalid-request",
            errors=[FieldProblem("body", names["name"], NOTHING_TO_SEARCH)],
        )
    return query


def _birth_problem(year: int | None, month: int | None, day: int | None) -> str:
    if year is None:
        return "A date of birth must include a year" if (month or day) else ""
    today = timezone.localdate()
    if day and not month:
        return "A date of birth with a day must include a month"
    if year < 1900:
        return "The year of birth must be 1900 or later"
    if year > today.year:
        return "The date of birth must be in the past"
    if month is not None and not 1 <= month <= 12:
        return "The date of birth must be a real date"
    if day is not None:
        try:
            born = date(year, month or 1, day)
        except ValueError:
            return "The date of birth must be a real date"
        if born > today:
            return "The date of birth must be in the past"
    return ""


def criteria_words(query: PersonQuery) -> dict[str, object]:
    """What was searched for, without the empty criteria (for the audit log, as the
    search page records it)."""
    given = search_criteria(query)
    return {k: v for k, v in given.items() if v not in ("", None)}
