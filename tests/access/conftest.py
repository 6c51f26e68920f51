"""Fixtures for the access tests: authorities, and the page tests' static files setting."""

import pytest

from familyview.access.factories import create_authority
from familyview.access.models import Authority


@pytest.fixture(autouse=True)
def static_root(settings, tmp_path):
    """WhiteNoise warns (an error here) when STATIC_ROOT is missing."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()


@pytest.fixture
def authority(db) -> Authority:
    return create_authority("stockport", "Stockport")


@pytest.fixture
def other_authority(db) -> Authority:
    return create_authority("leeds", "Leeds")
