"""Database triggers that make the audit tables append-only.

On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE of audit rows (a TRUNCATE of
an already empty table loses nothing and is let through, so that a test database can be
emptied). In production the application's database role should also not own these
tables and hold only SELECT and INSERT on them (docs/audit.md): the owner could disable
the trigger. On SQLite, triggers RAISE(ABORT) on UPDATE and DELETE.

Someone with the rights to disable the triggers (a DBA, an attacker with the owner's
password) can still change rows: the hash chain and signed checkpoints find that.
`triggers_suspended()` is that privileged path, for tests and maintenance only.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

AUDIT_TABLES = (
    "audit_event",
    "audit_event_subject",
    "audit_checkpoint",
    "audit_retention_floor",
)

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    has_rows boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME)
            INTO has_rows;
        IF NOT has_rows THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % of % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def _pg_statements(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
    ]


def _sqlite_statements(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN "
        f"SELECT RAISE(ABORT, 'the audit log is append-only: {op} of {table} is refused'); END"
        for op in ("UPDATE", "DELETE")
    ]


def install_triggers(conn: BaseDatabaseWrapper, tables: tuple[str, ...] = AUDIT_TABLES) -> None:
    """Create the append-only triggers on audit tables (used by the migrations)."""
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute(_PG_FUNCTION)
            for table in tables:
                for statement in _pg_statements(table):
                    cur.execute(statement)
        elif conn.vendor == "sqlite":
            for table in tables:
                for statement in _sqlite_statements(table):
                    cur.execute(statement)


def drop_triggers(
    conn: BaseDatabaseWrapper, tables: tuple[str, ...] = AUDIT_TABLES, *, function: bool = True
) -> None:
    """Remove the append-only triggers (the migrations' reverse)."""
    with conn.cursor() as cur:
        for table in tables:
            if conn.vendor == "postgresql":
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            elif conn.vendor == "sqlite":
                for op in ("update", "delete"):
                    cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        if conn.vendor == "postgresql" and function:
            cur.execute("DROP FUNCTION IF EXISTS audit_refuse_change()")


@contextmanager
def triggers_suspended() -> Iterator[None]:
    """Within one transaction, let audit rows be changed: the privileged path a DBA has.

    PostgreSQL: ALTER TABLE ... DISABLE TRIGGER (needs the tables' owner or a superuser;
    the application's role, not owning them, cannot). SQLite: drop and re-create the
    triggers. Either way the triggers are back when the block ends, even on error.
    """
    with transaction.atomic():
        _switch_triggers(on=False)
        yield
        _switch_triggers(on=True)


def _switch_triggers(*, on: bool) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # ALTER TABLE waits for no deferred foreign-key check: run them now.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in AUDIT_TABLES:
                cur.execute(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER USER")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
        elif on:
            install_triggers(connection)
        else:
            drop_triggers(connection)
