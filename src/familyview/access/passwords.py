"""Password rules, after the NCSC's guidance: length, not complexity.

Settings list them in AUTH_PASSWORD_VALIDATORS: at least 12 characters, not one of the
20,000 most common passwords, not close to the user's own name, and (here) no more than
128 characters, which keeps hashing cheap without truncating anything. No rules about
character classes and no expiry: both push people towards weaker, predictable passwords.
"""

from django.core.exceptions import ValidationError

MAXIMUM_LENGTH = 128


class MaximumLengthValidator:
    """Refuse passwords longer than the maximum (long passphrases are welcome below it)."""

    def __init__(self, max_length: int = MAXIMUM_LENGTH):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"Password must be {self.max_length} characters or fewer",
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return f"Your password must be {self.max_length} characters or fewer."
