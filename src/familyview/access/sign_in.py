"""Signing in with a local account: the password, then the second factor.

Each step is throttled per username and per client address (access/throttling.py) and
audited ("sign_in" when a session starts, "sign_in_refused" with the reason otherwise).
The pages never say which part was wrong, nor whether the account exists; the audit log
does, for the privacy officer.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from familyview.access import second_factor, throttling
from familyview.access.policy import Staff
from familyview.access.second_factor import CodeCheck
from familyview.audit.actions import Action
from familyview.audit.events import record_event


class Step(StrEnum):
    """Where a sign-in attempt got to."""

    WRONG = "wrong"  # the password or code is wrong (the page does not say which)
    LOCKED = "locked"  # too many attempts: wait
    CODE = "code"  # password right: now the security code from the app
    SET_UP = "set_up"  # password right, no second factor yet: set up an app first
    SIGNED_IN = "signed_in"


@dataclass(frozen=True)
class Attempt:
    step: Step
    user: AbstractBaseUser | None = None
    locked_until: datetime | None = None


def record_sign_in_refused(username: str, address: str, reason: str) -> None:
    """Record a refused sign-in (no one is signed in: the username typed goes in details,
    with the reason: a wrong password, a locked account, a single sign-on refusal...)."""
    record_event(
        None,
        Action.SIGN_IN_REFUSED,
        outcome="refused",
        details={"username": username[:150], "address": address, "reason": reason},
    )


def check_password(username: str, password: str, address: str) -> Attempt:
    """The first step: is the password right for this username, from this address?"""
    with transaction.atomic():
        locked = throttling.locked_until(username, address)
        if locked:
            record_sign_in_refused(username, address, "locked")
            return Attempt(Step.LOCKED, locked_until=locked)
    # Django's backend runs the password hasher even for an unknown username, so the time
    # taken does not tell whether the account exists; it refuses disabled accounts too.
    user = authenticate(None, username=username, password=password)
    with transaction.atomic():
        if user is None:
            locked = throttling.record_failure(username, address)
            record_sign_in_refused(username, address, "wrong_username_or_password")
            return Attempt(Step.LOCKED if locked else Step.WRONG, locked_until=locked)
        account = second_factor.account_of(user)
        if account.is_demo and settings.PRODUCTION:
            # Production will not start with demo accounts; one made since is still
            # refused at the door, like a wrong password.
            record_sign_in_refused(username, address, "demo_account_in_production")
            return Attempt(Step.WRONG)
        return Attempt(Step.CODE if account.has_second_factor else Step.SET_UP, user=user)


def check_code(user: AbstractBaseUser, code: str, address: str) -> Attempt:
    """The second step: the security code from the user's authenticator app."""

    def wrong() -> str | None:
        result = second_factor.check_code(user, code)
        return None if result is CodeCheck.ACCEPTED else f"{result.value}_security_code"

    return _second_step(user, address, wrong)


def set_up_code(user: AbstractBaseUser, secret: str, code: str, address: str) -> Attempt:
    """The second step for an account without a second factor: enrol the app's secret,
    proven by a code from it."""

    def wrong() -> str | None:
        return None if second_factor.confirm_enrolment(user, secret, code) else "wrong_set_up_code"

    return _second_step(user, address, wrong)


def _second_step(user: AbstractBaseUser, address: str, wrong: Callable[[], str | None]) -> Attempt:
    """A code from the app, counted against the same lock as the password: `wrong` checks
    it and says why it was refused (None when it is right)."""
    username = user.get_username()
    with transaction.atomic():
        locked = throttling.locked_until(username, address)
        if locked:
            record_sign_in_refused(username, address, "locked")
            return Attempt(Step.LOCKED, locked_until=locked)
        refused = wrong()
        if refused is None:
            throttling.record_success(username)
            return Attempt(Step.SIGNED_IN, user=user)
        locked = throttling.record_failure(username, address)
        record_sign_in_refused(username, address, refused)
        return Attempt(Step.LOCKED if locked else Step.WRONG, locked_until=locked)


def record_sign_in(staff: Staff, method: str, address: str, **details: object) -> None:
    """Audit a session that has just started."""
    record_event(staff, Action.SIGN_IN, details={"method": method, "address": address, **details})


def record_sign_out(staff: Staff | None, address: str) -> None:
    """Audit a member of staff signing out."""
    if staff is not None:
        record_event(staff, Action.SIGN_OUT, details={"address": address})


def record_session_end(staff: Staff | None, why: str, address: str) -> None:
    """Audit a session ended by its time limits or by a change to the account."""
    if staff is not None:
        record_event(staff, Action.SESSION_ENDED, details={"why": why, "address": address})
