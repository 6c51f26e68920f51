"""Signed-in sessions: a new identifier at sign-in, idle and absolute time-outs, and every
session of a user ended at once when the user is disabled or their roles change."""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from familyview.access import second_factor
from familyview.access.factories import TEST_TOTP_SECRET, create_staff, second_factor_code
from familyview.access.models import Role, StaffMembership
from familyview.access.sessions import GENERATION, LAST_SEEN, STARTED
from familyview.audit.models import AuditEvent
from tests.web.pages import read, text

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-0451"


@pytest.fixture
def practitioner(authority):
    return create_staff(
        Role.PRACTITIONER,
        authority,
        username="pat.worker",
        password=PASSWORD,
        totp_secret=TEST_TOTP_SECRET,
    )


def signed_in(user) -> Client:
    """A browser signed in through the real pages: password, then security code. (A code
    works once, so one user signs in this way at most twice in 30 seconds.)"""
    client = Client()
    response = client.post("/sign-in", {"username": user.username, "password": PASSWORD})
    assert response["Location"] == "/sign-in/security-code"
    response = client.post("/sign-in/security-code", {"code": second_factor_code(user)})
    assert response["Location"] == "/search"  # a practitioner lands on the search
    return client


def logged_in(user) -> Client:
    """Another browser signed in (force_login also starts a session through login())."""
    client = Client()
    client.force_login(user)
    return client


def age_session(client: Client, *, idle: float = 0, lasted: float = 0) -> None:
    """Make the session look as if it was last used `idle` seconds ago and began `lasted`
    seconds ago (time is moved in the session, not waited for)."""
    session = client.session
    now = int(time.time())
    session[LAST_SEEN] = now - int(idle)
    session[STARTED] = now - int(max(lasted, idle))
    session.save()


def is_signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def sign_in_banner(client: Client) -> str:
    return text(read(client.get("/sign-in")).select_one(".govuk-notification-banner"))


def ended(why: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="session_ended", details__why=why))


def test_signing_in_never_keeps_a_session_identifier_someone_planted(practitioner):
    planted = SessionStore()
    planted.create()
    victim = Client()
    victim.cookies[django_settings.SESSION_COOKIE_NAME] = planted.session_key

    victim.post("/sign-in", {"username": "pat.worker", "password": PASSWORD})
    assert victim.session.session_key != planted.session_key
    victim.post("/sign-in/security-code", {"code": second_factor_code(practitioner)})

    assert victim.session[SESSION_KEY] == str(practitioner.pk)
    assert victim.session.session_key != planted.session_key
    assert SESSION_KEY not in SessionStore(planted.session_key).load()
    attacker = Client()
    attacker.cookies[django_settings.SESSION_COOKIE_NAME] = planted.session_key
    assert not is_signed_in(attacker)


def test_the_session_cookie_is_http_only_and_same_site_lax(practitioner):
    client = Client()
    client.post("/sign-in", {"username": "pat.worker", "password": PASSWORD})
    response = client.post("/sign-in/security-code", {"code": second_factor_code(practitioner)})

    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # Over plain HTTP (tests, the demo) the cookie cannot be Secure; production turns it on.
    assert not cookie["secure"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # ends with the browser


def test_production_cookies_are_secure_and_host_only():
    """The settings as production loads them (a separate process, production's env)."""
    env = {
        **os.environ,
        "FAMILYVIEW_ENV": "production",
        "FAMILYVIEW_SECRET_KEY": "a-production-like-secret-key-for-this-test-only-" + "k7" * 8,
        "FAMILYVIEW_SECOND_FACTOR_KEY": Fernet.generate_key().decode(),
        "DJANGO_SETTINGS_MODULE": "familyview.settings",
    }
    env.pop("FAMILYVIEW_SECURE_COOKIES", None)
    env.pop("FAMILYVIEW_DEBUG", None)
    probe = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_NAME,"
        " s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout

    assert json.loads(out) == [
        True,
        True,
        "__Host-familyview-session",
        "__Host-familyview-csrf",
        True,
        "Lax",
    ]


def test_a_session_idle_for_the_idle_time_out_ends(practitioner):
    client = signed_in(practitioner)
    age_session(client, idle=30 * 60)

    response = client.get("/imports")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in?next=%2Fimports"
    assert SESSION_KEY not in client.session
    assert sign_in_banner(client) == (
        "Important You were signed out because you had not used Family View for 30 minutes. "
        "Sign in again to carry on."
    )
    [event] = ended("idle")
    assert event.user_id == practitioner.pk


def test_a_session_used_within_the_idle_time_out_carries_on_and_is_noted_as_used(practitioner):
    client = signed_in(practitioner)
    age_session(client, idle=29 * 60)

    assert is_signed_in(client)
    assert int(time.time()) - client.session[LAST_SEEN] < 60
    assert not ended("idle")


def test_a_session_ends_after_the_absolute_time_out_however_busy(practitioner):
    client = signed_in(practitioner)
    age_session(client, idle=0, lasted=10 * 60 * 60)

    assert not is_signed_in(client)
    assert "signed in for 10 hours" in sign_in_banner(client)
    assert ended("too_long")


def test_time_outs_come_from_settings(practitioner, settings):
    settings.FAMILYVIEW_SESSION_IDLE_TIMEOUT = timedelta(minutes=5)
    settings.FAMILYVIEW_SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=1)
    busy, idle = logged_in(practitioner), logged_in(practitioner)
    age_session(idle, idle=5 * 60)
    age_session(busy, idle=60, lasted=60 * 60)

    assert not is_signed_in(idle)
    assert not is_signed_in(busy)
    fresh = logged_in(practitioner)
    age_session(fresh, idle=4 * 60, lasted=59 * 60)
    assert is_signed_in(fresh)


