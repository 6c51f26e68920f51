"""The front-line forms: searching for a child, the purpose of access, and reporting that
something looks wrong. Error messages follow the GOV.UK Design System's wording."""

import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from familyview.access.purpose import Purpose, PurposeOfAccess, purpose_problems
from familyview.identity.models import ProblemReport
from familyview.identity.problems import WHAT_MAX_LENGTH
from familyview.identity.search import PersonQuery
from familyview.reads.door import search_criteria
from familyview.sources.validation import POSTCODE_RE, nhs_number_is_valid

NOTHING_TO_SEARCH = (
    "Enter the child's name, date of birth, postcode, NHS number or a source system's identifier"
)


class SearchForm(forms.Form):
    """What a worker knows about the child. Any one of these is enough to search."""

    name = forms.CharField(
        max_length=200, required=False, error_messages={"max_length": "Enter a shorter name"}
    )
    # The date's parts are checked together (clean), whatever their length.
    date_of_birth_day = forms.CharField(required=False)
    date_of_birth_month = forms.CharField(required=False)
    date_of_birth_year = forms.CharField(required=False)
    postcode = forms.CharField(
        max_length=20,
        required=False,
        error_messages={"max_length": "Enter a full UK postcode, like SK4 1AA"},
    )
    nhs_number = forms.CharField(
        max_length=20,
        required=False,
        error_messages={"max_length": "Enter an NHS number with 10 digits, like 943 476 5919"},
    )
    source_id = forms.CharField(
        max_length=64,
        required=False,
        error_messages={"max_length": "A source system's identifier is 64 characters or fewer"},
    )

    # The date input posts three fields named like GOV.UK's: date_of_birth-day...
    DATE_PARTS = ("day", "month", "year")

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            for part in self.DATE_PARTS:
                data[f"date_of_birth_{part}"] = data.get(f"date_of_birth-{part}", "")
        super().__init__(data, *args, **kwargs)
        # Which of the three date boxes an error is about, for the error summary's link.
        self.date_error_part = "day"

    def clean_postcode(self) -> str:
        value = " ".join(self.cleaned_data["postcode"].upper().split())
        if value and not POSTCODE_RE.match(value):
            raise forms.ValidationError("Enter a full UK postcode, like SK4 1AA")
        return value

    def clean_nhs_number(self) -> str:
        value = self.cleaned_data["nhs_number"]
        digits = re.sub(r"[\s-]", "", value)
        if not digits:
            return ""
        if len(digits) != 10 or not digits.isdigit():
            raise forms.ValidationError("Enter an NHS number with 10 digits, like 943 476 5919")
        if not nhs_number_is_valid(digits):
            raise forms.ValidationError("Enter a real NHS number: check the digits")
        return digits

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._clean_date_of_birth(cleaned)
        if not self.errors and self.query().is_empty():
            self.add_error("name", NOTHING_TO_SEARCH)
        return cleaned

    def _clean_date_of_birth(self, cleaned: dict[str, Any]) -> None:
        day, month, year = (
            (cleaned.get(f"date_of_birth_{p}") or "").strip() for p in self.DATE_PARTS
        )
        cleaned["birth"] = (None, None, None)
        if not (day or month or year):
            return
        if not year:
            problem = ("Date of birth must include a year", "year")
        elif not re.fullmatch(r"\d{4}", year):
            problem = ("Year must include 4 numbers", "year")
        elif day and not month:
            problem = ("Date of birth must include a month", "month")
        elif not all(re.fullmatch(r"\d{1,2}", p) for p in (day, month) if p):
            problem = ("Date of birth must be a real date", "day" if day else "month")
        else:
            y, m, d = int(year), int(month) if month else None, int(day) if day else None
            problem = _date_problem(y, m, d)
            if problem is None:
                cleaned["birth"] = (y, m, d)
                return
        message, self.date_error_part = problem
        self.add_error("date_of_birth_day", message)

    def query(self) -> PersonQuery:
        """The search as the person index takes it."""
        data = self.cleaned_data
        year, month, day = data.get("birth", (None, None, None))
        return PersonQuery(
            name=(data.get("name") or "").strip(),
            birth_year=year,
            birth_month=month,
            birth_day=day,
            postcode=data.get("postcode") or "",
            nhs_number=data.get("nhs_number") or "",
            source_record_id=(data.get("source_id") or "").strip(),
        )

    def criteria(self) -> dict[str, Any]:
        """What was searched for, to keep in the session and to record in the audit log."""
        return search_criteria(self.query())

    @classmethod
    def from_criteria(cls, criteria: dict[str, Any]) -> "SearchForm":
        """The form as it was submitted, for showing the search again with its results."""
        data = {
            "name": criteria.get("name") or "",
            "date_of_birth-day": str(criteria.get("birth_day") or ""),
            "date_of_birth-month": str(criteria.get("birth_month") or ""),
            "date_of_birth-year": str(criteria.get("birth_year") or ""),
            "postcode": criteria.get("postcode") or "",
            "nhs_number": criteria.get("nhs_number") or "",
            "source_id": criteria.get("source_id") or "",
        }
        form = cls(data)
        form.is_valid()
        return form

    def date_value(self, part: str) -> str:
        return (self.data.get(f"date_of_birth-{part}") or "") if self.is_bound else ""

    def error_anchor(self, field_name: str) -> str:
        if field_name == "date_of_birth_day":
            return f"date_of_birth-{self.date_error_part}"
        return field_name


