"""Each database's files outside it (the audit key, keyring and journal; the witness; the
feature store, tests/identity) live in a folder named for the database, which says whose
it is; another database's folder is refused in one sentence. Two databases run from one
FAMILYVIEW_VAR_DIR no longer share a journal, so verifying a clean database finds nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from familyview.audit import checkpoints
from familyview.audit.database_files import (
    IDENTITY_FILE,
    DatabaseFilesError,
    database_folder,
    database_id,
)
from familyview.audit.events import record_event
from familyview.audit.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditEventSubject,
    DatabaseIdentity,
)
from familyview.audit.protection import triggers_suspended

from .conftest import run_verify, write_log

pytestmark = pytest.mark.django_db


def committed_log(practitioner, count, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return write_log(practitioner, count)


def another_database(monkeypatch) -> None:
    """Stand in for a second, new database: another name, its own identity, no events."""
    monkeypatch.setitem(connection.settings_dict, "NAME", "another_councils_database")
    DatabaseIdentity.objects.update(database_id="another0database0identity0000000")
    with triggers_suspended():
        AuditEventSubject.objects.all().delete()
        AuditCheckpoint.objects.all().delete()
        AuditEvent.objects.all().delete()


@pytest.fixture
def default_key_file(settings):
    settings.AUDIT_KEY_FILE = None


def test_the_audit_files_are_in_a_folder_named_for_the_database_that_says_whose(
    practitioner, default_key_file, django_capture_on_commit_callbacks
):
    committed_log(practitioner, 10, django_capture_on_commit_callbacks)

    folder = database_folder() / "audit"
    # The database's name (SQLite's: its file's, without the suffix).
    assert folder.parent.name == Path(connection.settings_dict["NAME"]).stem
    assert checkpoints.journal_file() == folder / "audit-checkpoints.jsonl"
    assert len(checkpoints.read_journal()) == 2
    assert checkpoints.key_file() == folder / "checkpoint-key.pem"
    identity = (folder / IDENTITY_FILE).read_text()
    assert f'database_id = "{database_id()}"' in identity
    assert oct((folder / IDENTITY_FILE).stat().st_mode & 0o777) == "0o600"


def test_two_databases_from_one_folder_keep_their_journals_apart(
    practitioner, default_key_file, django_capture_on_commit_callbacks, monkeypatch
):
    committed_log(practitioner, 10, django_capture_on_commit_callbacks)
    first_journal = checkpoints.journal_file()

    another_database(monkeypatch)

    intact, output = run_verify()
    assert intact, output
    assert "0 events and 0 checkpoints checked" in output
    committed_log(practitioner, 5, django_capture_on_commit_callbacks)
    assert checkpoints.journal_file() != first_journal
    assert [c.sequence for c in checkpoints.read_journal()] == [5]
    assert [c.sequence for c in checkpoints.read_journal(first_journal)] == [5, 10]


def test_a_folder_of_another_database_is_refused(
    practitioner, settings, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    settings.AUDIT_KEY_FILE = tmp_path / "shared" / "checkpoint-key.pem"
    committed_log(practitioner, 5, django_capture_on_commit_callbacks)
    first = database_id()

    another_database(monkeypatch)

    with pytest.raises(DatabaseFilesError) as refused:
        committed_log(practitioner, 5, django_capture_on_commit_callbacks)
    said = str(refused.value)
    assert said.startswith(f"{tmp_path / 'shared'} holds the files of ")
    assert f"(database {first}), not of this " in said
    assert "move that folder aside" in said
    intact, output = run_verify()
    assert not intact
    assert said in output


def test_an_earlier_releases_shared_audit_folder_is_pointed_out(
    practitioner, settings, default_key_file
):
    earlier = settings.VAR_DIR / "audit"
    earlier.mkdir()
    (earlier / "checkpoint-key.pem").write_text("an earlier release's key")

    with pytest.raises(checkpoints.AuditKeyError, match="the audit files of an earlier release"):
        record_event(practitioner, "search", level="search")


@pytest.mark.slow
def test_a_new_database_beside_another_verifies_clean(tmp_path):
    """The real commands, two SQLite databases, one FAMILYVIEW_VAR_DIR."""
    env = {
        **os.environ,
        "FAMILYVIEW_VAR_DIR": str(tmp_path),
        "FAMILYVIEW_AUDIT_CHECKPOINT_EVERY": "2",
    }
    for name in ("FAMILYVIEW_AUDIT_KEY_FILE", "FAMILYVIEW_LINKAGE_STORE", "FAMILYVIEW_ENV"):
        env.pop(name, None)

    def familyview(database: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "familyview.cli", *args],
            env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / database}.sqlite3"},
            capture_output=True,
            text=True,
            timeout=300,
        )

    for database in ("demo", "trial"):
        assert familyview(database, "migrate", "--verbosity", "0").returncode == 0
    for username in ("someone", "someone.else"):  # two audited events: one checkpoint
        assert familyview("demo", "sign-in-unlock", username).returncode == 0
    assert (tmp_path / "demo" / "audit" / "audit-checkpoints.jsonl").exists()

    clean = familyview("trial", "audit", "verify")

    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "The audit log is intact: 0 events and 0 checkpoints checked" in clean.stdout
    assert familyview("demo", "audit", "verify").returncode == 0
