"""What the linkage compares: each person record reduced to normalised features.

Names lose their accents, case and punctuation; familiar forms map to one formal form
(nicknames.csv, for blocking) and to every formal form they may stand for;
double-barrelled and hyphenated surnames and previous surnames become a list of surname
parts, so that "Smith-Jones" and "Jones" share one. Addresses become their words and
numbers, whatever country's shape they have.
"""

import csv
import hashlib
import re
import unicodedata
from collections import defaultdict
from functools import cache, lru_cache
from pathlib import Path

from familyview.identity.addresses import postcode_key

NICKNAMES_FILE = Path(__file__).with_name("nicknames.csv")
_NOT_LETTERS = re.compile(r"[^a-z]+")


# Names repeat across a county's records: normalising each distinct name once makes
# reading a million records several times faster.
def _folded(text: str) -> str:
    """Lower case ASCII, accents dropped: 'Zoë Łukasz' -> 'zoe lukasz'."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = folded.replace("ł", "l").replace("ø", "o").replace("ß", "ss").replace("æ", "ae")
    return folded.encode("ascii", "ignore").decode()


@lru_cache(maxsize=500_000)
def plain(text: str) -> str:
    """Lower case, no accents, letters only: 'Zoë O'Neil' -> 'zoeoneil'."""
    return _NOT_LETTERS.sub("", _folded(text)) if text else ""


@lru_cache(maxsize=200_000)
def _name_parts(text: str) -> tuple[str, ...]:
    return tuple(p for p in (plain(w) for w in re.split(r"[\s\-]+", text or "")) if len(p) > 1)


def name_parts(text: str) -> list[str]:
    """The parts of a name: 'Smith-Jones' and 'Smith Jones' -> ['smith', 'jones']."""
    return list(_name_parts(text))


@cache
def _nickname_lines() -> tuple[tuple[str, ...], ...]:
    """nicknames.csv: each line's formal name, then its familiar forms, as compared."""
    with NICKNAMES_FILE.open(encoding="utf-8") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        lines = (tuple(plain(n) for n in row if n.strip()) for row in rows)
        return tuple(line for line in lines if line)


@cache
def nickname_table() -> dict[str, str]:
    """Every known form of a given name -> one formal form."""
    table: dict[str, str] = {}
    for names in _nickname_lines():
        for name in names:
            # The first line naming a form wins (e.g. "chris" -> christina), so the
            # file's order decides the ambiguous cases (formal_forms knows them all).
            table.setdefault(name, names[0])
    return table


@cache
def names_version() -> str:
    """Which nickname table this is: what was made from another is made again."""
    return hashlib.sha256(NICKNAMES_FILE.read_bytes()).hexdigest()[:16]


@cache
def _forms_table() -> dict[str, frozenset[str]]:
    forms: dict[str, set[str]] = defaultdict(set)
    for names in _nickname_lines():
        for name in names:
            forms[name].add(names[0])
    return {name: frozenset(of) for name, of in forms.items()}


@lru_cache(maxsize=200_000)
def formal_forms(given: str) -> frozenset[str]:
    """Every formal form a given name may stand for ('chris': christina and christopher;
    'charlie': charles and charlotte), the name itself among them. A formal name stands
    for itself only: 'christopher' and 'christina' share no form."""
    name = plain(given)
    if not name:
        return frozenset()
    return frozenset({name} | _forms_table().get(name, frozenset()))


@lru_cache(maxsize=200_000)
def canonical_given(given: str) -> str:
    """The formal form of a given name, or the name itself."""
    name = plain(given)
    return nickname_table().get(name, name)


def surname_history(family_name: str, previous_names: str) -> list[str] | None:
    """Every surname part a person has been recorded under (None when there is none)."""
    parts = _surname_history(family_name or "", previous_names or "")
    return list(parts) if parts else None


@lru_cache(maxsize=500_000)
def _surname_history(family_name: str, previous_names: str) -> tuple[str, ...]:
    parts = name_parts(family_name)
    for previous in (previous_names or "").split(";"):
        words = previous.strip().split()
        if words:
            parts.extend(name_parts(words[-1]))
    return tuple(sorted(set(parts)))


