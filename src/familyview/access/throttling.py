"""Throttling sign-in guesses, per username and per client address, in the database.

Too many failed passwords or security codes for one username within the window lock that
username for a while; far more from one address (a council office shares one) lock the
address. The lock is time-limited, so a guesser cannot lock someone out for good, and
unknown usernames are locked exactly like real ones, so a lock reveals nothing.
Limits: FAMILYVIEW_SIGN_IN_USERNAME_LIMIT, FAMILYVIEW_SIGN_IN_ADDRESS_LIMIT,
FAMILYVIEW_SIGN_IN_WINDOW and FAMILYVIEW_SIGN_IN_LOCKOUT in settings.
"""

from datetime import datetime, timedelta

from django.conf import settings
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


def unlock(username: str) -> bool:
    """An administrator lifts a username's lock; True if there was a count to clear."""
    deleted, _ = SignInThrottle.objects.filter(
        kind=Kind.USERNAME, key=username_key(username)
    ).delete()
    return bool(deleted)
