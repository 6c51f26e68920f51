"""Shared fixtures. Tests run on the database DATABASE_URL names (PostgreSQL or SQLite)."""

import pytest
from django.db import connection


@pytest.fixture
def vendor() -> str:
    return connection.vendor
