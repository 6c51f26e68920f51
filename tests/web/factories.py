"""Staff and authorities for the page tests.

These belong with the access domain (familyview/access/factories.py) once that file exists.
"""

from itertools import count

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from familyview.access.models import Authority, Role, StaffMembership

_numbers = count(1)


def create_authority(code: str = "stockport", name: str | None = None) -> Authority:
    """An authority (council), reused if one with the code exists."""
    authority, _ = Authority.objects.get_or_create(
        code=code, defaults={"name": name or code.replace("-", " ").title()}
    )
    return authority


def create_staff(
    role: Role,
    authority: Authority | None = None,
    username: str | None = None,
    password: str | None = None,
    first_name: str = "Sam",
    last_name: str = "Patel",
    **fields,
) -> AbstractBaseUser:
    """A member of staff with one role. Without a password the account cannot sign in
    with one (tests then use force_login, which skips the deliberately slow hashing)."""
    user = get_user_model().objects.create_user(
        username=username or f"staff{next(_numbers)}",
        password=password,
        first_name=first_name,
        last_name=last_name,
        **fields,
    )
    StaffMembership.objects.create(
        user=user, authority=authority or create_authority(), role=role.value
    )
    return user
