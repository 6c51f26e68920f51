"""`familyview audit verify` finds each kind of tampering and says which event.

Each test tampers as someone who can get past the append-only triggers would (a DBA, or
an attacker holding the tables' owner): triggers_suspended() disables them first.
"""

import pytest
from django.db import connection

from familyview.audit import chain
from familyview.audit.models import AuditEvent, AuditEventSubject
from familyview.audit.protection import triggers_suspended

from .conftest import run_verify, write_log

pytestmark = pytest.mark.django_db

EVENTS = 23  # checkpoints (every 5) at 5, 10, 15, 20


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params)


def findings(output: str) -> list[str]:
    return [line for line in output.splitlines() if " at event " in line]


def rehash_from(sequence: int) -> None:
    """Recompute every hash from `sequence` on, as an attacker who knows the algorithm."""
    previous = AuditEvent.objects.get(sequence=sequence - 1).hash if sequence > 1 else None
    for event in AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
        fields = {name: getattr(event, name) for name in chain.HASHED_FIELDS}
        fields["previous_hash"] = previous or chain.GENESIS_HASH
        new_hash = chain.event_hash(fields)
        sql(
            "UPDATE audit_event SET previous_hash = %s, hash = %s WHERE sequence = %s",
            [fields["previous_hash"], new_hash, event.sequence],
        )
        previous = new_hash


def shift_sequences(from_sequence: int, by: int) -> None:
    """Renumber events from `from_sequence` on (and their subject rows) by `by`."""
    for table in ("audit_event", "audit_event_subject"):
        sql(f"UPDATE {table} SET sequence = -sequence WHERE sequence >= %s", [from_sequence])
        sql(f"UPDATE {table} SET sequence = -sequence + %s WHERE sequence < 0", [by])


@pytest.fixture
def log(practitioner):
    return write_log(practitioner, EVENTS)


def test_an_intact_log_verifies(log):
    intact, output = run_verify()
    assert intact, output
    assert f"{EVENTS} events and 4 checkpoints checked" in output
    assert findings(output) == []


def test_an_edited_event_is_found(log):
    with triggers_suspended():
        sql(
            "UPDATE audit_event SET case_reference = 'CR-other' WHERE sequence = 8",
        )
    intact, output = run_verify()
    assert not intact
    assert findings(output) == [
        "edited at event 8: event 8 has been changed: its contents no longer match its hash"
    ]


def test_an_edited_and_rehashed_event_is_found(log):
    with triggers_suspended():
        sql("UPDATE audit_event SET username = 'someone.else' WHERE sequence = 8")
        event = AuditEvent.objects.get(sequence=8)
        fields = {name: getattr(event, name) for name in chain.HASHED_FIELDS}
        sql(
            "UPDATE audit_event SET hash = %s WHERE sequence = 8",
            [chain.event_hash(fields)],
        )
    intact, output = run_verify()
    assert not intact
    assert findings(output) == [
        "edited at event 8: event 8 has been replaced or changed and re-hashed: "
        "event 9 links to a different event 8"
    ]


def test_a_deleted_event_is_found(log):
    with triggers_suspended():
        sql("DELETE FROM audit_event_subject WHERE sequence = 8")
        sql("DELETE FROM audit_event WHERE sequence = 8")
    intact, output = run_verify()
    assert not intact
    assert findings(output) == ["deleted at event 8: event 8 is missing"]


def test_a_deleted_checkpointed_event_is_found_with_its_checkpoint(log):
    with triggers_suspended():
        sql("DELETE FROM audit_event_subject WHERE sequence = 10")
        sql("DELETE FROM audit_event WHERE sequence = 10")
    intact, output = run_verify()
    assert not intact
    assert findings(output) == [
        "deleted at event 10: event 10 is missing",
        "checkpoint at event 10: the event signed in the checkpoint of event 10 is missing",
    ]


def test_a_deleted_event_hidden_by_renumbering_is_found(log):
    with triggers_suspended():
        sql("DELETE FROM audit_event_subject WHERE sequence = 12")
        sql("DELETE FROM audit_event WHERE sequence = 12")
        shift_sequences(13, -1)
    intact, output = run_verify()
    assert not intact
    assert findings(output) == [
        "deleted at event 12: event 12 is missing, and the events after renumbered to hide it"
    ]


