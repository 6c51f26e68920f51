"""Bulk loading of validated rows: staging tables, then one set-based merge per kind.

Rows go into a temporary staging table (COPY on PostgreSQL, executemany on SQLite), then
one INSERT ... ON CONFLICT DO UPDATE merges them into the source's records, touching only
rows whose content changed, and one UPDATE ends the records a full snapshot no longer
holds. Everything runs inside the caller's transaction: all of it lands, or none.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from familyview.families.models import SourceRelationship
from familyview.involvements.models import Involvement
from familyview.sources.models import PersonRecord

PEOPLE_TABLE = PersonRecord._meta.db_table
INVOLVEMENTS_TABLE = Involvement._meta.db_table
RELATIONSHIPS_TABLE = SourceRelationship._meta.db_table

# PostgreSQL types of staging columns; everything else is text.
PG_TYPES = {
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
}


@dataclass
class MergeCounts:
    changed: int = 0
    ended: int = 0


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _create_staging(cursor, name: str, columns: Iterable[str]) -> None:
    pg = _is_postgres()
    cols = ", ".join(f"{c} {PG_TYPES.get(c, 'text') if pg else ''}".strip() for c in columns)
    suffix = " ON COMMIT DROP" if pg else ""
    cursor.execute(f"DROP TABLE IF EXISTS {'' if pg else 'temp.'}{name}")
    cursor.execute(f"CREATE TEMP TABLE {name} ({cols}){suffix}")


def _fill_staging(cursor, name: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    if _is_postgres():
        with cursor.cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)


def _drop_staging(cursor, names: Iterable[str]) -> None:
    prefix = "" if _is_postgres() else "temp."
    for name in names:
        cursor.execute(f"DROP TABLE IF EXISTS {prefix}{name}")


def _upsert_sql(
    table: str,
    select_columns: list[str],
    insert_columns: list[str],
    conflict: str,
    from_clause: str,
) -> str:
    updates = ", ".join(
        f"{c} = excluded.{c}"
        for c in insert_columns
        if c not in {"source_id", "created_by_import_id"} and c not in conflict
    )
    return (
        f"INSERT INTO {table} ({', '.join(insert_columns)}, ended_at, ended_by_import_id) "
        f"SELECT {', '.join(select_columns)}, NULL, NULL FROM {from_clause} WHERE true "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}, ended_at = NULL, "
        "ended_by_import_id = NULL "
        f"WHERE {table}.row_hash <> excluded.row_hash OR {table}.ended_at IS NOT NULL"
    )


def merge_extract(
    *,
    source_id: int,
    import_id: int,
    full_snapshot: bool,
    now: datetime,
    people: tuple[tuple[str, ...], list[tuple]],
    involvements: tuple[tuple[str, ...], list[tuple]],
    relationships: tuple[tuple[str, ...], list[tuple]],
    keep: dict[str, list[tuple]],
) -> dict[str, MergeCounts]:
    """Merge one extract's valid rows into the source's records. Call inside a transaction.

    Each of people/involvements/relationships is (columns, rows), the last column of each
    row being its row hash. `keep` holds, per kind, the keys that a full snapshot must not
    end although they are not loaded (rows quarantined this time: their last good version
    stays).
    """
    counts = {k: MergeCounts() for k in ("people", "involvements", "relationships")}
    staging = ("stg_people", "stg_involvements", "stg_relationships", "stg_keep")
    with connection.cursor() as cur:
        for name, (columns, rows) in zip(
            staging[:3], (people, involvements, relationships), strict=True
        ):
            _create_staging(cur, name, columns)
            _fill_staging(cur, name, columns, rows)
        _create_staging(cur, "stg_keep", ("kind", "a", "b", "c"))
        _fill_staging(
            cur,
            "stg_keep",
            ("kind", "a", "b", "c"),
            [(kind, *key, *[""] * (3 - len(key))) for kind, keys in keep.items() for key in keys],
        )
        # The anti-joins that end absent records look rows up by key: index the keys.
        for name, key in (
            ("stg_people", "source_record_id"),
            ("stg_involvements", "source_involvement_id"),
            ("stg_relationships", "person_source_id, related_source_id"),
            ("stg_keep", "kind, a"),
        ):
            cur.execute(f"CREATE INDEX {name}_key ON {name} ({key})")
            if _is_postgres():
                cur.execute(f"ANALYZE {name}")

        # People.
        p_cols = [c for c in people[0]]
        cur.execute(
            _upsert_sql(
                PEOPLE_TABLE,
                ["%s", *[f"s.{c}" for c in p_cols], "%s", "%s"],
                ["source_id", *p_cols, "created_by_import_id", "changed_by_import_id"],
                "source_id, source_record_id",
                "stg_people s",
            ),
            [source_id, import_id, import_id],
        )
        counts["people"].changed = cur.rowcount
        if full_snapshot:
            cur.execute(
                f"UPDATE {PEOPLE_TABLE} SET ended_at = %s, ended_by_import_id = %s "
                f"WHERE source_id = %s AND ended_at IS NULL AND NOT EXISTS ("
                f" SELECT 1 FROM stg_people s WHERE s.source_record_id = "
                f"{PEOPLE_TABLE}.source_record_id) AND NOT EXISTS ("
                f" SELECT 1 FROM stg_keep k WHERE k.kind = 'people' AND k.a = "
                f"{PEOPLE_TABLE}.source_record_id)",
                [now, import_id, source_id],
            )
            counts["people"].ended = cur.rowcount

        # Involvements, joined to their person record of the same source.
        i_cols = [c for c in involvements[0] if c != "person_source_id"]
        cur.execute(
            _upsert_sql(
                INVOLVEMENTS_TABLE,
                ["%s", "p.id", *[f"s.{c}" for c in i_cols], "%s", "%s"],
                [
                    "source_id",
                    "person_record_id",
                    *i_cols,
                    "created_by_import_id",
                    "changed_by_import_id",
                ],
                "source_id, source_involvement_id",
                f"stg_involvements s JOIN {PEOPLE_TABLE} p ON p.source_id = %s "
                "AND p.source_record_id = s.person_source_id",
            ),
            [source_id, import_id, import_id, source_id],
        )
        counts["involvements"].changed = cur.rowcount
        if full_snapshot:
            cur.execute(
                f"UPDATE {INVOLVEMENTS_TABLE} SET ended_at = %s, ended_by_import_id = %s "
                f"WHERE source_id = %s AND ended_at IS NULL AND NOT EXISTS ("
                f" SELECT 1 FROM stg_involvements s WHERE s.source_involvement_id = "
                f"{INVOLVEMENTS_TABLE}.source_involvement_id) AND NOT EXISTS ("
                f" SELECT 1 FROM stg_keep k WHERE k.kind = 'involvements' AND k.a = "
                f"{INVOLVEMENTS_TABLE}.source_involvement_id)",
                [now, import_id, source_id],
            )
            counts["involvements"].ended = cur.rowcount

        # Relationships, both ends joined to person records of the same source.
        r_cols = [c for c in relationships[0] if c not in {"person_source_id", "related_source_id"}]
        cur.execute(
            _upsert_sql(
                RELATIONSHIPS_TABLE,
                ["%s", "p.id", "q.id", *[f"s.{c}" for c in r_cols], "%s", "%s"],
                [
                    "source_id",
                    "person_record_id",
                    "related_record_id",
                    *r_cols,
                    "created_by_import_id",
                    "changed_by_import_id",
                ],
                "person_record_id, related_record_id, relationship_type",
                f"stg_relationships s JOIN {PEOPLE_TABLE} p ON p.source_id = %s "
                f"AND p.source_record_id = s.person_source_id JOIN {PEOPLE_TABLE} q "
                "ON q.source_id = %s AND q.source_record_id = s.related_source_id",
            ),
            [source_id, import_id, import_id, source_id, source_id],
        )
        counts["relationships"].changed = cur.rowcount
        if full_snapshot:
            present = (
                "SELECT 1 FROM {stg} s JOIN {people} p ON p.source_id = %s AND "
                "p.source_record_id = s.{a} JOIN {people} q ON q.source_id = %s AND "
                "q.source_record_id = s.{b} WHERE p.id = {rel}.person_record_id AND "
                "q.id = {rel}.related_record_id AND s.{c} = {rel}.relationship_type{extra}"
            )
            loaded = present.format(
                stg="stg_relationships",
                people=PEOPLE_TABLE,
                rel=RELATIONSHIPS_TABLE,
                a="person_source_id",
                b="related_source_id",
                c="relationship_type",
                extra="",
            )
            kept = present.format(
                stg="stg_keep",
                people=PEOPLE_TABLE,
                rel=RELATIONSHIPS_TABLE,
                a="a",
                b="b",
                c="c",
                extra=" AND s.kind = 'relationships'",
            )
            cur.execute(
                f"UPDATE {RELATIONSHIPS_TABLE} SET ended_at = %s, ended_by_import_id = %s "
                f"WHERE source_id = %s AND ended_at IS NULL AND NOT EXISTS ({loaded}) "
                f"AND NOT EXISTS ({kept})",
                [now, import_id, source_id, source_id, source_id, source_id, source_id],
            )
            counts["relationships"].ended = cur.rowcount
        _drop_staging(cur, staging)
    return counts
