"""The ways source systems get people's details wrong, as small fast functions.

Each function takes the random stream of the source doing the damage, so the same seed
always damages the same records the same way.
"""

import random
import unicodedata
from dataclasses import dataclass, replace

# Neighbouring keys on a UK keyboard, for substitution typos.
_NEIGHBOURS = {
    "a": "sqz",
    "b": "vn",
    "c": "xv",
    "d": "sfe",
    "e": "wrd",
    "f": "dgr",
    "g": "fht",
    "h": "gjy",
    "i": "uok",
    "j": "hku",
    "k": "jli",
    "l": "ko",
    "m": "n",
    "n": "bm",
    "o": "ipl",
    "p": "o",
    "q": "wa",
    "r": "etf",
    "s": "adw",
    "t": "ryg",
    "u": "yij",
    "v": "cb",
    "w": "qes",
    "x": "zc",
    "y": "tuh",
    "z": "xa",
}
# Letters NFKD does not decompose.
_EXTRA_ASCII = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d"})
_ascii_cache: dict[str, str] = {}


@dataclass(frozen=True)
class Noise:
    """How carefully one source keeps its person records: rates of each kind of error."""

    nickname: float = 0.04
    typo_given: float = 0.01
    typo_family: float = 0.015
    middle: float = 0.6  # share of records holding the middle names at all
    dob_missing: float = 0.01
    dob_partial: float = 0.01
    dob_swap: float = 0.01  # day and month swapped (where the day is 12 or less)
    sex_unknown: float = 0.02
    old_address: float = 0.05
    address_missing: float = 0.01
    postcode_missing: float = 0.02
    postcode_messy: float = 0.03  # lower case or no space
    uprn: float = 0.5
    address_from: float = 0.0
    nhs: float = 0.0
    nhs_corrupt: float = 0.0
    previous_names: float = 0.3  # share of renamed people whose earlier name is listed
    stale_surname: float = 0.05  # share of renamed people still held under the old name
    surname_variant: float = 0.2  # hyphenated or double-barrelled names cut or re-joined
    ascii_only: bool = False  # an old system that cannot hold diacritics
    upper_family: bool = False
    multiline_address: float = 0.0
    duplicate: float = 0.01
    restricted_known: float = 0.8

    def for_duplicates(self) -> "Noise":
        """The noise of a second record of someone: entered in a hurry, by someone else."""
        return replace(
            self,
            nickname=min(1.0, self.nickname * 4 + 0.1),
            typo_given=self.typo_given * 3 + 0.03,
            typo_family=self.typo_family * 3 + 0.03,
            dob_missing=self.dob_missing * 3,
            dob_partial=self.dob_partial * 3 + 0.02,
            dob_swap=self.dob_swap * 3 + 0.02,
            old_address=min(1.0, self.old_address * 3 + 0.1),
            postcode_missing=self.postcode_missing * 2,
            uprn=self.uprn * 0.5,
            nhs=self.nhs * 0.5,
            middle=self.middle * 0.5,
        )


def typo(s: str, rng: random.Random) -> str:
    """One keying error: a transposition, a dropped, doubled or neighbouring letter."""
    n = len(s)
    if n < 4:
        return s
    i = rng.randrange(1, n - 1)
    k = rng.randrange(4)
    if k == 0 and s[i] != s[i + 1]:
        return f"{s[:i]}{s[i + 1]}{s[i]}{s[i + 2 :]}"
    if k == 1 or k == 0:
        return s[:i] + s[i + 1 :]
    if k == 2:
        return s[:i] + s[i] + s[i:]
    near = _NEIGHBOURS.get(s[i].lower())
    if not near:
        return s[:i] + s[i + 1 :]
    return s[:i] + rng.choice(near) + s[i + 1 :]


def to_ascii(s: str) -> str:
    """The name as a system without diacritics holds it: Zoë -> Zoe, Łukasz -> Lukasz."""
    if s.isascii():
        return s
    out = _ascii_cache.get(s)
    if out is None:
        decomposed = unicodedata.normalize("NFKD", s.translate(_EXTRA_ASCII))
        out = "".join(c for c in decomposed if not unicodedata.combining(c))
        _ascii_cache[s] = out
    return out


def surname_variant(family: str, rng: random.Random) -> str:
    """A hyphenated or double-barrelled surname as another system holds it."""
    if "-" in family:
        first, _, second = family.partition("-")
        return rng.choice((f"{first} {second}", first, second, f"{first}{second}"))
    if " " in family:
        first, _, second = family.partition(" ")
        return rng.choice((f"{first}-{second}", second, f"{first}{second}"))
    return family


def swap_day_month(iso_date: str) -> str:
    """2015-03-07 -> 2015-07-03: the day and month swapped, as a US-style entry does."""
    return f"{iso_date[:5]}{iso_date[8:10]}-{iso_date[5:7]}"
