"""Bulk loading of validated rows into a source's records.

The loader reads what the source already holds (identifier, row hash, ended or not),
works out in memory which rows are new, which changed and which a full snapshot no
longer holds, and then writes only those: new rows straight into their table (COPY on
PostgreSQL, executemany on SQLite), changed rows through a staging table, ended rows by
identifier. An unchanged extract writes nothing. Everything runs inside the caller's
transaction: all of it lands, or none.
"""

import contextlib
import gc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from familyview.involvements.models import Involvement
from familyview.sources.models import PersonRecord, SourceRelationship

# Column types for staging tables on PostgreSQL; everything else is text.
PG_TYPES = {
    "id": "bigint",
    "birth_year": "smallint",
    "birth_month": "smallint",
    "birth_day": "smallint",
    "address_from": "date",
    "date_of_death": "date",
    "start_date": "date",
    "end_date": "date",
    "last_contact_date": "date",
    "restricted": "boolean",
    "details": "jsonb",
    "person_record_id": "bigint",
    "related_record_id": "bigint",
}


@dataclass
class MergeCounts:
    added: int = 0
    changed: int = 0
    ended: int = 0


@dataclass(frozen=True)
class Table:
    """One kind of source record as stored: its table and how a row is identified."""

    name: str
    key: tuple[str, ...]


PEOPLE = Table(PersonRecord._meta.db_table, ("source_record_id",))
INVOLVEMENTS = Table(Involvement._meta.db_table, ("source_involvement_id",))
RELATIONSHIPS = Table(
    SourceRelationship._meta.db_table,
    ("person_record_id", "related_record_id", "relationship_type"),
)


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for bulk work (an import, a link run).

    Such work allocates millions of small tuples and lists and makes no reference cycles,
    so reference counting frees everything; the cyclic collector would only rescan the
    growing heap again and again (measured: it halved the rows an import checks per second).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def insert_rows(cursor, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert many rows at once: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    if _is_postgres():
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
            rows,
        )


def _staging(cursor, name: str, columns: Sequence[str], rows: list[tuple]) -> None:
    pg = _is_postgres()
    types = ", ".join(f"{c} {PG_TYPES.get(c, 'text') if pg else ''}".strip() for c in columns)
    cursor.execute(f"DROP TABLE IF EXISTS {'' if pg else 'temp.'}{name}")
    cursor.execute(f"CREATE TEMP TABLE {name} ({types})")
    insert_rows(cursor, name, columns, rows)


def _existing(cursor, table: Table, source_id: int) -> dict[tuple, tuple[int, str, bool]]:
    """What the source already holds: key -> (id, row hash, ended)."""
    cursor.execute(
        f"SELECT id, {', '.join(table.key)}, row_hash, ended_at IS NOT NULL "  # noqa: S608
        f"FROM {table.name} WHERE source_id = %s",
        [source_id],
    )
    width = len(table.key)
    return {tuple(r[1 : 1 + width]): (r[0], r[1 + width], bool(r[2 + width])) for r in cursor}


def _merge_rows(
    cursor,
    table: Table,
    *,
    source_id: int,
    import_id: int,
    now: datetime,
    columns: Sequence[str],
    rows: Iterable[tuple],
    full_snapshot: bool,
    keep: set[tuple],
) -> MergeCounts:
    """Write one kind's rows. Each row is (*key, *other columns, row_hash) in `columns` order."""
    existing = _existing(cursor, table, source_id)
    width = len(table.key)
    new_rows: list[tuple] = []
    changed_rows: list[tuple] = []
    seen: set[tuple] = set()
    for row in rows:
        key = row[:width]
        seen.add(key)
        held = existing.get(key)
        if held is None:
            new_rows.append((source_id, *row, import_id, import_id))
        elif held[2] or held[1] != row[-1]:
            changed_rows.append((held[0], *row))
    counts = MergeCounts(added=len(new_rows), changed=len(changed_rows))

    insert_rows(
        cursor,
        table.name,
        ("source_id", *columns, "created_by_import_id", "changed_by_import_id"),
        new_rows,
    )
    if changed_rows:
        _staging(cursor, "stg_changed", ("id", *columns), changed_rows)
        settings = ", ".join(f"{c} = s.{c}" for c in columns)
        cursor.execute(
            f"UPDATE {table.name} SET {settings}, changed_by_import_id = %s, "  # noqa: S608
            f"ended_at = NULL, ended_by_import_id = NULL FROM stg_changed s "
            f"WHERE {table.name}.id = s.id",
            [import_id],
        )
    if full_snapshot:
        ended = [
            (held[0],)
            for key, held in existing.items()
            if not held[2] and key not in seen and key not in keep
        ]
        if ended:
            _staging(cursor, "stg_ended", ("id",), ended)
            cursor.execute(
                f"UPDATE {table.name} SET ended_at = %s, ended_by_import_id = %s "  # noqa: S608
                f"WHERE id IN (SELECT id FROM stg_ended)",
                [now, import_id],
            )
        counts.ended = len(ended)
    return counts


