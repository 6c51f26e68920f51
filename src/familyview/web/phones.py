"""Phone numbers as a worker reads and dials them: "0161 496 0239", linked as
"tel:+441614960239".

Sources send numbers however their staff typed them ("01614960239", "(0161) 496-0100",
"+44 161 496 0100"). Google's libphonenumber (the `phonenumbers` package, kept up to
date with Ofcom's number plan) groups a UK number the way it is spoken and gives the
international form a phone dials from anywhere. A number it cannot read is shown as the
source gave it, never dropped: a worker can still read it out.
"""

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat as Format

HOME_REGION = "GB"


@dataclass(frozen=True)
class PhoneNumber:
    """A number to show (`shown`) and to dial (`href`, a tel: link)."""

    shown: str
    href: str


# A family view shows the same few duty lines and lead professionals' numbers again and
# again, and parsing one with libphonenumber costs more than the rest of its line of the
# page: each number is worked out once per process (a county has a few thousand).
@lru_cache(maxsize=8192)
def phone_number(raw: str) -> PhoneNumber:
    """'01614960239' -> 0161 496 0239, tel:+441614960239; a number from abroad in its
    international form; anything unreadable as given, dialled by its digits."""
    raw = " ".join(raw.split())
    try:
        parsed = phonenumbers.parse(raw, HOME_REGION)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        dialled = "".join(c for c in raw if c.isdigit() or c == "+")
        return PhoneNumber(shown=raw, href=f"tel:{dialled}")
    extension = parsed.extension
    parsed.extension = None
    # By country code, not region: Ofcom's drama numbers (07700 900...) are in no region.
    home = parsed.country_code == phonenumbers.country_code_for_region(HOME_REGION)
    style = Format.NATIONAL if home else Format.INTERNATIONAL
    shown = phonenumbers.format_number(parsed, style)
    href = "tel:" + phonenumbers.format_number(parsed, Format.E164)
    if extension:
        shown += f", extension {extension}"
        href += f";ext={extension}"
    return PhoneNumber(shown=shown, href=href)