def test_reordered_events_are_found(log):
    with triggers_suspended():
        # Swap events 8 and 9.
        for table in ("audit_event", "audit_event_subject"):
            sql(f"UPDATE {table} SET sequence = 1000 WHERE sequence = 8")
            sql(f"UPDATE {table} SET sequence = 8 WHERE sequence = 9")
            sql(f"UPDATE {table} SET sequence = 9 WHERE sequence = 1000")
    intact, output = run_verify()
    assert not intact
    found = findings(output)
    assert (
        "reordered at event 8: event 9 is stored as 8, before event 8 (stored as 9) "
        "which it follows"
    ) in found
    assert len(found) == 1


def test_an_inserted_event_is_found(log, practitioner):
    with triggers_suspended():
        shift_sequences(8, 1)
        # The best forgery: a well-formed event correctly linked to event 7.
        before = AuditEvent.objects.get(sequence=7)
        fields = {name: getattr(before, name) for name in chain.HASHED_FIELDS}
        fields.update(
            sequence=8, action="view_family", subjects=["P9999"], previous_hash=before.hash
        )
        forged = AuditEvent.objects.create(**fields, hash=chain.event_hash(fields))
        # Its person index row too, so that nothing but the chain gives it away.
        AuditEventSubject.objects.create(event=forged, person_id="P9999")
    intact, output = run_verify()
    assert not intact
    found = findings(output)
    assert found == [
        "inserted at event 8: event 8 is not part of the chain: no event links to it "
        "(and the events after it renumbered)"
    ]


def test_an_inserted_event_with_the_chain_relinked_is_found_by_the_checkpoints(log):
    """Insert, then recompute every later hash: the chain is consistent again, but it no
    longer matches what was signed."""
    with triggers_suspended():
        shift_sequences(8, 1)
        before = AuditEvent.objects.get(sequence=7)
        fields = {name: getattr(before, name) for name in chain.HASHED_FIELDS}
        fields.update(sequence=8, previous_hash=before.hash)
        AuditEvent.objects.create(**fields, hash=chain.event_hash(fields))
        rehash_from(9)
    intact, output = run_verify()
    assert not intact
    assert findings(output)[0] == (
        "rewritten at event 10: event 10 is not the one signed in the checkpoint of "
        + findings(output)[0].split("checkpoint of ")[1]
    )
    assert {f.split(" at ")[0] for f in findings(output)} == {"rewritten"}
    assert [int(f.split(" at event ")[1].split(":")[0]) for f in findings(output)] == [
        10,
        15,
        20,
    ]


def test_a_truncated_log_is_found(log):
    with triggers_suspended():
        sql("DELETE FROM audit_event_subject WHERE sequence > 12")
        sql("DELETE FROM audit_event WHERE sequence > 12")
    intact, output = run_verify()
    assert not intact
    assert findings(output) == [
        "truncated at event 13: the log ends at event 12 but event 20 was signed in a "
        "checkpoint: events 13 to at least 20 were cut off"
    ]


def test_truncation_with_its_checkpoints_removed_is_found_from_the_journal(
    practitioner, django_capture_on_commit_callbacks
):
    # The journal line is written when the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        write_log(practitioner, EVENTS)
    with triggers_suspended():
        sql("DELETE FROM audit_event_subject WHERE sequence > 12")
        sql("DELETE FROM audit_event WHERE sequence > 12")
        sql("DELETE FROM audit_checkpoint WHERE sequence > 12")
    intact, output = run_verify()
    assert not intact
    found = findings(output)
    assert found[-1] == (
        "truncated at event 13: the log ends at event 12 but event 20 was signed in a "
        "checkpoint: events 13 to at least 20 were cut off"
    )
    assert (
        "checkpoint at event 15: the checkpoint of event 15 is in the journal but has been "
        "removed from the database"
    ) in found


def test_a_forged_checkpoint_is_found(log):
    with triggers_suspended():
        event = AuditEvent.objects.get(sequence=15)
        sql(
            "UPDATE audit_checkpoint SET sequence = 16, event_hash = %s WHERE sequence = 15",
            [AuditEvent.objects.get(sequence=16).hash],
        )
        assert event.hash
    intact, output = run_verify()
    assert not intact
    assert findings(output) == [
        "checkpoint at event 16: the checkpoint of event 16 is not trustworthy: its "
        "signature does not match what it says"
    ]


def test_a_keyring_without_the_signing_key_trusts_no_checkpoint(log, tmp_path):
    other = tmp_path / "other-keyring.txt"
    other.write_text("# a council's copy holding some other key only\n")
    intact, output = run_verify("--public-keys", str(other))
    assert not intact
    assert len(findings(output)) == 4
    assert all("which is not in the keyring" in f for f in findings(output))
