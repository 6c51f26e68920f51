"""Throttling sign-in guesses, per username and per client address, in the database.

Too many failed passwords or security codes for one username within the window lock that
username for a while; far more from one address (a council office shares one) lock the
address. The lock is time-limited, so a guesser cannot lock someone out for good, and
unknown usernames are locked exactly like real ones, so a lock reveals nothing.
Limits: FAMILYVIEW_SIGN_IN_USERNAME_LIMIT, FAMILYVIEW_SIGN_IN_ADDRESS_LIMIT,
FAMILYVIEW_SIGN_IN_WINDOW and FAMILYVIEW_SIGN_IN_LOCKOUT in settings.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from familyview.access.models import SignInThrottle

Kind = SignInThrottle.Kind


def username_key(username: str) -> str:
    """Usernames are throttled whatever their case or surrounding spaces."""
    return username.strip().casefold()[:150]


def _limit(kind: str) -> int:
    if kind == Kind.USERNAME:
        return settings.FAMILYVIEW_SIGN_IN_USERNAME_LIMIT
    return settings.FAMILYVIEW_SIGN_IN_ADDRESS_LIMIT


def _keys(username: str, address: str) -> list[tuple[str, str]]:
    keys = [(Kind.USERNAME, username_key(username))] if username_key(username) else []
    if address:
        keys.append((Kind.ADDRESS, address[:150]))
    return keys


def locked_until(username: str, address: str) -> datetime | None:
    """Until when sign-in is refused for this username or from this address, or None."""
    now = timezone.now()
    latest = None
    for kind, key in _keys(username, address):
        throttle = SignInThrottle.objects.filter(kind=kind, key=key).first()
        if throttle and throttle.locked_until and throttle.locked_until > now:
            latest = max(latest or throttle.locked_until, throttle.locked_until)
    return latest


def record_failure(username: str, address: str) -> datetime | None:
    """Count a failed password or code; returns the new lock's end if this locked a key."""
    now = timezone.now()
    window: timedelta = settings.FAMILYVIEW_SIGN_IN_WINDOW
    lockout: timedelta = settings.FAMILYVIEW_SIGN_IN_LOCKOUT
    newly_locked = None
    for kind, key in _keys(username, address):
        with transaction.atomic():
            throttle = _locked_row(kind, key, now)
            if throttle.locked_until and throttle.locked_until > now:
                continue  # already locked: the lock is not extended by more guesses
            if throttle.first_failure_at <= now - window or throttle.locked_until:
                # The window has passed, or an earlier lock has run out: count afresh.
                throttle.failures, throttle.first_failure_at, throttle.locked_until = 0, now, None
            throttle.failures += 1
            if throttle.failures >= _limit(kind):
                throttle.locked_until = now + lockout
                newly_locked = max(newly_locked or throttle.locked_until, throttle.locked_until)
            throttle.save()
    return newly_locked


def _locked_row(kind: str, key: str, now: datetime) -> SignInThrottle:
    """The key's row, locked for update; created (by whichever request is first) if new."""
    throttle = SignInThrottle.objects.select_for_update().filter(kind=kind, key=key).first()
    if throttle is None:
        try:
            with transaction.atomic():
                SignInThrottle.objects.create(kind=kind, key=key, first_failure_at=now)
        except IntegrityError:
            pass  # another request created it meanwhile
        throttle = SignInThrottle.objects.select_for_update().get(kind=kind, key=key)
    return throttle


def record_success(username: str) -> None:
    """A full sign-in (password and code) clears the username's count, not the address's."""
    SignInThrottle.objects.filter(kind=Kind.USERNAME, key=username_key(username)).delete()


def unlock(username_or_address: str) -> list[str]:
    """An administrator lifts the lock on a username, or on a client address (an office
    that 50 wrong guesses locked out); returns what had a count to clear ("username",
    "address"), none if neither had."""
    typed = username_or_address.strip()
    cleared = []
    for kind, key in ((Kind.USERNAME, username_key(typed)), (Kind.ADDRESS, typed[:150])):
        deleted, _ = SignInThrottle.objects.filter(kind=kind, key=key).delete()
        if deleted:
            cleared.append(str(kind))
    return cleared


@dataclass(frozen=True)
class Lock:
    """A username or address that cannot sign in now, and until when."""

    kind: str  # "username" or "address"
    key: str
    failures: int
    locked_until: datetime


@dataclass(frozen=True)
class SignInLocks:
    """The locks a privacy officer or administrator sees: every address (an address
    locks everyone behind it), and their own authority's staff's usernames; other
    usernames (no one's, or another authority's staff's) only counted."""

    addresses: list[Lock]
    usernames: list[Lock]
    other_usernames: int


def current_locks(authority_ids: list[int]) -> SignInLocks:
    """Every lock in force now, as the staff of these authorities may see them."""
    now = timezone.now()
    locks = [
        Lock(t.kind, t.key, t.failures, t.locked_until)
        for t in SignInThrottle.objects.filter(locked_until__gt=now).order_by("locked_until")
    ]
    staff_usernames = {
        username_key(u)
        for u in get_user_model()
        .objects.filter(memberships__authority_id__in=authority_ids)
        .values_list("username", flat=True)
    }
    usernames = [lock for lock in locks if lock.kind == Kind.USERNAME]
    mine = [lock for lock in usernames if lock.key in staff_usernames]
    return SignInLocks(
        addresses=[lock for lock in locks if lock.kind == Kind.ADDRESS],
        usernames=mine,
        other_usernames=len(usernames) - len(mine),
    )
