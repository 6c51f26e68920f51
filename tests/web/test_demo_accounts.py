"""`familyview demo_accounts`: one account per role, idempotent, with the demo password."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from familyview.access.models import Authority, Role, StaffMembership

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("demo_accounts", *args, stdout=out)
    return out.getvalue()


def test_creates_an_authority_and_one_account_per_role():
    output = run()

    assert Authority.objects.get(code="stockport").name == "Stockport"
    memberships = StaffMembership.objects.select_related("user", "authority")
    assert sorted((m.user.username, m.role) for m in memberships) == sorted(
        (f"demo.{role.value}", role.value) for role in Role
    )
    table = [line.split(maxsplit=2) for line in output.splitlines()[1:]]
    assert table == [["username", "password", "role"]] + [
        [f"demo.{role.value}", "family-view-demo-2026", role.label] for role in Role
    ]
    user = authenticate(username="demo.data_steward", password="family-view-demo-2026")
    assert user is not None
    assert user.password.startswith("argon2")


def test_running_it_again_changes_nothing_but_the_password():
    run()
    output = run("--password", "another-long-demo-password")

    assert get_user_model().objects.count() == len(Role)
    assert StaffMembership.objects.count() == len(Role)
    assert "password reset" in output
    assert authenticate(username="demo.practitioner", password="another-long-demo-password")


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
