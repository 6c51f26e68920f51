"""Staff and authorities for the page tests (they live in familyview/access/factories.py)."""

from familyview.access.factories import (
    TEST_TOTP_SECRET,
    create_authority,
    create_staff,
    second_factor_code,
)

__all__ = ["TEST_TOTP_SECRET", "create_authority", "create_staff", "second_factor_code"]
