"""Retention may cut the oldest events at a signed checkpoint; verification then starts
after the cut, and still finds tampering, including a cut no one signed."""

import datetime as dt

import pytest
from django.db import connection

from familyview.audit import pruning
from familyview.audit.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditEventSubject,
    AuditRetentionFloor,
)
from familyview.audit.protection import triggers_suspended

from .conftest import run_verify, write_log

pytestmark = pytest.mark.django_db


def findings(output: str) -> list[str]:
    return [line for line in output.splitlines() if " at event " in line]


@pytest.fixture
def pruned(practitioner):
    """23 events (checkpoints at 5, 10, 15, 20), cut through event 10."""
    write_log(practitioner, 23)
    return pruning.prune_through(10)


def test_cutting_at_a_checkpoint_leaves_a_log_that_verifies(pruned):
    assert (pruned.through_sequence, pruned.events_removed) == (10, 10)
    sequences = list(AuditEvent.objects.values_list("sequence", flat=True))
    assert sequences == list(range(11, 25))  # 24: the "audit.pruned" event itself
    assert AuditEvent.objects.get(sequence=24).details == {
        "through_sequence": 10,
        "events_removed": 10,
    }
    assert not AuditEventSubject.objects.filter(event_id__lte=10).exists()
    assert list(AuditCheckpoint.objects.values_list("sequence", flat=True)) == [10, 15, 20]
    intact, output = run_verify()
    assert intact, output
    assert "14 events and 2 checkpoints checked" in output


def test_tampering_after_the_cut_is_still_found(pruned):
    with triggers_suspended(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_event_subject WHERE sequence = 11")
        cur.execute("DELETE FROM audit_event WHERE sequence = 11")
    intact, output = run_verify()
    assert not intact
    assert findings(output) == ["deleted at event 11: event 11 is missing"]


def test_a_cut_with_its_record_removed_is_found(pruned):
    with triggers_suspended():
        AuditRetentionFloor.objects.all().delete()
    intact, output = run_verify()
    assert not intact
    assert findings(output)[0] == (
        "deleted at event 1: events 1 to 10 are missing: the log starts at event 11"
    )


def test_a_forged_cut_is_found(pruned):
    with triggers_suspended():
        AuditRetentionFloor.objects.update(through_sequence=12)
        AuditEventSubject.objects.filter(event_id__in=(11, 12)).delete()
        AuditEvent.objects.filter(sequence__in=(11, 12)).delete()
    intact, output = run_verify()
    assert not intact
    found = findings(output)
    assert found[0] == (
        "checkpoint at event 12: the record that events up to 12 were removed by retention "
        "is not trustworthy: its signature does not match what it says"
    )
    assert "deleted at event 1: events 1 to 12 are missing: the log starts at event 13" in found


def test_the_log_is_cut_only_at_a_checkpoint_that_verifies(practitioner):
    write_log(practitioner, 12)
    with pytest.raises(pruning.PruneRefused, match="event 7 has no checkpoint"):
        pruning.prune_through(7)
    with triggers_suspended(), connection.cursor() as cur:
        cur.execute("UPDATE audit_event SET hash = %s WHERE sequence = 10", ["f" * 64])
    with pytest.raises(pruning.PruneRefused, match="does not match its checkpoint"):
        pruning.prune_through(10)
    assert AuditEvent.objects.count() == 12
    assert not AuditRetentionFloor.objects.exists()


def test_where_to_cut_for_a_keep_period(practitioner, monkeypatch):
    def at(day: int) -> None:
        when = dt.datetime(2019, 1, day, 12, 0, tzinfo=dt.UTC)
        monkeypatch.setattr("familyview.audit.events.timezone.now", lambda: when)

    for day in (1, 2, 3):
        at(day)
        write_log(practitioner, 5)  # checkpoints at 5, 10, 15: one a day
    cutoff = dt.datetime(2019, 1, 2, 18, 0, tzinfo=dt.UTC)
    assert pruning.newest_checkpoint_before(cutoff) == 10
    assert pruning.newest_checkpoint_before(dt.datetime(2019, 1, 1, tzinfo=dt.UTC)) is None
