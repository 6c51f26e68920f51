"""Tests that commit: writers racing each other, and the real `familyview audit verify`."""

import os
import subprocess
import sys
import threading

import pytest
from django.db import connection

from familyview.audit.checkpoints import read_journal
from familyview.audit.events import record_event
from familyview.audit.models import AuditCheckpoint, AuditEvent
from familyview.audit.protection import triggers_suspended
from familyview.audit.verify import verify_log

from .conftest import write_log

WRITERS = 4
EACH = 15


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.usefixtures("audit_rows_removed_after")
def test_concurrent_writers_make_one_unbroken_chain(practitioner):
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                record_event(practitioner, "search", level="search", details={"w": writer, "i": i})
        except BaseException as e:  # reported below, in the test's thread
            failures.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert failures == []
    total = WRITERS * EACH
    assert list(AuditEvent.objects.values_list("sequence", flat=True)) == list(range(1, total + 1))
    written = {(e.details["w"], e.details["i"]) for e in AuditEvent.objects.all()}
    assert written == {(w, i) for w in range(WRITERS) for i in range(EACH)}
    assert list(AuditCheckpoint.objects.values_list("sequence", flat=True)) == list(
        range(5, total + 1, 5)
    )
    assert [c.sequence for c in read_journal()] == list(range(5, total + 1, 5))
    report = verify_log()
    assert report.ok, report.findings
    assert report.events_checked == total


@pytest.mark.slow
@pytest.mark.usefixtures("audit_rows_removed_after")
def test_the_verify_command_exits_non_zero_on_tampering(practitioner, settings):
    write_log(practitioner, 12)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "FAMILYVIEW_AUDIT_KEY_FILE": str(settings.AUDIT_KEY_FILE),
    }
    command = [sys.executable, "-m", "familyview.cli", "audit", "verify"]

    intact = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert intact.returncode == 0, intact.stderr
    assert "The audit log is intact: 12 events and 2 checkpoints checked" in intact.stdout

    with triggers_suspended(), connection.cursor() as cur:
        cur.execute("UPDATE audit_event SET purpose = 'mash_triage' WHERE sequence = 3")
    tampered = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert tampered.returncode == 1
    assert "edited at event 3:" in tampered.stdout
    assert "The audit log has been tampered with: 1 findings" in tampered.stderr
