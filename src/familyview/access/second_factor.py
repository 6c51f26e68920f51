"""The second factor for local accounts: a time-based one-time code (TOTP, RFC 6238).

The secret is kept encrypted (Fernet) with a key that is not in the database:
FAMILYVIEW_SECOND_FACTOR_KEY, or one derived from the secret key. A code is accepted in
the 30-second step it belongs to or one either side (clocks drift), and only once.
"""

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from familyview.access.models import StaffAccount

ISSUER = "Family View"
CODE_DIGITS = 6
STEP_SECONDS = 30
# Accept the step before and after the current one: phones' clocks drift.
DRIFT_STEPS = 1
_CODE = re.compile(r"^\d{6}$")


class SecondFactorKeyError(RuntimeError):
    """The secrets cannot be read with the configured key (it changed, or is malformed)."""


def _fernet() -> Fernet:
    configured = getattr(settings, "FAMILYVIEW_SECOND_FACTOR_KEY", "")
    if configured:
        try:
            return Fernet(configured)
        except ValueError:
            raise SecondFactorKeyError(
                "FAMILYVIEW_SECOND_FACTOR_KEY must be a Fernet key (32 url-safe base64 bytes)"
            ) from None
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"familyview second factor"
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecondFactorKeyError(
            "a second-factor secret cannot be decrypted: the key has changed"
        ) from None


def account_of(user: AbstractBaseUser) -> StaffAccount:
    """The user's sign-in account, created the first time it is needed."""
    account, _ = StaffAccount.objects.get_or_create(user=user)
    return account


def new_secret() -> str:
    """A fresh random TOTP secret (160 bits, base32)."""
    return pyotp.random_base32(length=32)


def normalise_code(typed: str) -> str:
    """The code as typed, without the spaces or hyphens that apps show in the middle."""
    return re.sub(r"[\s-]", "", typed or "")


def is_well_formed(code: str) -> bool:
    return bool(_CODE.match(code))


def _step(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, at: datetime) -> int | None:
    """The step (of those allowed around `at`) whose code this is, or None."""
    totp = pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS)
    current = _step(at)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


class CodeCheck(StrEnum):
    """Whether a code was accepted, and if not why (for the audit log, not the page)."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    REUSED = "reused"


def check_code(user: AbstractBaseUser, code: str) -> CodeCheck:
    """Check a code against the user's enrolled secret; an accepted code is used up."""
    code = normalise_code(code)
    with transaction.atomic():
        account = StaffAccount.objects.select_for_update().filter(user=user).first()
        if account is None or not account.has_second_factor or not is_well_formed(code):
            return CodeCheck.WRONG
        step = _matching_step(_decrypt(account.totp_secret_encrypted), code, timezone.now())
        if step is None:
            return CodeCheck.WRONG
        if account.totp_last_used_step is not None and step <= account.totp_last_used_step:
            return CodeCheck.REUSED
        account.totp_last_used_step = step
        account.save(update_fields=["totp_last_used_step"])
    return CodeCheck.ACCEPTED


def confirm_enrolment(user: AbstractBaseUser, secret: str, code: str) -> bool:
    """Enrol the secret if the code shows the user's app holds it; True when enrolled.

    An account that already has a second factor cannot enrol another this way: an
    administrator resets it first.
    """
    code = normalise_code(code)
    if not is_well_formed(code):
        return False
    step = _matching_step(secret, code, timezone.now())
    if step is None:
        return False
    with transaction.atomic():
        account, _ = StaffAccount.objects.select_for_update().get_or_create(user=user)
        if account.has_second_factor:
            return False
        _store_secret(account, secret, step)
    return True


def enrol(user: AbstractBaseUser, secret: str | None = None) -> str:
    """Enrol a secret without asking for a code (demo accounts, tests); returns it."""
    secret = secret or new_secret()
    _store_secret(account_of(user), secret, None)
    return secret


def _store_secret(account: StaffAccount, secret: str, step: int | None) -> None:
    """Keep an app's secret (encrypted) as the account's second factor from now on, with
    the time step of the code that proved it, if one did."""
    account.totp_secret_encrypted = _encrypt(secret)
    account.totp_confirmed_at = timezone.now()
    account.totp_last_used_step = step
    account.save(
        update_fields=["totp_secret_encrypted", "totp_confirmed_at", "totp_last_used_step"]
    )


def secret_of(user: AbstractBaseUser) -> str | None:
    """The user's enrolled secret (demo accounts print theirs), or None."""
    account = StaffAccount.objects.filter(user=user).first()
    if account is None or not account.has_second_factor:
        return None
    return _decrypt(account.totp_secret_encrypted)


def reset(user: AbstractBaseUser) -> None:
    """Forget the user's second factor (an administrator's recovery for a lost phone).

    Their next sign-in asks them to set up an authenticator app again; every session they
    have now ends.
    """
    from familyview.access.sessions import end_sessions_of

    with transaction.atomic():
        account = account_of(user)
        account.totp_secret_encrypted = ""
        account.totp_confirmed_at = None
        account.totp_last_used_step = None
        account.save(
            update_fields=["totp_secret_encrypted", "totp_confirmed_at", "totp_last_used_step"]
        )
        end_sessions_of(user)


def code_that_works_now(user: AbstractBaseUser) -> str:
    """A code the sign-in page accepts now: this step's, or the next one's if this step's
    was used already (demo accounts and tests that sign in twice within 30 seconds)."""
    account = account_of(user)
    if not account.has_second_factor:
        raise ValueError(f"{user.get_username()} has no second factor")
    secret = _decrypt(account.totp_secret_encrypted)
    step = _step(timezone.now())
    if account.totp_last_used_step is not None and step <= account.totp_last_used_step:
        step = account.totp_last_used_step + 1
    if step > _step(timezone.now()) + DRIFT_STEPS:
        raise ValueError("every code valid now has been used: wait 30 seconds")
    return pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS).generate_otp(step)


@dataclass(frozen=True)
class Enrolment:
    """What the set-up page shows: the secret to type, its QR code and the app's link."""

    secret: str
    uri: str
    qr_svg: str

    @property
    def secret_in_groups(self) -> str:
        """The secret in groups of four, easier to read out and type."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def enrolment_for(user: AbstractBaseUser, secret: str, authority_name: str = "") -> Enrolment:
    """The otpauth:// link and its QR code (inline SVG) for an authenticator app."""
    issuer = f"{ISSUER} ({authority_name})" if authority_name else ISSUER
    uri = pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.get_username(), issuer_name=issuer
    )
    # White quiet zone and modules drawn dark, so that phones read it in dark mode too.
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#0b0c0c", light="#ffffff", svgclass="app-qr-code", omitsize=False
    )
    return Enrolment(secret=secret, uri=uri, qr_svg=svg)
