"""Guessing passwords and codes: per-username and per-address limits, kept in the database,
a lock that runs out, and pages that never say whether the account exists."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from familyview.access import throttling
from familyview.access.factories import TEST_TOTP_SECRET, create_staff, second_factor_code
from familyview.access.models import Role, SignInThrottle
from familyview.audit.models import AuditEvent
from tests.web.pages import read, text

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-0451"
LOCKED = (
    "You have tried to sign in too many times. Wait 15 minutes, then try again, or ask your "
    "Family View administrator"
)


@pytest.fixture
def staff(authority):
    return create_staff(
        Role.PRACTITIONER,
        authority,
        username="kim.worker",
        password=PASSWORD,
        totp_secret=TEST_TOTP_SECRET,
    )


def attempt(username: str, password: str, address: str = "192.0.2.10"):
    return Client(REMOTE_ADDR=address).post(
        "/sign-in", {"username": username, "password": password}
    )


def errors(response) -> list[str]:
    return [text(a) for a in read(response).select(".govuk-error-summary__list a")]


def run_out_lock(kind: str, key: str) -> None:
    """Move the lock's end into the past (as if 15 minutes had gone by)."""
    SignInThrottle.objects.filter(kind=kind, key=key).update(
        locked_until=timezone.now() - timedelta(seconds=1),
        first_failure_at=timezone.now() - timedelta(minutes=16),
    )


@pytest.mark.parametrize("username", ["kim.worker", "nobody.at.all"], ids=["real", "unknown"])
def test_five_wrong_passwords_lock_the_username_whether_or_not_it_exists(staff, username):
    for _ in range(4):
        assert errors(attempt(username, "wrong-password-guess")) == [
            "The username or password is wrong"
        ]

    fifth = attempt(username, "wrong-password-guess")
    # Even the right password is refused while the lock lasts, from any address.
    with_right_password = attempt(username, PASSWORD, address="198.51.100.7")

    assert errors(fifth) == [LOCKED]
    assert errors(with_right_password) == [LOCKED]
    assert read(fifth).select_one(".govuk-error-summary__list a")["href"] == "#username"
    reasons = [e.details["reason"] for e in AuditEvent.objects.filter(action="sign_in_refused")]
    assert reasons == ["wrong_username_or_password"] * 5 + ["locked"]


def test_the_username_lock_ignores_case_and_spaces(staff):
    for _ in range(5):
        attempt(" Kim.Worker ", "wrong-password-guess")

    assert errors(attempt("kim.worker", PASSWORD)) == [LOCKED]


def test_the_lock_runs_out_and_counting_starts_afresh(staff):
    for _ in range(5):
        attempt("kim.worker", "wrong-password-guess")
    run_out_lock("username", "kim.worker")

    client = Client(REMOTE_ADDR="192.0.2.10")
    response = client.post("/sign-in", {"username": "kim.worker", "password": PASSWORD})
    assert response["Location"] == "/sign-in/security-code"
    # One more wrong guess does not lock again at once.
    assert errors(attempt("kim.worker", "wrong-password-guess")) == [
        "The username or password is wrong"
    ]


def test_failures_older_than_the_window_are_forgotten(staff):
    for _ in range(4):
        attempt("kim.worker", "wrong-password-guess")
    SignInThrottle.objects.filter(kind="username").update(
        first_failure_at=timezone.now() - timedelta(minutes=15, seconds=1)
    )

    attempt("kim.worker", "wrong-password-guess")

    assert SignInThrottle.objects.get(kind="username").failures == 1
    assert errors(attempt("kim.worker", "wrong-password-guess")) == [
        "The username or password is wrong"
    ]


