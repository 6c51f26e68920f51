"""The migration that loads the default service categories is self-contained: the
categories are frozen in it, so a database migrated today gets what it got the day the
migration was written, whatever a later release's built-in file, its settings loader or a
council's own file says (FAMILYVIEW_SERVICE_CATEGORIES is loaded by `familyview categories
load`, never by a migration)."""

import ast
import importlib
import inspect
import os
import sqlite3
import subprocess
import sys
import tomllib
from contextlib import closing

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from familyview.involvements.categories import DEFAULT_CATEGORIES_FILE
from familyview.involvements.models import ServiceCategory

MIGRATION = "0002_default_service_categories"
migration = importlib.import_module(f"familyview.involvements.migrations.{MIGRATION}")


def test_the_migration_imports_nothing_but_django():
    tree = ast.parse(inspect.getsource(migration))
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert imported
    assert [name for name in imported if name.split(".")[0] != "django"] == []


@pytest.mark.django_db
def test_on_an_empty_table_it_loads_the_built_in_categories_whatever_a_council_set(
    settings, tmp_path
):
    council = tmp_path / "categories.toml"
    council.write_text('[[category]]\ncode = "police"\nname = "Constabulary"\n')
    settings.FAMILYVIEW_SERVICE_CATEGORIES = str(council)
    ServiceCategory.objects.all().delete()
    state = MigrationLoader(connection).project_state(("involvements", MIGRATION))

    migration.load_defaults(state.apps, None)

    built_in = tomllib.loads(DEFAULT_CATEGORIES_FILE.read_text(encoding="utf-8"))["category"]
    assert sorted(ServiceCategory.objects.values_list("code", "name", "sensitive")) == sorted(
        (c["code"], c["name"], c.get("sensitive", False)) for c in built_in
    )


def test_it_applies_on_a_fresh_database(tmp_path):
    council = tmp_path / "categories.toml"
    council.write_text('[[category]]\ncode = "police"\nname = "Constabulary"\n')
    database = tmp_path / "fresh.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "FAMILYVIEW_VAR_DIR": str(tmp_path),
        "FAMILYVIEW_SERVICE_CATEGORIES": str(council),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)

    done = subprocess.run(
        [sys.executable, "-m", "familyview.cli", "migrate", "involvements", MIGRATION],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    with closing(sqlite3.connect(database)) as db:
        rows = db.execute("SELECT code, name, sensitive FROM involvements_servicecategory")
        found = sorted((code, name, bool(sensitive)) for code, name, sensitive in rows)
    assert found == sorted(migration.DEFAULT_CATEGORIES)
