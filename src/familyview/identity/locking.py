"""One writer of the person index at a time.

Link runs and stewards' actions both change which records belong to whom. On PostgreSQL
each takes this transaction-scoped advisory lock before writing; on SQLite, write
transactions are already one at a time (BEGIN IMMEDIATE).
"""

from django.db import connection

# Any number, the same for every writer of the person index.
INDEX_LOCK = 7_350_001


def lock_index() -> None:
    """Wait until no one else is writing the person index. Call inside a transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [INDEX_LOCK])
