"""The `familyview` command on a database it cannot use: one sentence, exit 1."""

import os
import subprocess
import sys

import pytest


def familyview(*args: str, database_url: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "FAMILYVIEW_VAR_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "familyview.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_database_that_does_not_exist_is_one_sentence(tmp_path):
    url = "postgres://postgres@127.0.0.1:5432/familyview_no_such_database"
    done = familyview("link", database_url=url, tmp_path=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("familyview: the database named by DATABASE_URL cannot be used")
    assert "familyview_no_such_database" in done.stderr


@pytest.mark.parametrize("command", [("link",), ("quarantine", "1")])
def test_a_database_without_tables_says_to_migrate(tmp_path, command):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    done = familyview(*command, database_url=url, tmp_path=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "run `familyview migrate` first" in done.stderr