@lru_cache(maxsize=200_000)
def first_middle_name(middle_names: str) -> str | None:
    """The first middle name as compared ('Anne Marie' -> 'anne')."""
    parts = _name_parts(middle_names or "")
    if parts:
        return parts[0]
    # A lone initial ("J.") is still a middle name: parts drop one-letter words.
    letters = plain(middle_names or "")
    return letters[:1] or None


_ADDRESS_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=500_000)
def address_words(*lines: str) -> tuple[str, ...]:
    """An address's words and numbers, in order, lower case without accents:
    ('Flat 2, Victoria Court', 'Davenport') -> ('flat', '2', 'victoria', 'court',
    'davenport'). Any country's addresses; the postcode is compared on its own."""
    return tuple(_ADDRESS_WORD.findall(_folded(" ".join(lines))))


def house_number(words: tuple[str, ...]) -> str | None:
    """The address's first number ('flat', '2', 'victoria', 'court' -> '2'; '12a' as it
    is): neighbours in one street share every other word."""
    return next((word for word in words if word[0].isdigit()), None)


def number_and_street(words: tuple[str, ...]) -> tuple[str, str] | None:
    """The house number and the first word after it ('16', 'beagle', 'close' -> ('16',
    'beagle')). Together, one building's key, for finding pairs whose names and dates were
    both recorded wrong; the word alone, one street: two addresses with it in common and
    other house numbers are neighbours."""
    for i, word in enumerate(words[:-1]):
        if word[0].isdigit():
            return word, words[i + 1]
    return None


_UK_POSTCODE_KEY = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")


@lru_cache(maxsize=200_000)
def postcode_parts(key: str | None) -> tuple[str | None, str | None]:
    """A UK postcode key's sector and district ('SK13XE' -> 'SK13', 'SK1'): the inward code
    is always its last three characters. None for another country's postcode."""
    if not key or not _UK_POSTCODE_KEY.fullmatch(key):
        return None, None
    return key[:-2], key[:-3]


@lru_cache(maxsize=200_000)
def postcode_letters(key: str | None) -> str | None:
    """A postcode key's characters in sorted order ('3084' and '3048' -> '0348'): two
    characters typed the wrong way round still agree."""
    return "".join(sorted(key)) if key else None


@lru_cache(maxsize=50_000)
def _dob(year: int, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}"


def features(record: dict) -> dict:
    """One person record as the linkage model sees it."""
    year, month, day = record["birth_year"], record["birth_month"], record["birth_day"]
    given = plain(record["given_name"])
    words = address_words(
        record.get("address_line1") or "",
        record.get("address_line2") or "",
        record.get("town") or "",
    )
    postcode = postcode_key(record["postcode"])
    sector, district = postcode_parts(postcode)
    number, street = number_and_street(words) or (None, None)
    return {
        "unique_id": record["id"],
        "authority": record.get("authority_id"),
        "source": record["source_code"],
        "given_name": given or None,
        "given_canonical": canonical_given(given) or None,
        "given_forms": sorted(formal_forms(given)) or None,
        "family_name": plain(record["family_name"]) or None,
        "surnames": surname_history(record["family_name"], record["previous_names"]),
        "birth_year": year,
        "birth_month": month,
        "birth_day": day,
        "dob": _dob(year, month, day) if year and month and day else None,
        "sex": record["sex"] if record["sex"] in ("female", "male") else None,
        "postcode": postcode,
        "postcode_letters": postcode_letters(postcode),
        "postcode_sector": sector,
        "postcode_district": district,
        "uprn": record["uprn"] or None,
        "nhs_number": record["nhs_number"] or None,
        "middle_name": first_middle_name(record.get("middle_names") or ""),
        "address": " ".join(words) or None,
        "address_key": f"{number} {street}" if number else None,
        "house_number": house_number(words),
        "street_word": street,
        "address_words": sorted(set(words)) or None,
        "category": record.get("service_category") or None,
    }
