"""Addresses as they are compared and as they are shown: the one place either is worked out.

A dwelling is compared by its keys: its property ("u:<UPRN>") and its first line and
postcode ("a:<words>|<postcode>"). Households are found by them (families/building.py),
and nobody's address is shown where a shielded person's keys say they live
(identity/persons.py). A postcode's key is also the linkage model's postcode feature.
What a page or the API shows of an address is only its street and postcode district.
"""

import re
import unicodedata
from functools import lru_cache

from familyview.sources.validation import is_other_postcode, is_uk_postcode


@lru_cache(maxsize=200_000)
def postcode_key(postcode: str) -> str | None:
    """A postcode as it is compared: capitals, no spaces ('sk1 3xe' -> 'SK13XE'). Other
    countries' postcodes ('4223', '1012 AB') are kept the same way and compared whole."""
    return "".join(postcode.split()).upper() or None


_WORDS = re.compile(r"[a-z0-9]+")
_ABBREVIATIONS = {
    "st": "street",
    "rd": "road",
    "ln": "lane",
    "ave": "avenue",
    "av": "avenue",
    "cl": "close",
    "dr": "drive",
    "cres": "crescent",
    "pl": "place",
    "gr": "grove",
    "gdns": "gardens",
    "sq": "square",
    "ter": "terrace",
    "terr": "terrace",
    "ct": "court",
    "apartment": "flat",
    "apt": "flat",
    "flt": "flat",
}
# A first line that is only a street (no number, no house name) could be any house on it.
_STREET_WORDS = frozenset(
    {
        "street",
        "road",
        "lane",
        "avenue",
        "close",
        "drive",
        "way",
        "crescent",
        "place",
        "grove",
        "gardens",
        "square",
        "terrace",
        "walk",
        "row",
        "hill",
        "rise",
        "view",
        "parade",
        "green",
        "vale",
    }
)
_SUB_BUILDING = frozenset({"flat", "unit", "room", "floor"})


def address_key(line1: str, line2: str, postcode: str) -> str | None:
    """A dwelling's address as it is compared: the first line's words (abbreviations
    written out) and the postcode. None when it could be more than one dwelling: no
    postcode, no first line, or a first line that is only a street name."""
    code = postcode_key(postcode or "")
    if not code or len(code) < 5:
        return None
    words = _address_words(line1)
    if words and words[0] in _SUB_BUILDING and len(words) <= 2:
        # "Flat 3" on the first line: the building is on the second.
        words = words + _address_words(line2)
    if not words:
        return None
    if not any(c.isdigit() for w in words for c in w) and words[-1] in _STREET_WORDS:
        return None
    return " ".join(words) + "|" + code


def _address_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", (text or "").casefold())
    folded = folded.encode("ascii", "ignore").decode()
    return [_ABBREVIATIONS.get(w, w) for w in _WORDS.findall(folded)]


def address_keys(uprn: str, line1: str, line2: str, postcode: str) -> tuple[str, ...]:
    """The keys a record's address is compared by: "u:<UPRN>" when it has a property
    reference, "a:<address key>" when its first line and postcode name one dwelling."""
    keys = ("u:" + uprn.strip(),) if uprn and uprn.strip() else ()
    key = address_key(line1, line2, postcode)
    return (*keys, "a:" + key) if key else keys


def partial_address(line1: str, postcode: str) -> str:
    """The street and postcode district: '12 High Street', 'SK1 3XE' -> 'High Street, SK1'.

    Enough to tell two people apart, not enough to find a door.
    """
    street = (line1 or "").split(",")[-1].strip()
    words = street.split()
    # Drop the house or flat number ("12", "12a", "Flat 3 Laurel Lodge" keeps the building).
    while words and (any(c.isdigit() for c in words[0]) or words[0].casefold() in _FLAT_WORDS):
        words = words[1:]
    street = " ".join(words)
    district = _district(postcode)
    return ", ".join(part for part in (street, district) if part)


_FLAT_WORDS = frozenset({"flat", "apartment", "unit", "room"})


def _district(postcode: str) -> str:
    """A UK postcode's district ('SK1 3XE' -> 'SK1'). Another country's postcode: its
    first part when it is written in parts ('1012 AB' -> '1012', '1100-148' -> '1100',
    'D02 X285' -> 'D02'), or the whole when it is only digits ('4223', '90210': an area);
    else nothing, since some countries give each door a code of its own (Ireland's)."""
    written = " ".join((postcode or "").upper().split())
    code = written.replace(" ", "")
    if is_uk_postcode(written):
        return code[:-3]
    if not is_other_postcode(written):
        return ""
    first = re.split(r"[ -]", written, maxsplit=1)[0]
    if first != written:
        return first
    return written if written.isdigit() else ""
