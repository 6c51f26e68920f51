"""The audit tables are append-only: the database itself refuses changes to their rows."""

import os

import pytest
from django.db import DatabaseError, connection, transaction

from familyview.audit.events import record_event
from familyview.audit.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditEventSubject,
    AuditRetentionFloor,
)
from familyview.audit.pruning import prune_through

pytestmark = pytest.mark.django_db

REFUSED = "the audit log is append-only"


def refused(statement: str, params=()) -> str:
    """Run a statement that must fail; return the database's message."""
    with (
        pytest.raises(DatabaseError) as failure,
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(statement, params)
    return str(failure.value)


@pytest.fixture
def events(practitioner):
    return [
        record_event(practitioner, "search", level="results", subjects=["P1"]) for _ in range(5)
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET username = 'someone.else' WHERE sequence = 2",
        "DELETE FROM audit_event WHERE sequence = 5",
        "UPDATE audit_event_subject SET person_id = 'P2'",
        "DELETE FROM audit_event_subject",
        "UPDATE audit_checkpoint SET event_hash = 'x'",
        "DELETE FROM audit_checkpoint",
    ],
)
def test_plain_updates_and_deletes_are_refused(events, statement):
    assert REFUSED in refused(statement)
    assert AuditEvent.objects.count() == 5
    assert AuditEventSubject.objects.count() == 5
    assert AuditCheckpoint.objects.count() == 1
    assert AuditEvent.objects.get(sequence=2).username == "pat.practitioner"


def test_the_record_of_a_retention_cut_cannot_be_changed(practitioner):
    for _ in range(10):
        record_event(practitioner, "search", level="search")
    prune_through(5)
    assert REFUSED in refused("UPDATE audit_retention_floor SET through_sequence = 1")
    assert REFUSED in refused("DELETE FROM audit_retention_floor")
    assert AuditRetentionFloor.objects.get().through_sequence == 5


def test_the_orm_cannot_change_or_delete_an_event_either(events):
    event = AuditEvent.objects.get(sequence=3)
    event.details = {"changed": True}
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        event.save()
    no_one_shown = record_event(None, "sign_in_refused", details={"username": "x"})
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(sequence=no_one_shown.sequence).delete()
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEventSubject.objects.all().delete()
    assert AuditEvent.objects.get(sequence=3).details == {}
    assert AuditEvent.objects.count() == 6


def test_emptying_a_table_wholesale_is_refused(events, vendor):
    """TRUNCATE on PostgreSQL; on SQLite, which has none, DELETE without WHERE."""
    if vendor == "postgresql":
        with connection.cursor() as cur:
            # Run the foreign-key checks the fixture's inserts deferred; TRUNCATE waits
            # for none to be pending.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table in ("audit_event_subject", "audit_checkpoint", "audit_event"):
        statement = (
            f"TRUNCATE {table} CASCADE" if vendor == "postgresql" else f"DELETE FROM {table}"
        )
        assert REFUSED in refused(statement)
    assert AuditEvent.objects.count() == 5


def test_the_application_role_cannot_switch_the_protection_off(events, vendor):
    """PostgreSQL: a role holding every table privilege but not owning the table (as the
    application's role should) can neither change rows nor disable the trigger. SQLite
    has no roles: there the triggers themselves are what the migration must leave."""
    if vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {(t, n) for t, n in cur.fetchall() if t.startswith("audit_")}
        assert triggers == {
            (table, f"{table}_no_{op}")
            for table in (
                "audit_event",
                "audit_event_subject",
                "audit_checkpoint",
                "audit_retention_floor",
            )
            for op in ("update", "delete")
        }
        return
    role = f"familyview_app_{os.getpid()}"
    with connection.cursor() as cur:
        cur.execute(f"CREATE ROLE {role} NOLOGIN")
        cur.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON audit_event TO {role}")
        cur.execute(f"SET ROLE {role}")
    try:
        assert REFUSED in refused("UPDATE audit_event SET username = 'x' WHERE sequence = 1")
        assert REFUSED in refused("DELETE FROM audit_event WHERE sequence = 1")
        assert "must be owner" in refused("ALTER TABLE audit_event DISABLE TRIGGER ALL")
        assert "permission denied" in refused("SET session_replication_role = replica")
    finally:
        with connection.cursor() as cur:
            cur.execute("RESET ROLE")
    assert AuditEvent.objects.get(sequence=1).username == "pat.practitioner"
