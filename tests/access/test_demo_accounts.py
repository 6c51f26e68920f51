"""`familyview demo_accounts`: one account per role, idempotent, with the demo password and
an authenticator key; `familyview second-factor-code` prints a demo account's code."""

from io import StringIO

import pyotp
import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from familyview.access import second_factor
from familyview.access.factories import create_staff
from familyview.access.models import Authority, Role, StaffAccount, StaffMembership
from familyview.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("demo_accounts", *args, stdout=out)
    return out.getvalue()


def code_for(username: str) -> str:
    out = StringIO()
    call_command("second-factor-code", username, stdout=out)
    return out.getvalue().strip()


def table(output: str) -> list[list[str]]:
    lines = output.split("\n\n")[0].splitlines()[1:]
    return [line.split(maxsplit=3) for line in lines]


def test_creates_an_authority_and_one_account_per_role_with_an_authenticator_key():
    output = run()

    assert Authority.objects.get(code="stockport").name == "Stockport"
    memberships = StaffMembership.objects.select_related("user", "authority")
    assert sorted((m.user.username, m.role) for m in memberships) == sorted(
        (f"demo.{role.value}", role.value) for role in Role
    )
    rows = table(output)
    assert rows[0] == ["username", "password", "authenticator-key", "role"]
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
        (f"demo.{role.value}", "family-view-demo-2026", role.label) for role in Role
    ]
    user = authenticate(username="demo.data_steward", password="family-view-demo-2026")
    assert user is not None
    assert user.password.startswith("argon2")
    steward_key = next(r[2] for r in rows if r[0] == "demo.data_steward")
    assert second_factor.secret_of(user) == steward_key
    assert StaffAccount.objects.get(user=user).is_demo
    assert "familyview second-factor-code demo.practitioner" in output


def test_running_it_again_changes_nothing_but_the_password():
    first = table(run())
    output = run("--password", "another-long-demo-password")

    assert get_user_model().objects.count() == len(Role)
    assert StaffMembership.objects.count() == len(Role)
    assert "password reset" in output
    assert authenticate(username="demo.practitioner", password="another-long-demo-password")
    # The keys stay, so an app already set up keeps working.
    assert [r[2] for r in table(output)[1:]] == [r[2] for r in first[1:]]


def test_another_authority_can_be_named():
    run("--authority", "leeds", "--authority-name", "Leeds City Council")

    assert Authority.objects.get(code="leeds").name == "Leeds City Council"


def test_a_weak_password_is_refused():
    with pytest.raises(CommandError, match="password is not allowed"):
        run("--password", "short")

    assert not get_user_model().objects.exists()


def test_it_refuses_to_run_in_production(monkeypatch):
    monkeypatch.setenv("FAMILYVIEW_ENV", "production")

    with pytest.raises(CommandError, match="not in production"):
        run()


def test_second_factor_code_prints_the_code_the_app_would_show():
    rows = table(run())
    key = next(r[2] for r in rows if r[0] == "demo.practitioner")

    assert pyotp.TOTP(key).verify(code_for("demo.practitioner"), valid_window=1)


def test_second_factor_code_refuses_accounts_that_are_not_demo_accounts(authority):
    create_staff(
        Role.PRACTITIONER, authority, username="real.person", totp_secret=pyotp.random_base32()
    )

    with pytest.raises(CommandError, match="not a demo account"):
        code_for("real.person")
    with pytest.raises(CommandError, match="not a demo account"):
        code_for("nobody")


def test_second_factor_code_refuses_to_run_in_production(monkeypatch):
    run()
    monkeypatch.setenv("FAMILYVIEW_ENV", "production")

    with pytest.raises(CommandError, match="never printed in production"):
        code_for("demo.practitioner")


def test_an_account_it_did_not_make_is_never_touched(authority):
    real = create_staff(Role.PRACTITIONER, authority, username="demo.practitioner")
    password_before = real.password

    with pytest.raises(CommandError, match=r"demo\.practitioner is an account that demo_accounts"):
        run("--authority", "surrey")

    real.refresh_from_db()
    assert real.password == password_before
    assert list(StaffMembership.objects.filter(user=real).values_list("role", flat=True)) == [
        "practitioner"
    ]
    assert not Authority.objects.filter(code="surrey").exists()
    assert get_user_model().objects.count() == 1


def test_another_authoritys_demo_accounts_are_not_given_this_ones_roles():
    run()
    passwords = dict(get_user_model().objects.values_list("username", "password"))

    with pytest.raises(CommandError, match=r"demo\.administrator is a demo account of Stockport"):
        run("--authority", "surrey", "--password", "another-long-demo-password")

    assert dict(get_user_model().objects.values_list("username", "password")) == passwords
    assert set(StaffMembership.objects.values_list("authority__code", flat=True)) == {"stockport"}


def test_disable_takes_every_demo_account_out_of_use_even_in_production(monkeypatch):
    run()
    monkeypatch.setenv("FAMILYVIEW_ENV", "production")

    output = run("--disable")

    assert output.startswith(f"Disabled {len(Role)} demo accounts: demo.")
    assert authenticate(username="demo.practitioner", password="family-view-demo-2026") is None
    assert not StaffMembership.objects.exists()
    assert not get_user_model().objects.filter(is_active=True).exists()
    assert all(not a.has_second_factor for a in StaffAccount.objects.all())
    event = AuditEvent.objects.get(action="admin.demo_accounts_disabled")
    assert event.details["usernames"] == sorted(f"demo.{role.value}" for role in Role)


def test_a_demo_account_cannot_sign_in_in_production(settings):
    from familyview.access.sign_in import Step, check_password

    run()
    settings.PRODUCTION = True

    attempt = check_password("demo.practitioner", "family-view-demo-2026", "192.0.2.1")

    assert attempt.step is Step.WRONG
    refused = AuditEvent.objects.get(action="sign_in_refused")
    assert refused.details["reason"] == "demo_account_in_production"