def test_one_address_guessing_many_usernames_is_locked(staff, settings):
    settings.FAMILYVIEW_SIGN_IN_ADDRESS_LIMIT = 8
    for n in range(8):
        attempt(f"guess{n}", "wrong-password-guess", address="203.0.113.9")

    from_there = attempt("kim.worker", PASSWORD, address="203.0.113.9")
    from_elsewhere = Client(REMOTE_ADDR="192.0.2.55").post(
        "/sign-in", {"username": "kim.worker", "password": PASSWORD}
    )

    assert errors(from_there) == [LOCKED]
    assert from_elsewhere["Location"] == "/sign-in/security-code"


def test_the_address_comes_from_forwarded_for_only_behind_a_trusted_proxy(staff, settings):
    settings.FAMILYVIEW_SIGN_IN_ADDRESS_LIMIT = 3
    spoofing = {"HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    for n in range(3):
        Client(REMOTE_ADDR="203.0.113.9", **spoofing).post(
            "/sign-in", {"username": f"guess{n}", "password": "x-wrong"}
        )
    assert SignInThrottle.objects.filter(kind="address", key="203.0.113.9").exists()

    settings.FAMILYVIEW_TRUSTED_PROXIES = 1
    Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="spoofed, 198.51.100.4").post(
        "/sign-in", {"username": "guess9", "password": "x-wrong"}
    )
    assert SignInThrottle.objects.filter(kind="address", key="198.51.100.4").exists()


def test_wrong_security_codes_count_towards_the_lock(staff):
    client = Client(REMOTE_ADDR="192.0.2.10")
    client.post("/sign-in", {"username": "kim.worker", "password": PASSWORD})
    right = second_factor_code(staff)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for _ in range(4):
        response = client.post("/sign-in/security-code", {"code": wrong})
        assert errors(response) == ["The security code is wrong or has already been used"]

    response = client.post("/sign-in/security-code", {"code": wrong})

    assert errors(response) == [LOCKED]
    assert SESSION_KEY not in client.session
    # The password step is forgotten: the right code now leads back to the sign-in page.
    assert client.post("/sign-in/security-code", {"code": right})["Location"] == "/sign-in"


def test_a_full_sign_in_clears_the_usernames_count_but_not_the_addresss(staff):
    for _ in range(3):
        attempt("kim.worker", "wrong-password-guess")
    client = Client(REMOTE_ADDR="192.0.2.10")
    client.post("/sign-in", {"username": "kim.worker", "password": PASSWORD})
    client.post("/sign-in/security-code", {"code": second_factor_code(staff)})

    assert client.session[SESSION_KEY] == str(staff.pk)
    assert not SignInThrottle.objects.filter(kind="username").exists()
    assert SignInThrottle.objects.get(kind="address").failures == 3


def test_an_administrator_can_lift_a_lock(staff):
    for _ in range(5):
        attempt("kim.worker", "wrong-password-guess")

    call_command("sign-in-unlock", "kim.worker", stdout=StringIO())

    assert attempt("kim.worker", PASSWORD)["Location"] == "/sign-in/security-code"
    assert AuditEvent.objects.filter(action="admin.sign_in_unlock").count() == 1


def test_a_username_lock_holds_from_any_address_and_for_the_lockout_period(db):
    for _ in range(5):
        throttling.record_failure("someone", "192.0.2.1")

    until = throttling.locked_until("someone", "192.0.2.99")

    assert until is not None
    assert timedelta(minutes=14) < until - timezone.now() <= timedelta(minutes=15)
    assert throttling.locked_until("someone-else", "192.0.2.1") is None


def test_sign_in_unlock_lifts_an_address_lock_too(db):
    for _ in range(50):
        throttling.record_failure("", "198.51.100.20")
    assert throttling.locked_until("anyone", "198.51.100.20") is not None
    out = StringIO()

    call_command("sign-in-unlock", "198.51.100.20", stdout=out)

    assert out.getvalue() == "Staff signing in from the address 198.51.100.20 can sign in again.\n"
    assert throttling.locked_until("anyone", "198.51.100.20") is None
    event = AuditEvent.objects.get(action="admin.sign_in_unlock")
    assert event.details["address"] == "198.51.100.20"
    assert event.details["cleared"] == ["address"]
