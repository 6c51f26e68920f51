"""Validation of one field of one row: each rule returns the clean value or raises FieldError.

The rules are small functions so that a row is checked by a tight loop over
(field, rule) pairs: ingest checks every row of every extract, at tens of thousands of
rows a second.
"""

import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from familyview.sources.models import RelationshipType
from familyview.sources.readers import NOT_TEXT, not_text


class FieldError(ValueError):
    """A field broke a rule; the message says what was wrong in a steward's words."""


Rule = Callable[[str], object]

EARLIEST_DATE = date(1900, 1, 1)
POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
# Another country's postcode: letters, digits, spaces and dashes ("4223", "1012 AB",
# "D02 X285", "1100-148"), with at least two digits so that words such as "NFA" or
# "UNKNOWN" are not taken for one.
OTHER_POSTCODE_RE = re.compile(r"^[A-Z0-9](?:[A-Z0-9 -]*[A-Z0-9])?$")
# The person index compares postcodes without their spaces in at most 8 characters.
POSTCODE_KEY_MAX = 8
# The time after a date: '00:00:00', '09:30', '09:30:00.000', with a zone or not.
TIME_RE = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
UPN_RE = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")
UPRN_RE = re.compile(r"^[0-9]{1,12}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Digits with the spaces, brackets and dashes people write: at least 6 digits, at most 15.
PHONE_RE = re.compile(r"^\+?(?:[ ()\-]*[0-9]){6,15}[ ()\-]*$")
SEXES = frozenset({"female", "male", "other", "unknown"})
STATUSES = frozenset({"current", "historic", "not_recorded"})
# Words sources send when they do not know whether an involvement is open: kept as a
# status of their own, never taken for current or historic.
NOT_RECORDED_WORDS = frozenset(
    {"not specified", "not recorded", "not known", "unknown", "not stated", "n/a", "na"}
)
RELATIONSHIP_TYPES = frozenset(RelationshipType.values)
TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "0"})


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number modulus 11 check on ten digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    d = [c - 48 for c in digits.encode()]  # checked one row at a time: keep it cheap
    total = 10 * d[0] + 9 * d[1] + 8 * d[2] + 7 * d[3] + 6 * d[4] + 5 * d[5] + 4 * d[6]
    check = 11 - (total + 3 * d[7] + 2 * d[8]) % 11
    if check == 11:
        check = 0
    return check != 10 and check == d[9]


def text(max_length: int) -> Rule:
    """Any text up to a length, kept exactly as sent (formulae included: never evaluated)."""

    def rule(value: str) -> str:
        if len(value) > max_length:
            raise FieldError(f"is {len(value)} characters long; at most {max_length} allowed")
        # isprintable() first: far cheaper, and true of almost every value.
        if not value.isprintable() and (match := NOT_TEXT.search(value)):
            raise FieldError(f"holds {not_text(match.group())}, which text cannot hold")
        return value

    return rule


def required_text(max_length: int) -> Rule:
    check_length = text(max_length)

    def rule(value: str) -> str:
        if not value.strip():
            raise FieldError("is required")
        return check_length(value.strip())

    return rule


