"""Test and demo data for access: authorities and staff, each made by one small function.

For tests that sign in through the real pages (end-to-end in a browser, or the test
client), give the member of staff a password and a TOTP secret, then:

1. open /sign-in, fill in "Username" and "Password", press "Sign in";
2. on /sign-in/security-code fill in "Enter the security code" with
   `second_factor_code(user)` and press "Continue".

Tests that only need someone signed in use Django's `client.force_login(user)`, which
skips both (and the deliberately slow password hashing).
"""

from itertools import count

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from familyview.access import second_factor
from familyview.access.models import Authority, Role, StaffMembership

_numbers = count(1)

# A fixed secret that tests and end-to-end scripts may share (base32, 160 bits).
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - test data only


def create_authority(code: str = "stockport", name: str | None = None, **fields) -> Authority:
    """An authority (council), reused if one with the code exists."""
    authority, _ = Authority.objects.get_or_create(
        code=code, defaults={"name": name or code.replace("-", " ").title(), **fields}
    )
    return authority


def create_staff(
    role: Role,
    authority: Authority | None = None,
    username: str | None = None,
    password: str | None = None,
    first_name: str = "Sam",
    last_name: str = "Patel",
    *,
    totp_secret: str | None = None,
    team: str = "",
    **fields,
) -> AbstractBaseUser:
    """A member of staff with one role.

    Without a password the account cannot sign in with one (tests then use force_login).
    With `totp_secret` (e.g. TEST_TOTP_SECRET) their authenticator app is already set up,
    so signing in through the pages asks for `second_factor_code(user)` after the password;
    without one, the first sign-in asks them to set up an app.
    """
    user = get_user_model().objects.create_user(
        username=username or f"staff{next(_numbers)}",
        password=password,
        first_name=first_name,
        last_name=last_name,
        **fields,
    )
    StaffMembership.objects.create(
        user=user, authority=authority or create_authority(), role=role.value, team=team
    )
    if totp_secret:
        second_factor.enrol(user, totp_secret)
    return user


def second_factor_code(user: AbstractBaseUser) -> str:
    """A security code the sign-in page accepts now for this member of staff (the next
    30-second step's when this step's has been used: a code works only once)."""
    return second_factor.code_that_works_now(user)