def _record_ids(cursor, source_id: int) -> dict[str, int]:
    cursor.execute(
        f"SELECT source_record_id, id FROM {PEOPLE.name} WHERE source_id = %s",  # noqa: S608
        [source_id],
    )
    return dict(cursor.fetchall())


def _drop_staging(cursor) -> None:
    prefix = "" if _is_postgres() else "temp."
    for name in ("stg_changed", "stg_ended"):
        cursor.execute(f"DROP TABLE IF EXISTS {prefix}{name}")


@dataclass(frozen=True)
class Load:
    """One import's loading of one source: call inside the import's transaction."""

    source_id: int
    import_id: int
    full_snapshot: bool
    now: datetime

    def people(
        self,
        columns: Sequence[str],
        rows: list[tuple],
        keep: Iterable[tuple],
        end_absent: bool = True,
    ) -> tuple[MergeCounts, dict[str, int]]:
        """Person records, each row leading with its source identifier and ending with its
        hash. Returns the counts and every record id of the source by source identifier."""
        with connection.cursor() as cur:
            counts = self._merge(cur, PEOPLE, columns, rows, set(keep), end_absent)
            return counts, _record_ids(cur, self.source_id)

    def involvements(
        self,
        columns: Sequence[str],
        rows: list[tuple],
        keep: Iterable[tuple],
        record_id: dict[str, int],
        end_absent: bool = True,
    ) -> MergeCounts:
        """Involvements, which name their person by source identifier: stored by record id."""
        cols = list(columns)
        at = cols.index("person_source_id")
        cols[at] = "person_record_id"
        with connection.cursor() as cur:
            return self._merge(
                cur,
                INVOLVEMENTS,
                cols,
                ((*row[:at], record_id[row[at]], *row[at + 1 :]) for row in rows),
                set(keep),
                end_absent,
            )

    def relationships(
        self,
        columns: Sequence[str],
        rows: list[tuple],
        keep: Iterable[tuple],
        record_id: dict[str, int],
        end_absent: bool = True,
    ) -> MergeCounts:
        """Relationships, identified by both records and the type."""
        cols = ("person_record_id", "related_record_id", *columns[2:])
        held = {
            (record_id[a], record_id[b], t) for a, b, t in keep if a in record_id and b in record_id
        }
        with connection.cursor() as cur:
            return self._merge(
                cur,
                RELATIONSHIPS,
                cols,
                ((record_id[r[0]], record_id[r[1]], *r[2:]) for r in rows),
                held,
                end_absent,
            )

    def _merge(
        self,
        cursor,
        table: Table,
        columns: Sequence[str],
        rows: Iterable[tuple],
        keep: set[tuple],
        end_absent: bool,
    ) -> MergeCounts:
        try:
            return _merge_rows(
                cursor,
                table,
                source_id=self.source_id,
                import_id=self.import_id,
                now=self.now,
                columns=columns,
                rows=rows,
                full_snapshot=self.full_snapshot and end_absent,
                keep=keep,
            )
        finally:
            _drop_staging(cursor)
