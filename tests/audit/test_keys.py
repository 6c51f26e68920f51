"""The checkpoint signing key: outside the database, private, rotatable."""

import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from familyview.audit import checkpoints
from familyview.audit.events import record_event
from familyview.audit.models import AuditCheckpoint, AuditEvent

from .conftest import run_verify, write_log

pytestmark = pytest.mark.django_db


def command(*args: str) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def test_the_key_is_made_on_first_use_readable_by_its_owner_only(practitioner, audit_key_dir):
    key_file = audit_key_dir / "checkpoint-key.pem"
    assert not key_file.exists()
    write_log(practitioner, 5)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(audit_key_dir.stat().st_mode) == 0o700
    assert key_file.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    key_id, public = command("public-key").split()
    assert (audit_key_dir / "audit-public-keys.txt").read_text().startswith(f"{key_id} {public} ")
    assert AuditCheckpoint.objects.get().key_id == key_id


def test_a_key_others_can_read_is_refused(practitioner, audit_key_dir):
    write_log(practitioner, 5)
    (audit_key_dir / "checkpoint-key.pem").chmod(0o640)
    with pytest.raises(checkpoints.AuditKeyError, match="chmod 600"):
        write_log(practitioner, 5)
    with pytest.raises(CommandError, match="can be read by others"):
        command("checkpoint")


def test_a_checkpoint_on_demand(practitioner):
    assert command("checkpoint") == "The audit log is empty: nothing to checkpoint.\n"
    write_log(practitioner, 3)
    output = command("checkpoint")
    key_id = command("public-key").split()[0]
    assert output == f"Checkpoint of event 3 signed with key {key_id}.\n"
    assert list(AuditCheckpoint.objects.values_list("sequence", flat=True)) == [3]


def test_a_rolled_back_action_leaves_no_event_and_no_checkpoint(
    practitioner, django_capture_on_commit_callbacks
):
    write_log(practitioner, 4)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        record_event(practitioner, "steward.merge", subjects=["P1", "P2"])
        raise RuntimeError("the merge failed half-way")
    assert callbacks == []
    assert AuditEvent.objects.count() == 4
    assert not AuditCheckpoint.objects.exists()
    assert checkpoints.read_journal() == []
    assert record_event(practitioner, "steward.merge").sequence == 5


def test_rotating_the_key(practitioner, audit_key_dir, tmp_path):
    write_log(practitioner, 7)
    old_id = command("public-key").split()[0]
    output = command("rotate-key")
    new_id = command("public-key").split()[0]
    assert new_id != old_id
    assert f"New signing key {new_id}; first checkpoint at event 8." in output
    assert f"Old key {old_id} closed with a checkpoint at event 7" in output
    retired = list(audit_key_dir.glob("checkpoint-key.pem.retired-*"))
    assert len(retired) == 1
    rotation = AuditEvent.objects.get(sequence=8)
    assert rotation.action == "admin.audit_key_rotated"
    assert rotation.details == {"old_key_id": old_id, "new_key_id": new_id}
    write_log(practitioner, 7)  # events 9 to 15: checkpoints at 10 and 15, new key
    assert dict(AuditCheckpoint.objects.values_list("sequence", "key_id")) == {
        5: old_id,
        7: old_id,
        8: new_id,
        10: new_id,
        15: new_id,
    }
    intact, report = run_verify()
    assert intact, report

    # A keyring that only knows the new key cannot vouch for the old era.
    only_new = tmp_path / "only-new.txt"
    only_new.write_text(
        "".join(
            line + "\n"
            for line in (audit_key_dir / "audit-public-keys.txt").read_text().splitlines()
            if line.startswith(new_id)
        )
    )
    intact, report = run_verify("--public-keys", str(only_new))
    assert not intact
    assert f"signed with key {old_id}, which is not in the keyring" in report


def test_the_journal_reads_by_sequence_whatever_order_writers_committed_in(tmp_path):
    # Two writers committing at once append their checkpoints' lines in commit order.
    journal = tmp_path / "journal.jsonl"
    line = (
        '{{"sequence": {}, "event_hash": "h", "signed_at": "t", "key_id": "k", "signature": "s"}}'
    )
    journal.write_text("\n".join(line.format(n) for n in (5, 10, 20, 15)) + "\nnot json\n")
    assert [c.sequence for c in checkpoints.read_journal(journal)] == [-1, 5, 10, 15, 20]
