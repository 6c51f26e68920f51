"""Verification reads the log a chunk at a time and remembers only a window of it."""

import datetime as dt

import pytest
from django.db import connection

from familyview.audit import verify
from familyview.audit.protection import triggers_suspended

from .conftest import write_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_window(monkeypatch):
    monkeypatch.setattr(verify, "WINDOW", 4)


def kinds(report) -> list[tuple[str, int]]:
    return [(f.kind, f.sequence) for f in report.findings]


def test_an_intact_log_in_small_chunks(practitioner, small_window):
    write_log(practitioner, 40)
    report = verify.verify_log(chunk_size=3)
    assert report.ok, report.findings
    assert (report.events_checked, report.first_sequence, report.last_sequence) == (40, 1, 40)
    assert report.checkpoints_checked == 8


def test_findings_across_chunk_and_window_boundaries(practitioner, small_window):
    write_log(practitioner, 40)
    with triggers_suspended(), connection.cursor() as cur:
        cur.execute("UPDATE audit_event SET role = 'privacy_officer' WHERE sequence = 9")
        cur.execute("DELETE FROM audit_event_subject WHERE sequence IN (21, 22)")
        cur.execute("DELETE FROM audit_event WHERE sequence IN (21, 22)")
        for table in ("audit_event", "audit_event_subject"):
            cur.execute(f"UPDATE {table} SET sequence = 1000 WHERE sequence = 30")
            cur.execute(f"UPDATE {table} SET sequence = 30 WHERE sequence = 31")
            cur.execute(f"UPDATE {table} SET sequence = 31 WHERE sequence = 1000")
    report = verify.verify_log(chunk_size=3)
    assert kinds(report) == [("edited", 9), ("deleted", 21), ("reordered", 30)]
    assert "events 21 to 22 are missing" in str(report.findings[1])


def test_a_moved_event_beyond_the_window_is_still_found(practitioner, small_window):
    write_log(practitioner, 30)
    with triggers_suspended(), connection.cursor() as cur:
        for table in ("audit_event", "audit_event_subject"):
            cur.execute(f"UPDATE {table} SET sequence = 1000 WHERE sequence = 8")
            cur.execute(f"UPDATE {table} SET sequence = 8 WHERE sequence = 18")
            cur.execute(f"UPDATE {table} SET sequence = 18 WHERE sequence = 1000")
    report = verify.verify_log(chunk_size=3)
    assert not report.ok
    assert {f.sequence for f in report.findings} >= {8, 18}


def test_times_on_the_whole_second_verify(practitioner, monkeypatch):
    """Databases write a time with no fraction of a second differently; the chain's
    spelling of it must not change."""
    when = dt.datetime(2026, 3, 1, 9, 30, 0, tzinfo=dt.UTC)
    monkeypatch.setattr("familyview.audit.events.timezone.now", lambda: when)
    write_log(practitioner, 3)
    report = verify.verify_log()
    assert report.ok, report.findings
    assert report.events_checked == 3