@dataclass(frozen=True)
class DateParser:
    """Parses dates in ISO form, or in the formats a source's mapping declares."""

    formats: tuple[str, ...] = ()

    def parse(self, value: str) -> date:
        value = value.strip()
        iso = not self.formats or "%Y-%m-%d" in self.formats
        if iso and len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        for fmt in self.formats:
            try:
                return datetime.strptime(value, fmt).date()
            except ValueError:
                continue
        # A date-time where a date is expected, as databases and Excel write them
        # ('2022-10-15 00:00:00', '2022-10-15T09:30', '15/10/2022 00:00'): its date.
        day, sep, time = value.partition("T" if "T" in value[8:11] else " ")
        if sep and TIME_RE.match(time.strip()):
            with contextlib.suppress(FieldError):
                return self.parse(day)
        raise FieldError(f"{value!r} is not a real date (expected {self.expected})")

    @property
    def expected(self) -> str:
        """The formats accepted, in words a steward can compare a value with."""
        formats = self.formats or ("%Y-%m-%d",)
        words = [f.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD") for f in formats]
        return f"{' or '.join(words)}, with or without a time"

    def date_rule(self) -> Rule:
        def rule(value: str) -> date:
            parsed = self.parse(value)
            if parsed < EARLIEST_DATE:
                raise FieldError(f"{value!r} is before 1900")
            return parsed

        return rule

    def birth_date_rule(self, today: date) -> Rule:
        """A date of birth: full, or partial as YYYY-MM or YYYY. Returns (year, month, day)."""

        def rule(value: str) -> tuple[int, int | None, int | None]:
            value = value.strip()
            if len(value) == 4 and value.isdigit():
                parts: tuple[int, int | None, int | None] = (int(value), None, None)
            elif len(value) == 7 and value[4] == "-" and value[:4].isdigit():
                month = value[5:]
                if not month.isdigit() or not 1 <= int(month) <= 12:
                    raise FieldError(f"{value!r} is not a real month")
                parts = (int(value[:4]), int(month), None)
            else:
                d = self.parse(value)
                parts = (d.year, d.month, d.day)
            year, month, day = parts
            if year < EARLIEST_DATE.year:
                raise FieldError(f"{value!r} is before 1900")
            if (year, month or 1, day or 1) > (today.year, today.month, today.day):
                raise FieldError(f"{value!r} is in the future")
            return parts

        return rule


def choice(allowed: frozenset[str], what: str) -> Rule:
    def rule(value: str) -> str:
        v = value.strip().lower()
        if v not in allowed:
            raise FieldError(f"{value!r} is not a known {what} ({', '.join(sorted(allowed))})")
        return v

    return rule


def nhs_number(value: str) -> str:
    digits = value.replace(" ", "").replace("-", "")
    if len(digits) != 10 or not digits.isdigit():
        raise FieldError("must be 10 digits")
    if not nhs_number_is_valid(digits):
        raise FieldError("fails the NHS number check digit (modulus 11)")
    return digits


def postcode(value: str) -> str:
    """A UK postcode in its usual form ('sk13xe' -> 'SK1 3XE'); another country's as
    written, in capitals with single spaces ('1012  ab' -> '1012 AB')."""
    v = " ".join(value.upper().split())
    m = POSTCODE_RE.match(v)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    if is_other_postcode(v):
        return v
    raise FieldError(
        f"{value!r} is not a postcode: neither UK-shaped (like SK1 3XE) nor another "
        f"country's (letters and digits, at least 2 digits, at most {POSTCODE_KEY_MAX} "
        "without spaces, like 4223 or 1012 AB)"
    )


def is_uk_postcode(value: str) -> bool:
    """Whether a postcode has the UK shape (as ingest stores it, or as written)."""
    return bool(POSTCODE_RE.match(" ".join(value.upper().split())))


def is_other_postcode(value: str) -> bool:
    """Whether a value (capitals, single spaces) can be another country's postcode."""
    compact = value.replace(" ", "")
    return (
        3 <= len(compact) <= POSTCODE_KEY_MAX
        and sum(c.isdigit() for c in compact) >= 2
        and OTHER_POSTCODE_RE.match(value) is not None
    )


def postcode_part(part: str) -> str | None:
    """The postcode, when the last part of an address written on one line is one.

    Stricter than `postcode`, since the part may be a house number or a street: a UK
    postcode, or another country's with at least 3 digits, at most two words, any word
    of letters alone at most 3 letters long and then beside a number of 4 digits or more
    ('1012 AB', 'VLT 1117'); a number alone has 4 digits or more ('4223', '90210').
    '12 High Street', 'Flat 12' and '123 Elm' are not postcodes.
    """
    v = " ".join(part.upper().split())
    if POSTCODE_RE.match(v):
        return postcode(v)
    words = v.split(" ")
    if not is_other_postcode(v) or len(words) > 2:
        return None
    if sum(c.isdigit() for c in v) < 3:
        return None
    numbers = [w for w in words if w.replace("-", "").isdigit()]
    lettered = [w for w in words if w.isalpha()]
    if any(len(w) > 3 for w in lettered):
        return None
    if (lettered or len(words) == 1) and not any(sum(c.isdigit() for c in w) >= 4 for w in numbers):
        return None
    return v


def upn(value: str) -> str:
    v = value.strip().upper()
    if not UPN_RE.match(v):
        raise FieldError("is not a Unique Pupil Number (a letter, 11 digits, a digit or letter)")
    return v


def uprn(value: str) -> str:
    v = value.strip()
    if not UPRN_RE.match(v):
        raise FieldError("is not a UPRN (1 to 12 digits)")
    return v.lstrip("0") or "0"


def email(value: str) -> str:
    v = value.strip()
    if len(v) > 254 or not EMAIL_RE.match(v):
        raise FieldError(f"{value!r} is not an email address")
    return v


def phone(value: str) -> str:
    v = value.strip()
    if len(v) > 40 or not PHONE_RE.match(v):
        raise FieldError(f"{value!r} is not a phone number")
    return v


def flag(value: str) -> bool:
    v = value.strip().lower()
    if v in TRUE_WORDS:
        return True
    if v in FALSE_WORDS:
        return False
    raise FieldError(
        f"{value!r} is not true or false (true: {', '.join(sorted(TRUE_WORDS))}; "
        f"false: {', '.join(sorted(FALSE_WORDS))})"
    )


def details(value: str | dict) -> str:
    """Category-specific details: a JSON object, stored as JSON text."""
    if isinstance(value, dict):
        encoded = json.dumps(value, ensure_ascii=False)
    elif not isinstance(value, str):
        raise FieldError("must be a JSON object")
    else:
        try:
            obj = json.loads(value)
        except json.JSONDecodeError as e:
            raise FieldError(f"is not valid JSON ({e.msg} at character {e.pos})") from None
        if not isinstance(obj, dict):
            raise FieldError("must be a JSON object")
        encoded = value
    if "\\u0000" in encoded or "\x00" in encoded:
        raise FieldError("holds a NUL character")
    if len(encoded) > 10_000:
        raise FieldError("is over 10,000 characters")
    return encoded


sex = choice(SEXES, "sex")
_status_choice = choice(STATUSES, "status")


def status(value: str) -> str:
    """'current', 'historic', or 'not_recorded' when the source says it does not know."""
    words = " ".join(value.replace("_", " ").lower().split())
    if words in NOT_RECORDED_WORDS:
        return "not_recorded"
    try:
        return _status_choice(value)
    except FieldError as e:
        raise FieldError(
            f"{e}; words for not known ({', '.join(sorted(NOT_RECORDED_WORDS))}) are kept as "
            "not_recorded, and a mapping's value map may name others"
        ) from None


relationship_type = choice(RELATIONSHIP_TYPES, "relationship type")
