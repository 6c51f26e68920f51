"""`familyview audit verify` checks the log's person index (`audit_event_subject`, which the
privacy officer's audit by person and subject access reports read) against each event's
hashed subjects: rows deleted, or pointed at another person or event, are found, event by
event. Tampered as a DBA would, with the append-only triggers disabled."""

import pytest
from django.db import connection

from familyview.audit.protection import triggers_suspended
from familyview.audit.queries import events_for_subject

from .conftest import run_verify, write_log

pytestmark = pytest.mark.django_db


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params)


def findings(output: str) -> list[str]:
    return [line for line in output.splitlines() if " at event " in line]


def lost(person_id: str, sequence: int) -> str:
    return (
        f"index at event {sequence}: the person index has lost {person_id} from event "
        f"{sequence}: the person's audit and subject access report would leave it out"
    )


def named(person_id: str, sequence: int) -> str:
    return (
        f"index at event {sequence}: the person index names {person_id} in event {sequence}, "
        "which does not name them: the person's audit would show an event that was not theirs"
    )


@pytest.fixture
def log(practitioner):
    events = write_log(practitioner, 12)
    # P0005 was shown by events 5 (a result list) and 6 (a family page).
    assert list(events_for_subject("P0005").values_list("sequence", flat=True)) == [5, 6]
    return events


def test_a_persons_deleted_index_rows_are_found(log):
    with triggers_suspended():
        sql("DELETE FROM audit_event_subject WHERE person_id = %s", ["P0005"])
    # What the privacy officer's audit by person now shows: nothing.
    assert not events_for_subject("P0005").exists()

    intact, output = run_verify()

    assert not intact
    assert findings(output) == [lost("P0005", 5), lost("P0005", 6)]


def test_index_rows_pointed_at_another_person_are_found(log):
    with triggers_suspended():
        sql("UPDATE audit_event_subject SET person_id = 'P0777' WHERE person_id = 'P0005'")
    assert not events_for_subject("P0005").exists()

    intact, output = run_verify()

    assert not intact
    assert findings(output) == [
        lost("P0005", 5),
        named("P0777", 5),
        lost("P0005", 6),
        named("P0777", 6),
    ]


def test_an_index_row_moved_to_another_event_is_found(log):
    with triggers_suspended():
        sql(
            "UPDATE audit_event_subject SET sequence = 3 WHERE person_id = 'P0005' AND sequence = 6"
        )

    intact, output = run_verify()

    assert not intact
    assert findings(output) == [named("P0005", 3), lost("P0005", 6)]


def test_an_index_row_added_is_found(log):
    with triggers_suspended():
        sql("INSERT INTO audit_event_subject (sequence, person_id) VALUES (4, 'P0005')")

    intact, output = run_verify()

    assert not intact
    assert findings(output) == [named("P0005", 4)]
