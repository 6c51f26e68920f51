"""The tampering window, made small and known: a checkpoint every 100 events by default and
at the first event once the newest is 10 minutes old; an event appended by someone else
(a correct hash, by INSERT alone) is found once the next checkpoint is signed, and at once
when a witness keeps every event's hash outside the database."""

import datetime as dt
import json
import socket

import pytest
from django.utils import timezone

import familyview.settings
from familyview.audit import chain
from familyview.audit.events import record_event
from familyview.audit.models import AuditCheckpoint, AuditEvent, AuditEventSubject
from familyview.audit.protection import triggers_suspended

from .conftest import run_verify, write_log

pytestmark = pytest.mark.django_db


def findings(output: str) -> list[str]:
    return [line for line in output.splitlines() if " at event " in line]


def forge_tail_event() -> AuditEvent:
    """What someone holding only the INSERT right can do: append a well-formed event,
    correctly hashed and linked to the newest, with its person index row."""
    newest = AuditEvent.objects.order_by("-sequence").first()
    fields = {name: getattr(newest, name) for name in chain.HASHED_FIELDS}
    fields.update(
        sequence=newest.sequence + 1,
        action="view_family",
        subjects=["P9999"],
        previous_hash=newest.hash,
        occurred_at=timezone.now(),
    )
    forged = AuditEvent.objects.create(**fields, hash=chain.event_hash(fields))
    AuditEventSubject.objects.create(event=forged, person_id="P9999")
    return forged


def checkpointed() -> list[int]:
    return list(AuditCheckpoint.objects.values_list("sequence", flat=True))


def test_by_default_a_checkpoint_every_100_events_and_every_10_minutes():
    assert familyview.settings.AUDIT_CHECKPOINT_EVERY == 100
    assert familyview.settings.AUDIT_CHECKPOINT_MINUTES == 10


def test_the_first_event_after_10_minutes_signs_a_checkpoint(practitioner, settings, monkeypatch):
    settings.AUDIT_CHECKPOINT_EVERY = 0  # the time bound alone
    settings.AUDIT_CHECKPOINT_MINUTES = 10
    start = timezone.now()

    def at(minutes: float) -> AuditEvent:
        monkeypatch.setattr(timezone, "now", lambda: start + dt.timedelta(minutes=minutes))
        return record_event(practitioner, "search", level="search")

    at(0), at(1), at(9.9)
    assert checkpointed() == []
    assert at(10).sequence == 4
    assert checkpointed() == [4]
    at(19)
    assert checkpointed() == [4]
    at(20.5)
    assert checkpointed() == [4, 6]


def test_a_forged_tail_event_is_found_once_the_next_checkpoint_is_signed(practitioner):
    write_log(practitioner, 12)  # checkpoints at 5 and 10
    forge_tail_event()  # event 13

    # The window: until a checkpoint covers event 13, nothing can tell it from a real one.
    intact, output = run_verify()
    assert intact, output

    write_log(practitioner, 2)  # events 14 and 15: the checkpoint of event 15 is signed
    intact, output = run_verify()
    assert not intact
    assert findings(output) == [
        "inserted at event 13: event 13 was not written by Family View: it carries no seal "
        "of Family View's (found when the checkpoint of event 15 was signed)"
    ]


@pytest.fixture
def witness(settings, tmp_path):
    (tmp_path / "elsewhere").mkdir()  # the share, mounted
    settings.AUDIT_WITNESS_FILE = tmp_path / "elsewhere" / "witness.jsonl"
    return settings.AUDIT_WITNESS_FILE


def committed_log(practitioner, count, django_capture_on_commit_callbacks):
    """Events as committed transactions write them: the witness hears of each at commit."""
    with django_capture_on_commit_callbacks(execute=True):
        return write_log(practitioner, count)


def test_with_a_witness_a_forged_tail_event_is_found_at_once(
    practitioner, witness, django_capture_on_commit_callbacks
):
    committed_log(practitioner, 12, django_capture_on_commit_callbacks)
    lines = witness.read_text().splitlines()
    assert len(lines) == 13 and "database_id" in json.loads(lines[0])
    assert json.loads(lines[12]) == {
        "sequence": 12,
        "hash": AuditEvent.objects.get(sequence=12).hash,
    }
    intact, output = run_verify()
    assert intact, output

    forge_tail_event()

    intact, output = run_verify()
    assert not intact
    assert findings(output) == [
        "inserted at event 13: event 13 was not written by Family View: the witness never saw it"
    ]


