"""Identifiers with real check rules: NHS numbers (modulus 11) and Unique Pupil Numbers."""

import random

NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def nhs_check_digit(first_nine: str) -> int:
    """The modulus 11 check digit for nine digits, or 10 when no valid number exists."""
    total = 0
    for ch, w in zip(first_nine, NHS_WEIGHTS, strict=True):
        total += (ord(ch) - 48) * w
    check = 11 - total % 11
    return 0 if check == 11 else check


def nhs_number_is_valid(number: str) -> bool:
    """True when ten digits pass the modulus 11 check."""
    digits = number.replace(" ", "")
    if len(digits) != 10 or not digits.isdigit():
        return False
    check = nhs_check_digit(digits[:9])
    return check != 10 and check == ord(digits[9]) - 48


class NhsNumbers:
    """Hands out distinct valid NHS numbers in the test range, in a seeded order.

    An affine walk over each six-digit block (start + k * stride, stride coprime to 10**6)
    visits every number once, so drawing stays O(1) however many people there are.
    Past the 999 block (about 909,000 valid numbers) it moves on to 998, 997...: blocks
    England has not issued.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        # NHS England reserves numbers starting 999 for test data: none of these is real.
        self._prefix = 999
        self._new_block()

    def _new_block(self) -> None:
        rng = self._rng
        self._start = rng.randrange(1_000_000)
        stride = rng.randrange(100_001, 999_999)
        while stride % 2 == 0 or stride % 5 == 0:
            stride += 1
        self._stride = stride
        self._k = 0

    def next(self) -> str:
        """A new valid NHS number, never handed out before by this object."""
        while True:
            if self._k >= 1_000_000:
                self._prefix -= 1
                self._new_block()
            n = (self._start + self._k * self._stride) % 1_000_000
            self._k += 1
            nine = f"{self._prefix}{n:06d}"
            check = nhs_check_digit(nine)
            if check != 10:
                return f"{nine}{check}"


def corrupt_nhs_number(number: str, rng: random.Random) -> str:
    """The number with one digit changed: modulus 11 always catches a single wrong digit."""
    pos = rng.randrange(3, 10)  # keep the 999 prefix so it still looks like ours
    old = ord(number[pos]) - 48
    new = (old + rng.randrange(1, 10)) % 10
    return f"{number[:pos]}{new}{number[pos + 1 :]}"


def upn_check_letter(body: str) -> str:
    """The DfE check letter for the twelve characters after it (weights 2 to 13, mod 23)."""
    total = 0
    for i, ch in enumerate(body, start=2):
        total += (ord(ch) - 48) * i
    return UPN_CHECK_LETTERS[total % 23]


def make_upn(la_code: int, establishment: int, year: int, serial: int) -> str:
    """A Unique Pupil Number: check letter, LA number, establishment, year, serial."""
    body = f"{la_code:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
    return upn_check_letter(body) + body
