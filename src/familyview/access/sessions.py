"""Signed-in sessions: when they started, when last used, and ending them all at once.

Every session records when it started, when it was last used and the account's session
generation at sign-in. A session ends when it has been idle too long
(FAMILYVIEW_SESSION_IDLE_TIMEOUT), has lasted too long whatever the activity
(FAMILYVIEW_SESSION_ABSOLUTE_TIMEOUT), or when the account's generation has moved on:
the user was disabled, their roles changed or their second factor was reset.
"""

from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import connection
from django.db.models import F
from django.utils import timezone

from familyview.access.models import StaffAccount

STARTED = "familyview.signed_in_at"
LAST_SEEN = "familyview.last_seen_at"
GENERATION = "familyview.session_generation"
# The roles the member of staff held when the session first needed them (access.policy
# keeps them here, so that a page need not read them again): a change of role raises the
# account's generation, which ends the session, so they can never be out of date.
ROLES = "familyview.roles"
# Refreshing 'last seen' at most this often (or a quarter of the idle time-out, if less)
# spares a session write on every request; the idle time-out is then exact to within it.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


class SessionEnd(StrEnum):
    """Why a signed-in session ended without the user signing out."""

    IDLE = "idle"
    TOO_LONG = "too_long"
    ENDED = "ended"  # disabled, roles changed, second factor reset: all sessions at once


def _now_seconds() -> int:
    return int(timezone.now().timestamp())


def generation_of(user_id: int) -> int:
    """The account's session generation (0 for an account never changed)."""
    # Every page asks it: a query written out, not built by the ORM each time.
    with connection.cursor() as cur:
        cur.execute(
            f'SELECT "session_generation" FROM "{StaffAccount._meta.db_table}" '  # noqa: S608
            'WHERE "user_id" = %s',
            [user_id],
        )
        found = cur.fetchone()
    return found[0] if found else 0


def stamp_new_session(session: SessionBase, user: AbstractBaseUser) -> None:
    """Mark a session as just signed in (called whenever Django logs a user in)."""
    account, _ = StaffAccount.objects.get_or_create(user_id=user.pk)
    now = _now_seconds()
    session[STARTED] = now
    session[LAST_SEEN] = now
    session[GENERATION] = account.session_generation
    session.pop(ROLES, None)


def check_session(session: SessionBase, user: AbstractBaseUser) -> SessionEnd | None:
    """Why this signed-in session must end now, or None; notes the session as used."""
    now = _now_seconds()
    started, last_seen = session.get(STARTED), session.get(LAST_SEEN)
    if not isinstance(started, int) or not isinstance(last_seen, int):
        return SessionEnd.ENDED  # not started by this version's sign-in: start again
    if now - started >= settings.FAMILYVIEW_SESSION_ABSOLUTE_TIMEOUT.total_seconds():
        return SessionEnd.TOO_LONG
    if now - last_seen >= settings.FAMILYVIEW_SESSION_IDLE_TIMEOUT.total_seconds():
        return SessionEnd.IDLE
    if not user.is_active or session.get(GENERATION) != generation_of(user.pk):
        return SessionEnd.ENDED
    resolution = min(LAST_SEEN_RESOLUTION, settings.FAMILYVIEW_SESSION_IDLE_TIMEOUT / 4)
    if now - last_seen >= resolution.total_seconds():
        session[LAST_SEEN] = now
    return None


def end_sessions_of(user: AbstractBaseUser | int) -> None:
    """End every session the user has, on every device, at their next request."""
    # Every signed-in session was stamped from an existing account (stamp_new_session
    # creates it), so a user without one has no session to end.
    user_id = user if isinstance(user, int) else user.pk
    StaffAccount.objects.filter(user_id=user_id).update(
        session_generation=F("session_generation") + 1
    )