def test_with_a_witness_the_newest_events_deleted_are_found_at_once(
    practitioner, witness, django_capture_on_commit_callbacks
):
    committed_log(practitioner, 13, django_capture_on_commit_callbacks)
    with triggers_suspended():
        AuditEventSubject.objects.filter(event_id__gt=11).delete()
        AuditEvent.objects.filter(sequence__gt=11).delete()

    intact, output = run_verify()

    assert not intact
    assert findings(output) == [
        "deleted at event 12: events 12 to 13 were written (the witness saw them) and are not "
        "in the log"
    ]


def test_with_a_witness_an_edited_and_rehashed_newest_event_is_found_at_once(
    practitioner, witness, django_capture_on_commit_callbacks
):
    committed_log(practitioner, 12, django_capture_on_commit_callbacks)
    event = AuditEvent.objects.get(sequence=12)
    fields = {name: getattr(event, name) for name in chain.HASHED_FIELDS}
    fields["case_reference"] = "CR-someone-else"
    with triggers_suspended():
        AuditEvent.objects.filter(sequence=12).update(
            case_reference="CR-someone-else", hash=chain.event_hash(fields)
        )

    intact, output = run_verify()

    assert not intact
    assert findings(output) == [
        "rewritten at event 12: event 12 is not the event the witness saw written: it has "
        "been changed (and re-hashed) since"
    ]


def test_a_witness_of_another_database_is_refused(practitioner, witness):
    witness.write_text(
        '{"database": "another council\'s", "database_id": "0123456789abcdef"}\n'
        '{"hash": "' + "0" * 64 + '", "sequence": 1}\n'
    )
    write_log(practitioner, 3)

    intact, output = run_verify()

    assert not intact
    assert f"the audit witness {witness} is not this database's" in output


def test_syslog_as_a_witness_gets_every_event_and_verify_reads_an_extract(
    practitioner, settings, tmp_path, django_capture_on_commit_callbacks
):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as log_server:
        log_server.bind(("127.0.0.1", 0))
        log_server.settimeout(5)
        settings.AUDIT_WITNESS_SYSLOG = f"127.0.0.1:{log_server.getsockname()[1]}"
        committed_log(practitioner, 4, django_capture_on_commit_callbacks)
        received = [log_server.recv(4096).decode() for _ in range(5)]

    assert all("familyview-audit: {" in line for line in received)
    extract = tmp_path / "from-the-log-server.txt"
    extract.write_text("\n".join(received) + "\n")
    intact, output = run_verify("--witness", str(extract))
    assert intact, output

    forge_tail_event()
    intact, output = run_verify("--witness", str(extract))
    assert findings(output) == [
        "inserted at event 5: event 5 was not written by Family View: the witness never saw it"
    ]


def forge_checkpoint_row(sequence: int, signed_at: dt.datetime) -> AuditCheckpoint:
    """What the INSERT right allows on the checkpoints too: a row with no good signature,
    taking a place Family View's own checkpoint would have."""
    return AuditCheckpoint.objects.create(
        sequence=sequence,
        event_hash="0" * 64,
        signed_at=signed_at,
        key_id="0000000000000000",
        signature="AAAA",
    )


def test_a_forged_checkpoint_row_does_not_stop_the_next_checkpoint_naming_a_forged_event(
    practitioner, django_capture_on_commit_callbacks
):
    committed_log(practitioner, 12, django_capture_on_commit_callbacks)  # checkpoints 5, 10
    forge_tail_event()  # event 13
    forge_checkpoint_row(15, timezone.now())  # where the next checkpoint falls due

    committed_log(practitioner, 2, django_capture_on_commit_callbacks)  # events 14 and 15
    intact, output = run_verify()

    assert not intact
    assert (
        "inserted at event 13: event 13 was not written by Family View: it carries no seal "
        "of Family View's (found when the checkpoint of event 15 was signed)"
    ) in findings(output)


def test_a_forged_checkpoint_row_from_the_future_does_not_stop_the_time_bound(
    practitioner, settings, monkeypatch
):
    settings.AUDIT_CHECKPOINT_EVERY = 0  # the time bound alone
    start = timezone.now()
    forge_checkpoint_row(1_000_000, start + dt.timedelta(days=36_500))

    def at(minutes: float) -> AuditEvent:
        monkeypatch.setattr(timezone, "now", lambda: start + dt.timedelta(minutes=minutes))
        return record_event(practitioner, "search", level="search")

    at(0), at(1)
    assert at(10.5).sequence == 3
    assert 3 in checkpointed()