def _date_problem(year: int, month: int | None, day: int | None) -> tuple[str, str] | None:
    today = timezone.localdate()
    if year < 1900:
        return "Year must be 1900 or later", "year"
    if year > today.year:
        return "Date of birth must be in the past", "year"
    if month is not None and not 1 <= month <= 12:
        return "Date of birth must be a real date", "month"
    if day is not None:
        try:
            born = date(year, month or 1, day)
        except ValueError:
            return "Date of birth must be a real date", "day"
        if born > today:
            return "Date of birth must be in the past", "day"
    return None


class PurposeForm(forms.Form):
    """Why the worker is looking, and for which case: the rules are the domain's
    (`access.purpose.purpose_problems`, which the API applies too); each problem is put by
    its field."""

    FIELD_OF_PART = {
        "purpose": "purpose",
        "other_text": "other_purpose",
        "case_reference": "case_reference",
    }

    purpose = forms.ChoiceField(
        choices=Purpose.choices,
        required=False,
        error_messages={"invalid_choice": "Select why you are looking at this family"},
    )
    other_purpose = forms.CharField(required=False)
    case_reference = forms.CharField(required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        purpose = cleaned.get("purpose", "")
        # The words box shows only under 'Other': words left in it under another choice
        # were not meant to be given.
        other = cleaned.get("other_purpose", "") if purpose == Purpose.OTHER else ""
        for problem in purpose_problems(purpose, other, cleaned.get("case_reference", "")):
            self.add_error(self.FIELD_OF_PART[problem.part], problem.message)
        return cleaned

    def purpose_of_access(self) -> PurposeOfAccess:
        data = self.cleaned_data
        return PurposeOfAccess(
            purpose=Purpose(data["purpose"]),
            other_text=data["other_purpose"] if data["purpose"] == Purpose.OTHER else "",
            case_reference=data["case_reference"],
        )


class ProblemForm(forms.Form):
    """What looks wrong, about a person or one of their service involvements. "The same
    person as someone else in the family" is offered only with the family to choose
    from (`others`: person id and how the worker knows them, from the case's family)."""

    kind = forms.ChoiceField(
        choices=ProblemReport.Kind.choices,
        error_messages={
            "required": "Select what looks wrong",
            "invalid_choice": "Select what looks wrong",
        },
    )
    same_as = forms.ChoiceField(
        required=False,
        error_messages={"invalid_choice": "Select who in the family this is the same person as"},
    )
    what = forms.CharField(
        max_length=WHAT_MAX_LENGTH,
        error_messages={
            "required": "Describe what looks wrong",
            "max_length": f"Describe what looks wrong in {WHAT_MAX_LENGTH} characters or fewer",
        },
    )

    def __init__(self, *args, others: list[tuple[str, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.others = list(others)
        self.fields["same_as"].choices = [("", ""), *self.others]
        if not self.others:
            self.fields["kind"].choices = [
                c for c in ProblemReport.Kind.choices if c[0] != ProblemReport.Kind.SAME_PERSON
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") == ProblemReport.Kind.SAME_PERSON and not cleaned.get("same_as"):
            self.add_error("same_as", "Select who in the family this is the same person as")
        if cleaned.get("kind") != ProblemReport.Kind.SAME_PERSON:
            cleaned["same_as"] = ""
        return cleaned


class ResolveProblemForm(forms.Form):
    note = forms.CharField(
        max_length=1000,
        error_messages={
            "required": "Enter what you did about the report",
            "max_length": "The note must be 1000 characters or fewer",
        },
    )


def error_list(form: forms.Form, anchors: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The form's errors as govukErrorSummary's errorList, each linking to its field."""
    anchors = anchors or {}
    items = []
    for field_name, messages in form.errors.items():
        anchor = anchors.get(field_name, field_name)
        if field_name not in form.fields:
            anchor = next(iter(form.fields))
        items.extend({"text": str(m), "href": f"#{anchor}"} for m in messages)
    return items


def field_error(form: forms.Form, field_name: str) -> dict[str, str] | None:
    messages = form.errors.get(field_name)
    return {"text": str(messages[0])} if messages else None
