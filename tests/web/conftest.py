"""Fixtures for the page tests: authorities and signed-in clients per role."""

import pytest
from django.test import Client

from familyview.access.models import Authority, Role

from .factories import create_authority, create_staff


@pytest.fixture(autouse=True)
def static_root(settings, tmp_path):
    """WhiteNoise warns (an error here) when STATIC_ROOT is missing, as it is until
    collectstatic runs; the GOV.UK assets themselves are found through the finders."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()


@pytest.fixture
def authority(db) -> Authority:
    return create_authority("stockport", "Stockport")


@pytest.fixture
def other_authority(db) -> Authority:
    return create_authority("leeds", "Leeds")


def _signed_in_client(role: Role, authority: Authority) -> Client:
    client = Client()
    client.force_login(create_staff(role, authority, first_name="Sam", last_name="Patel"))
    return client


@pytest.fixture
def practitioner_client(authority) -> Client:
    return _signed_in_client(Role.PRACTITIONER, authority)


@pytest.fixture
def steward_client(authority) -> Client:
    return _signed_in_client(Role.DATA_STEWARD, authority)


@pytest.fixture
def administrator_client(authority) -> Client:
    return _signed_in_client(Role.ADMINISTRATOR, authority)
