"""Production mode refuses to start when it is configured into danger.

A council's IT team installs Family View from the README and docs/deploying.md; what they
get wrong must fail loudly, not quietly open the data. With FAMILYVIEW_ENV=production,
the settings themselves refuse (so every way in, the `familyview` command, gunicorn's
`familyview.wsgi` or Django's own tools, is refused) when debug pages are on, a key is
missing or published, any host name is allowed, cookies could travel without HTTPS, or
the audit log's checkpoints are turned off.
The server also refuses while demo accounts are in the database (`refuse_demo_accounts`,
which needs the database, so runs once Django is set up). Each reason is one sentence
saying what to change.
"""

from __future__ import annotations

import base64

from django.core.exceptions import ImproperlyConfigured

# The secret key the demo and the tests run with when none is set: published in this
# repository, so it protects nothing.
LOCAL_SECRET_KEY = "local-only-not-for-production-" + "x" * 32
# Django's own warning (security.W009) asks for as many characters as this.
SECRET_KEY_MIN_LENGTH = 50


class SettingRefused(ImproperlyConfigured):
    """A setting from the environment that cannot be used as given: the message names it,
    the value found and what it should be, in one sentence."""


class ProductionRefused(ImproperlyConfigured):
    """Production mode will not start like this; the message says why, a sentence a line."""


def _fernet_key_problem(key: str) -> str | None:
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except ValueError:
        return "is not a Fernet key"
    return None if len(raw) == 32 else "is not a Fernet key"


def published_second_factor_key() -> str:
    """The second-factor key the demo derives from the published local secret key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"familyview second factor"
    ).derive(LOCAL_SECRET_KEY.encode())
    return base64.urlsafe_b64encode(derived).decode()


def settings_problems(
    *,
    debug: bool,
    secret_key: str,
    second_factor_key: str,
    allowed_hosts: list[str],
    secure_cookies: bool,
    checkpoint_every: int = 100,
    checkpoint_minutes: float = 10,
) -> list[str]:
    """Why these settings are not safe to serve real data with, a sentence each."""
    problems = []
    if debug:
        problems.append(
            "FAMILYVIEW_DEBUG is on: a server error would show the settings, the database's "
            "address included, to whoever caused it; unset FAMILYVIEW_DEBUG."
        )
    if not secret_key:
        problems.append(
            "FAMILYVIEW_SECRET_KEY is not set: set it to a long random string "
            f"({SECRET_KEY_MIN_LENGTH} characters or more), kept outside the database."
        )
    elif secret_key == LOCAL_SECRET_KEY or secret_key.startswith("django-insecure-"):
        problems.append(
            "FAMILYVIEW_SECRET_KEY is a published key that anyone can read: set a long "
            "random string of your own."
        )
    elif len(secret_key) < SECRET_KEY_MIN_LENGTH or len(set(secret_key)) < 5:
        problems.append(
            f"FAMILYVIEW_SECRET_KEY is too short to be safe: use {SECRET_KEY_MIN_LENGTH} or "
            "more random characters."
        )
    if not second_factor_key:
        problems.append(
            "FAMILYVIEW_SECOND_FACTOR_KEY is not set: make one with "
            '`python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"` and keep it outside the database.'
        )
    elif _fernet_key_problem(second_factor_key):
        problems.append(
            "FAMILYVIEW_SECOND_FACTOR_KEY is not a Fernet key (32 url-safe base64 bytes): "
            "make one with Fernet.generate_key()."
        )
    elif second_factor_key == published_second_factor_key():
        problems.append(
            "FAMILYVIEW_SECOND_FACTOR_KEY is the demo's, derived from a published key: "
            "make one of your own with Fernet.generate_key()."
        )
    if any("*" in host for host in allowed_hosts):
        problems.append(
            "FAMILYVIEW_ALLOWED_HOSTS allows any host name ('*'): name the host staff use, "
            "e.g. familyview.example.gov.uk."
        )
    if not secure_cookies:
        problems.append(
            "FAMILYVIEW_SECURE_COOKIES is off: sign-in cookies could then travel without "
            "HTTPS; serve Family View over HTTPS and unset FAMILYVIEW_SECURE_COOKIES."
        )
    if checkpoint_every == 0 and checkpoint_minutes == 0:
        problems.append(
            "FAMILYVIEW_AUDIT_CHECKPOINT_EVERY and FAMILYVIEW_AUDIT_CHECKPOINT_MINUTES are both "
            "0: audit events would wait for a signed checkpoint without end, so changes to "
            "them could go unseen; unset them (every 100 events and 10 minutes)."
        )
    return problems


def refuse_unsafe_settings(**settings: object) -> None:
    """Raise ProductionRefused if the settings (as `settings_problems` takes them) are not
    safe for production."""
    problems = settings_problems(**settings)  # type: ignore[arg-type]
    if problems:
        raise ProductionRefused("\n".join(problems))


def demo_account_problem() -> str | None:
    """Why the database is not fit to serve: demo accounts (a published password, codes
    anyone can print) can still sign in, or the role may not read the tables at all. None
    when there are none, or no tables yet."""
    from django.db.utils import OperationalError, ProgrammingError

    from familyview.access.demo import NOT_GRANTED, active_demo_usernames, not_granted

    try:
        usernames = active_demo_usernames()
    except (OperationalError, ProgrammingError) as e:
        if not_granted(e):
            return NOT_GRANTED  # every page would fail: say so now
        return None  # not migrated yet: there are no accounts at all
    if not usernames:
        return None
    shown = ", ".join(usernames[:3]) + (", ..." if len(usernames) > 3 else "")
    return (
        f"The database holds demo accounts ({shown}), which share a published password: "
        "disable them with `familyview demo_accounts --disable`."
    )


def refuse_demo_accounts() -> None:
    """Raise ProductionRefused while demo accounts are in the database (Django set up)."""
    problem = demo_account_problem()
    if problem:
        raise ProductionRefused(problem)
