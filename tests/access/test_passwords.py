"""Password rules after the NCSC's guidance: long enough, not common, not the user's name,
not absurdly long; no rules about character classes."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError

pytestmark = pytest.mark.django_db


def problems(password: str, username: str = "alex.morgan") -> list[str]:
    user = get_user_model()(username=username, first_name="Alex", last_name="Morgan")
    try:
        validate_password(password, user)
    except ValidationError as e:
        return [error.code for error in e.error_list]
    return []


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",  # three (four) random words
        "walrusteacupmarble",  # one case only, no digits or symbols: fine
        "x" * 11 + "y",  # 12 characters
        "a" * 64 + "b" * 64,  # 128 characters
        "pâtisserie-à-la-crème",  # any characters
    ],
)
def test_long_passwords_of_any_kind_are_allowed(password):
    assert problems(password) == []


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("shortpass1", "password_too_short"),
        ("password1234", "password_too_common"),
        ("alex.morgan.", "password_too_similar"),
        ("c" * 129, "password_too_long"),
    ],
)
def test_short_common_personal_or_overlong_passwords_are_refused(password, code):
    assert code in problems(password)


def test_the_rules_explain_themselves():
    texts = " ".join(password_validators_help_texts())

    assert "at least 12 characters" in texts
    assert "128 characters or fewer" in texts
