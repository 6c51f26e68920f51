"""Phone numbers as a worker reads and dials them: "0161 496 0239", linked as
"tel:+441614960239".

Sources send numbers however their staff typed them ("01614960239", "(0161) 496-0100",
"+44 161 496 0100"), and sometimes two in one field, or with a word ("0161 496 0239 /
07700 900123", "07700 900123 (mob)"). Google's libphonenumber (the `phonenumbers` package,
kept up to date with Ofcom's number plan) finds each number, groups a UK number the way it
is spoken and gives the international form a phone dials from anywhere. Each number is a
link of its own; the words between are text. A number it cannot read is shown as the
source gave it, never dropped, and dialled by its digits; words with no number in them
are no link at all.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher
from phonenumbers import PhoneNumberFormat as Format

HOME_REGION = "GB"
# What a field holding one number as typed may hold besides its digits.
DIALLABLE = re.compile(r"\+?[\d\s().\-]*\d[\d\s().\-]*")


@dataclass(frozen=True)
class PhoneNumber:
    """A number to show (`shown`) and to dial (`href`, a tel: link); or words between
    numbers, shown as text (`href` empty: no link)."""

    shown: str
    href: str


# A family view shows the same few duty lines and lead professionals' numbers again and
# again, and parsing one with libphonenumber costs more than the rest of its line of the
# page: each number is worked out once per process (a county has a few thousand).
@lru_cache(maxsize=8192)
def phone_number(raw: str) -> PhoneNumber:
    """The whole text as one number: '01614960239' -> 0161 496 0239, tel:+441614960239; a
    number from abroad in its international form; anything unreadable as given, dialled
    by its digits (no link when it holds none)."""
    raw = " ".join(raw.split())
    return _one_number(raw) or _as_given(raw)


@lru_cache(maxsize=8192)
def phone_text(raw: str) -> tuple[PhoneNumber, ...]:
    """The text in pieces: each number in it (a link of its own) and the words between
    (no link), in order. Text that is one number is one piece, as `phone_number` gives it.
    Worked out once per process for each text, as `phone_number` is: the family view
    shows every lead professional's and duty line's number through this."""
    raw = " ".join(raw.split())
    one = _one_number(raw)
    if one is not None:
        return (one,)
    if not raw or DIALLABLE.fullmatch(raw):
        return (_as_given(raw),)
    pieces: list[PhoneNumber] = []
    at = 0
    for match in PhoneNumberMatcher(raw, HOME_REGION, leniency=Leniency.POSSIBLE):
        number = _formatted(match.number)
        if number is None:
            continue
        if match.start > at:
            pieces.append(PhoneNumber(raw[at : match.start], ""))
        pieces.append(number)
        at = match.end
    if not pieces:
        return (_as_given(raw),)
    if at < len(raw):
        pieces.append(PhoneNumber(raw[at:], ""))
    return tuple(pieces)


def _one_number(raw: str) -> PhoneNumber | None:
    """The text read as one number, or None when it is not one the number plan knows."""
    try:
        parsed = phonenumbers.parse(raw, HOME_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return _formatted(parsed)


def _formatted(parsed: phonenumbers.PhoneNumber) -> PhoneNumber | None:
    """The number grouped as spoken and dialled internationally; None when the number
    plan cannot group it without losing what was typed (a UK number a digit short loses
    its leading 0: "161496023")."""
    extension = parsed.extension
    parsed = phonenumbers.PhoneNumber(
        country_code=parsed.country_code,
        national_number=parsed.national_number,
        italian_leading_zero=parsed.italian_leading_zero,
        number_of_leading_zeros=parsed.number_of_leading_zeros,
    )
    # By country code, not region: Ofcom's drama numbers (07700 900...) are in no region.
    home = parsed.country_code == phonenumbers.country_code_for_region(HOME_REGION)
    shown = phonenumbers.format_number(parsed, Format.NATIONAL if home else Format.INTERNATIONAL)
    if home and not phonenumbers.is_valid_number(parsed) and not shown.startswith("0"):
        return None
    href = "tel:" + phonenumbers.format_number(parsed, Format.E164)
    if extension:
        shown += f", extension {extension}"
        href += f";ext={extension}"
    return PhoneNumber(shown=shown, href=href)


def _as_given(raw: str) -> PhoneNumber:
    """Shown as the source gave it, dialled by its digits; no link without any."""
    dialled = "".join(c for c in raw if c.isdigit() or c == "+")
    return PhoneNumber(shown=raw, href=f"tel:{dialled}" if any(c.isdigit() for c in raw) else "")
