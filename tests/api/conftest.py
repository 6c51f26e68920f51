"""Fixtures for the API tests: two councils' people, API clients and staff per role."""

import pytest
from django.test import Client

from .world import build_world


@pytest.fixture(autouse=True)
def api_settings(settings, tmp_path):
    """WhiteNoise wants a STATIC_ROOT; the audit log's checkpoint key lives in a temporary
    folder; rate limits are high unless a test lowers them."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.AUDIT_KEY_FILE = tmp_path / "keys" / "checkpoint-key.pem"
    settings.FAMILYVIEW_API_RATE_PER_MINUTE = 100_000
    settings.FAMILYVIEW_API_BURST = 100_000
    settings.FAMILYVIEW_API_USER_RATE_PER_MINUTE = 100_000
    settings.FAMILYVIEW_API_USER_BURST = 100_000
    return settings


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def api() -> Client:
    """A test client that answers as a deployed server does (errors as responses)."""
    return Client(raise_request_exception=False)
