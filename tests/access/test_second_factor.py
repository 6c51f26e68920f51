"""The second factor: TOTP codes (RFC 6238), kept encrypted, each accepted once, with a
step of clock drift either way; set-up and an administrator's reset."""

from datetime import timedelta
from io import StringIO

import pyotp
import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.utils import timezone

from familyview.access import second_factor
from familyview.access.factories import TEST_TOTP_SECRET, create_staff
from familyview.access.models import Role, StaffAccount
from familyview.access.second_factor import CodeCheck, SecondFactorKeyError
from familyview.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(authority):
    return create_staff(
        Role.PRACTITIONER, authority, username="jo.worker", totp_secret=TEST_TOTP_SECRET
    )


def code_at(offset_steps: int, secret: str = TEST_TOTP_SECRET) -> str:
    when = timezone.now() + timedelta(seconds=30 * offset_steps)
    return pyotp.TOTP(secret).at(when)


def test_the_secret_is_stored_encrypted(staff):
    stored = StaffAccount.objects.get(user=staff).totp_secret_encrypted

    assert TEST_TOTP_SECRET not in stored
    assert second_factor.secret_of(staff) == TEST_TOTP_SECRET


def test_a_configured_key_encrypts_and_a_changed_key_is_reported(authority, settings):
    settings.FAMILYVIEW_SECOND_FACTOR_KEY = Fernet.generate_key().decode()
    user = create_staff(Role.PRACTITIONER, authority, totp_secret=TEST_TOTP_SECRET)
    assert second_factor.secret_of(user) == TEST_TOTP_SECRET

    settings.FAMILYVIEW_SECOND_FACTOR_KEY = Fernet.generate_key().decode()
    with pytest.raises(SecondFactorKeyError, match="the key has changed"):
        second_factor.secret_of(user)

    settings.FAMILYVIEW_SECOND_FACTOR_KEY = "not-a-key"
    with pytest.raises(SecondFactorKeyError, match="must be a Fernet key"):
        second_factor.secret_of(user)


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_codes_of_this_step_and_one_either_side_are_accepted(staff, offset):
    assert second_factor.check_code(staff, code_at(offset)) == CodeCheck.ACCEPTED


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_codes_further_off_are_wrong(staff, offset):
    assert second_factor.check_code(staff, code_at(offset)) == CodeCheck.WRONG


def test_a_code_is_accepted_once_and_no_older_code_after_it(staff):
    assert second_factor.check_code(staff, code_at(0)) == CodeCheck.ACCEPTED
    assert second_factor.check_code(staff, code_at(0)) == CodeCheck.REUSED
    assert second_factor.check_code(staff, code_at(-1)) == CodeCheck.REUSED
    assert second_factor.check_code(staff, code_at(1)) == CodeCheck.ACCEPTED


def test_an_account_without_a_second_factor_accepts_no_code(authority):
    user = create_staff(Role.PRACTITIONER, authority)

    assert second_factor.check_code(user, "123456") == CodeCheck.WRONG
    with pytest.raises(ValueError, match="has no second factor"):
        second_factor.code_that_works_now(user)


def test_code_that_works_now_moves_to_the_next_step_once_this_one_is_used(staff):
    first = second_factor.code_that_works_now(staff)
    assert second_factor.check_code(staff, first) == CodeCheck.ACCEPTED
    second = second_factor.code_that_works_now(staff)
    assert second != first
    assert second_factor.check_code(staff, second) == CodeCheck.ACCEPTED
    with pytest.raises(ValueError, match="wait 30 seconds"):
        second_factor.code_that_works_now(staff)


def test_enrolment_needs_a_code_from_the_new_secret(authority):
    user = create_staff(Role.PRACTITIONER, authority, username="new.one")
    secret = second_factor.new_secret()
    right = code_at(0, secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    assert not second_factor.confirm_enrolment(user, secret, wrong)
    assert not second_factor.account_of(user).has_second_factor
    assert second_factor.confirm_enrolment(user, secret, right)
    assert StaffAccount.objects.get(user=user).has_second_factor
    # The code that proved the set-up cannot sign in as well.
    assert second_factor.check_code(user, right) == CodeCheck.REUSED
    # Nor can a second app be set up over the first without an administrator's reset.
    another = second_factor.new_secret()
    assert not second_factor.confirm_enrolment(user, another, code_at(0, another))
    assert second_factor.secret_of(user) == secret


def test_the_set_up_page_data_names_family_view_and_the_council(staff):
    enrolment = second_factor.enrolment_for(staff, TEST_TOTP_SECRET, "Stockport")

    assert enrolment.uri.startswith("otpauth://totp/Family%20View%20%28Stockport%29:jo.worker?")
    assert f"secret={TEST_TOTP_SECRET}" in enrolment.uri
    assert enrolment.qr_svg.startswith("<svg") and "<path" in enrolment.qr_svg
    assert enrolment.secret_in_groups == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


def test_an_administrator_resets_a_lost_app_from_the_command_line(staff):
    out = StringIO()
    call_command("second-factor-reset", "jo.worker", stdout=out)

    assert not StaffAccount.objects.get(user=staff).has_second_factor
    assert "set up a new one at their next sign-in" in out.getvalue()
    [event] = AuditEvent.objects.filter(action="admin.reset_second_factor")
    assert event.details["username"] == "jo.worker"
    with pytest.raises(CommandError, match="no account with the username nobody"):
        call_command("second-factor-reset", "nobody", stdout=StringIO())
