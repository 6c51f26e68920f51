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


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("FAMILYVIEW_AUDIT_CHECKPOINT_EVERY", "ten", "a whole number, 0 or more"),
        ("FAMILYVIEW_SIGN_IN_USERNAME_LIMIT", "-5", "a whole number, 1 or more"),
        ("FAMILYVIEW_SESSION_IDLE_MINUTES", "half an hour", "a number, more than 0"),
        ("FAMILYVIEW_API_RATE_PER_MINUTE", "1.5", "a whole number, 1 or more"),
    ],
)
def test_a_setting_that_is_not_a_number_is_one_sentence_naming_it(tmp_path, name, value, said):
    os.environ.pop(name, None)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "FAMILYVIEW_VAR_DIR": str(tmp_path),
        name: value,
    }
    for command in (
        [sys.executable, "-m", "familyview.cli", "check"],
        [sys.executable, "-m", "gunicorn", "familyview.wsgi", "--bind", "127.0.0.1:0"],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode != 0, command
        assert "Traceback" not in done.stderr, command
        assert f"familyview: {name} is {value!r}: it should be {said}." in done.stderr, done.stderr