def test_disabling_a_user_ends_every_session_they_have(practitioner, authority):
    office, phone = signed_in(practitioner), logged_in(practitioner)
    colleague = create_staff(Role.PRACTITIONER, authority)
    colleague_client = Client()
    colleague_client.force_login(colleague)

    practitioner.is_active = False
    practitioner.save()

    assert not is_signed_in(office)
    assert not is_signed_in(phone)
    assert is_signed_in(colleague_client)
    # Enabling the account again does not bring the old sessions back.
    practitioner.is_active = True
    practitioner.save()
    assert not is_signed_in(office)
    assert not is_signed_in(phone)
    assert is_signed_in(signed_in(practitioner))


def test_disabling_with_update_fields_ends_sessions_too(practitioner):
    client = signed_in(practitioner)
    practitioner.is_active = False
    practitioner.save(update_fields=["is_active"])
    practitioner.is_active = True
    practitioner.save(update_fields=["is_active"])

    assert not is_signed_in(client)


@pytest.mark.parametrize("change", ["role changed", "role added", "role removed", "team changed"])
def test_a_change_of_roles_ends_every_session(practitioner, other_authority, change):
    office, phone = logged_in(practitioner), logged_in(practitioner)
    membership = StaffMembership.objects.get(user=practitioner)

    if change == "role changed":
        membership.role = Role.TEAM_MANAGER
        membership.save()
    elif change == "role added":
        StaffMembership.objects.create(
            user=practitioner, authority=other_authority, role=Role.PRACTITIONER
        )
    elif change == "role removed":
        membership.delete()
    else:
        membership.team = "South Early Help"
        membership.save()

    assert not is_signed_in(office)
    assert not is_signed_in(phone)
    assert "your account changed" in sign_in_banner(office)
    assert ended("ended")
    assert is_signed_in(logged_in(practitioner))


def test_resetting_the_second_factor_ends_every_session(practitioner):
    client = signed_in(practitioner)

    second_factor.reset(practitioner)

    assert not is_signed_in(client)


def test_changing_the_password_ends_every_session(practitioner):
    client = signed_in(practitioner)

    practitioner.set_password("another-long-password-for-pat")
    practitioner.save()

    assert not is_signed_in(client)


def test_a_session_without_sign_in_stamps_is_ended(practitioner):
    client = signed_in(practitioner)
    session = client.session
    del session[STARTED]
    del session[GENERATION]
    session.save()

    assert not is_signed_in(client)


def test_tests_that_force_login_get_a_stamped_session(authority):
    client = Client()
    client.force_login(create_staff(Role.DATA_STEWARD, authority))

    assert is_signed_in(client)
    assert {STARTED, LAST_SEEN, GENERATION} <= set(client.session.keys())


def test_signed_in_pages_warn_before_the_idle_time_out(practitioner):
    page = read(logged_in(practitioner).get("/"))

    dialog = page.select_one("dialog[data-module=app-timeout-warning]")
    assert dialog["data-idle-seconds"] == "1800"
    assert dialog["data-warn-seconds"] == "180"
    assert dialog["data-keep-alive-url"] == "/sign-in/keep-alive"
    assert text(dialog.select_one("h2")) == "You will be signed out soon"
    assert "signed out in 3 minutes unless you choose to stay signed in" in text(dialog)
    assert dialog["aria-labelledby"] == "timeout-warning-heading"
    assert page.select_one("script[src='/static/familyview/timeout-warning.js']")


def test_the_sign_in_page_has_no_time_out_warning(client):
    assert read(client.get("/sign-in")).select_one("dialog") is None


def test_staying_signed_in_notes_the_session_as_used(practitioner):
    client = logged_in(practitioner)
    age_session(client, idle=25 * 60)

    response = client.post("/sign-in/keep-alive")

    assert response.status_code == 204
    assert int(time.time()) - client.session[LAST_SEEN] < 60
    assert client.get("/sign-in/keep-alive").status_code == 405


def test_staying_signed_in_too_late_is_refused(practitioner, client):
    late = logged_in(practitioner)
    age_session(late, idle=30 * 60)

    assert late.post("/sign-in/keep-alive")["Location"] == "/sign-in?next=%2Fsign-in%2Fkeep-alive"
    assert client.post("/sign-in/keep-alive").status_code == 302
