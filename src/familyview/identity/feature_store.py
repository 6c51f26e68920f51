"""Person records as the linkage model sees them, and a store that keeps them between runs.

Working out a record's features (plain and canonical names, surname history, postcode key)
costs about 10 microseconds; a million records, 10 to 15 s of every link run. An
incremental run needs them all (new records are scored against every indexed one) while
only a few have changed. So each run keeps every record's features in a Parquet file, one
per database, in LINKAGE_STORE_DIR (var/linkage/ unless FAMILYVIEW_LINKAGE_STORE says),
with a fingerprint of what they were worked out from: the record's row hash (a digest of
every column its import wrote; an import that changes a record writes a new one) and its
source's code and authority. The next run works out again only the records that are new
or whose fingerprint differs. A missing, old or unreadable file costs time, never
correctness.

The store holds identifying details (names, dates of birth, NHS numbers, postcodes): it is
written readable by the service account only, and a retention run that removes records
deletes it, so that removed records do not outlive the run there.
"""

import hashlib
import logging
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection

from familyview.identity.features import features, names_version
from familyview.sources.models import PersonRecord, Source

log = logging.getLogger(__name__)

# Change when features() makes something else of the same record: every kept feature is
# then worked out again.
FEATURES_VERSION = "1"

SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("authority", pa.int64()),
        ("source", pa.string()),
        ("given_name", pa.string()),
        ("given_canonical", pa.string()),
        ("family_name", pa.string()),
        ("surnames", pa.list_(pa.string())),
        ("birth_year", pa.int64()),
        ("birth_month", pa.int64()),
        ("birth_day", pa.int64()),
        ("dob", pa.string()),
        ("sex", pa.string()),
        ("postcode", pa.string()),
        ("uprn", pa.string()),
        ("nhs_number", pa.string()),
    ]
)
# What features() reads: the record's columns and its source's code and authority.
_COLUMNS = (
    ("r.id", "id"),
    ("s.authority_id", "authority_id"),
    ("s.code", "source_code"),
    ("r.given_name", "given_name"),
    ("r.family_name", "family_name"),
    ("r.previous_names", "previous_names"),
    ("r.birth_year", "birth_year"),
    ("r.birth_month", "birth_month"),
    ("r.birth_day", "birth_day"),
    ("r.sex", "sex"),
    ("r.postcode", "postcode"),
    ("r.uprn", "uprn"),
    ("r.nhs_number", "nhs_number"),
)
_CHUNK = 5000
# More records than this to work out again: read them all in one statement instead.
_MOST = 100_000


def _from() -> str:
    return (
        f"FROM {PersonRecord._meta.db_table} r JOIN {Source._meta.db_table} s ON s.id = r.source_id"
    )


def load_features(record_ids: list[int] | None = None) -> list[dict]:
    """Every person record (or the ones named) as the model sees it, in id order."""
    select = f"SELECT {', '.join(c for c, _ in _COLUMNS)} {_from()}"
    names = [name for _, name in _COLUMNS]
    rows: list[tuple] = []
    with connection.cursor() as cur:
        if record_ids is None:
            cur.execute(select + " ORDER BY r.id")
            rows = cur.fetchall()
        else:
            wanted = sorted(set(record_ids))
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i : i + _CHUNK]
                cur.execute(f"{select} WHERE r.id IN ({', '.join(['%s'] * len(chunk))})", chunk)
                rows.extend(cur.fetchall())
            rows.sort(key=lambda row: row[0])
    return [features(dict(zip(names, row, strict=True))) for row in rows]


def _fingerprints() -> tuple[list[int], list[str], dict[int, str]]:
    """Every record's id and fingerprint, in id order; and its row hash by id."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT r.id, r.row_hash, s.code, s.authority_id {_from()} ORDER BY r.id")
        rows = cur.fetchall()
    ids = [r[0] for r in rows]
    prints = [f"{row_hash}|{code}|{authority}" for _, row_hash, code, authority in rows]
    return ids, prints, {r[0]: r[1] for r in rows}


def store_path() -> Path:
    """This database's store: one file per database, named by a digest of where it is."""
    db = connection.settings_dict
    where = f"{connection.vendor}|{db.get('HOST')}|{db.get('PORT')}|{db['NAME']}"
    digest = hashlib.sha256(where.encode()).hexdigest()[:16]
    return Path(settings.LINKAGE_STORE_DIR) / f"features-{digest}.parquet"


def _version() -> str:
    return f"{FEATURES_VERSION}-{names_version()}"


def _kept(path: Path) -> pa.Table | None:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        if path.exists():
            log.warning("The kept record features could not be read (%s); working them out", error)
        return None
    meta = table.schema.metadata or {}
    if meta.get(b"version") != _version().encode() or not table.schema.remove_metadata().equals(
        SCHEMA.append(pa.field("fingerprint", pa.string()))
    ):
        return None
    return table


def read_features(path: Path | None = None) -> tuple[pa.Table, int, dict[int, str]]:
    """Every person record's features as an Arrow table (SCHEMA, in id order), from the
    store where the record has not changed; how many were worked out afresh; and each
    record's row hash. The store is brought up to date."""
    path = path or store_path()
    ids, prints, row_hashes = _fingerprints()
    current = pa.table(
        {"unique_id": pa.array(ids, pa.int64()), "fingerprint": pa.array(prints, pa.string())}
    )
    kept = _kept(path)
    if kept is not None:
        # (Joined on the two key columns alone: Arrow's join carries no list columns.)
        same = kept.select(["unique_id", "fingerprint"]).join(
            current, keys=["unique_id", "fingerprint"], join_type="inner"
        )["unique_id"]
        still = kept.filter(pc.is_in(kept["unique_id"], value_set=same))
        stale = current.filter(pc.invert(pc.is_in(current["unique_id"], value_set=same)))
    else:
        still, stale = None, current
    fresh_ids = stale["unique_id"].to_pylist()
    if len(fresh_ids) > _MOST:
        wanted = set(fresh_ids)
        fresh = [f for f in load_features() if f["unique_id"] in wanted]
    else:
        fresh = load_features(fresh_ids)
    fingerprint_of = dict(zip(fresh_ids, stale["fingerprint"].to_pylist(), strict=True))
    made = pa.Table.from_pylist(fresh, schema=SCHEMA).append_column(
        "fingerprint",
        pa.array([fingerprint_of[f["unique_id"]] for f in fresh], pa.string()),
    )
    parts = [made] if still is None else [still.select(made.column_names), made]
    table = pa.concat_tables(parts).sort_by("unique_id")
    _keep(table, path)
    return table.drop_columns(["fingerprint"]), len(fresh), row_hashes


def _keep(table: pa.Table, path: Path) -> None:
    """Write the store whole, readable by this service account only, then put it in
    place: a reader never sees half of it."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            pq.write_table(table.replace_schema_metadata({"version": _version()}), f)
        partial.replace(path)
    except OSError as error:
        log.warning("The record features could not be kept for the next run (%s)", error)


def forget_features() -> None:
    """Delete this database's store (after a retention run removed records): the next
    link run works every record out again."""
    store_path().unlink(missing_ok=True)
