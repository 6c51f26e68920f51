"""Shared fixtures. Tests run on the database DATABASE_URL names (PostgreSQL or SQLite)."""

import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.personal_data_scan import PersonalDataScan

# The browser tests' fixtures, shared by every folder: one Chromium for the whole run
# (two Playwright instances in one thread refuse to start).
pytest_plugins = ["tests.e2e.fixtures"]


def pytest_configure(config):
    config.pluginmanager.register(PersonalDataScan(), "personal-data-scan")
    # Link runs keep record features between runs: in this run's own folder.
    settings.LINKAGE_STORE_DIR = Path(tempfile.mkdtemp(prefix="familyview-linkage-"))
    # A SQLite test database is a file (so that real `familyview` processes can share it);
    # a run that was killed can leave its journal files behind, which SQLite would then
    # apply to the new database.
    test_name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and test_name:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{test_name}{suffix}").unlink(missing_ok=True)


def pytest_unconfigure(config):
    shutil.rmtree(settings.LINKAGE_STORE_DIR, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    # What a browser or Spark checks is the same on either database: `make test` runs
    # those tests once, on PostgreSQL (the production database), to keep the suite short.
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) or "spark" in item.nodeid:
            item.add_marker(pytest.mark.once)


@pytest.fixture(autouse=True)
def database_files_of_this_test(settings, tmp_path_factory):
    """Each test's database is new (rolled back or emptied), with a new identity: its files
    outside the database (the audit key, journal and witness) go in a folder of its own,
    as every database's do (audit/database_files.py)."""
    settings.VAR_DIR = tmp_path_factory.mktemp("var")


@pytest.fixture
def vendor() -> str:
    return connection.vendor
