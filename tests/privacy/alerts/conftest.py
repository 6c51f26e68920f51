"""The alert tests' world: Stockport, its children's services source, Sam Patel (a
practitioner) and Iris Grant (its privacy officer), at a fixed time."""

import pytest
from django.utils import timezone

from familyview.access.models import Role
from tests.identity.test_stewardship import a_run, a_source
from tests.web.factories import create_authority, create_staff

from .lookups import WEDNESDAY_10AM, Clock


@pytest.fixture
def clock(monkeypatch) -> Clock:
    the_clock = Clock(WEDNESDAY_10AM)
    monkeypatch.setattr(timezone, "now", lambda: the_clock.now)
    return the_clock


@pytest.fixture
def authority():
    return create_authority("stockport", "Stockport")


@pytest.fixture
def source(authority):
    return a_source(authority, "CSC")


@pytest.fixture
def run():
    return a_run()


@pytest.fixture
def worker(authority):
    """Sam Patel, a practitioner of Stockport."""
    return create_staff(Role.PRACTITIONER, authority, first_name="Sam", last_name="Patel")


@pytest.fixture
def officer(authority):
    return create_staff(Role.PRIVACY_OFFICER, authority, first_name="Iris", last_name="Grant")
