"""Person records as the linkage model sees them, and a store that keeps them between runs.

Working out a record's features (plain and canonical names, surname history, postcode key)
costs about 10 microseconds; a million records, 10 to 15 s of every link run. An
incremental run needs them all (new records are scored against every indexed one) while
only a few have changed. So each run keeps every record's features in an Arrow file, with
a fingerprint of what they were worked out from: the record's row hash (a digest of
every column its import wrote; an import that changes a record writes a new one) and its
source's code and authority. The next run works out again only the records that are new
or whose fingerprint differs. A missing, old or unreadable file costs time, never
correctness. The file is one per database, in the database's own folder
($FAMILYVIEW_VAR_DIR/<database name>/linkage/, audit/database_files.py) unless
FAMILYVIEW_LINKAGE_STORE names another; it names the database it belongs to, and a store
of another database is never used.

The store holds identifying details (names, dates of birth, NHS numbers, postcodes): it is
written readable by the service account only, and a retention run that removes records
deletes it, so that removed records do not outlive the run there. Why it stays, rather
than a table in the database or working every record out each run, with figures:
docs/adr/0004-feature-store.md.
"""

import hashlib
import logging
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.feather as feather
from django.conf import settings
from django.db import connection

from familyview.audit import database_files
from familyview.identity.features import features, names_version
from familyview.sources.models import PersonRecord, Source

log = logging.getLogger(__name__)

# Change when features() makes something else of the same record: every kept feature is
# then worked out again.
FEATURES_VERSION = "6"

SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("authority", pa.int64()),
        ("source", pa.string()),
        ("given_name", pa.string()),
        ("given_canonical", pa.string()),
        ("given_forms", pa.list_(pa.string())),
        ("family_name", pa.string()),
        ("surnames", pa.list_(pa.string())),
        ("birth_year", pa.int64()),
        ("birth_month", pa.int64()),
        ("birth_day", pa.int64()),
        ("dob", pa.string()),
        ("sex", pa.string()),
        ("postcode", pa.string()),
        ("postcode_letters", pa.string()),
        ("postcode_sector", pa.string()),
        ("postcode_district", pa.string()),
        ("uprn", pa.string()),
        ("nhs_number", pa.string()),
        ("middle_name", pa.string()),
        ("address", pa.string()),
        ("address_key", pa.string()),
        ("house_number", pa.string()),
        ("street_word", pa.string()),
        ("address_words", pa.list_(pa.string())),
        ("category", pa.string()),
    ]
)
# What features() reads: the record's columns and its source's code, authority and
# service category.
_COLUMNS = (
    ("r.id", "id"),
    ("s.authority_id", "authority_id"),
    ("s.code", "source_code"),
    ("s.service_category", "service_category"),
    ("r.given_name", "given_name"),
    ("r.middle_names", "middle_names"),
    ("r.family_name", "family_name"),
    ("r.previous_names", "previous_names"),
    ("r.birth_year", "birth_year"),
    ("r.birth_month", "birth_month"),
    ("r.birth_day", "birth_day"),
    ("r.sex", "sex"),
    ("r.address_line1", "address_line1"),
    ("r.address_line2", "address_line2"),
    ("r.town", "town"),
    ("r.postcode", "postcode"),
    ("r.uprn", "uprn"),
    ("r.nhs_number", "nhs_number"),
)
_CHUNK = 5000


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


def _current() -> pa.Table:
    """Every record's id, row hash and fingerprint (row hash, source code, authority)."""
    sql = f"SELECT id, row_hash, source_id FROM {PersonRecord._meta.db_table}"  # noqa: S608
    names = ["unique_id", "row_hash", "source_id"]
    types = {"unique_id": pa.int64(), "row_hash": pa.string(), "source_id": pa.int64()}
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # A million rows as one text stream, parsed by Arrow: a third of the time of
            # fetching them as Python tuples.
            with cur.cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
                data = b"".join(bytes(block) for block in copy)
            table = (
                pacsv.read_csv(
                    pa.py_buffer(data),
                    read_options=pacsv.ReadOptions(column_names=names),
                    parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False),
                    convert_options=pacsv.ConvertOptions(column_types=types),
                )
                if data
                else pa.table({n: pa.array([], t) for n, t in types.items()})
            )
        else:
            cur.execute(sql)
            columns = list(zip(*cur.fetchall(), strict=True)) or [(), (), ()]
            table = pa.table(
                {n: pa.array(c, types[n]) for n, c in zip(names, columns, strict=True)}
            )
        cur.execute(
            f"SELECT id, code, authority_id, service_category FROM {Source._meta.db_table}"  # noqa: S608
        )
        sources = cur.fetchall()
    # Each record's source's code, authority and service category, looked up by source id
    # in small arrays.
    size = max((s[0] for s in sources), default=0) + 1
    codes: list[str | None] = [None] * size
    authorities: list[str | None] = [None] * size
    for sid, code, authority, category in sources:
        codes[sid], authorities[sid] = f"{code}|{category}", str(authority)
    table = table.sort_by("unique_id")
    fingerprint = pc.binary_join_element_wise(
        table["row_hash"],
        pc.take(pa.array(codes, pa.string()), table["source_id"]),
        pc.take(pa.array(authorities, pa.string()), table["source_id"]),
        "|",
    )
    return table.select(["unique_id", "row_hash"]).append_column("fingerprint", fingerprint)


def store_path() -> Path:
    """This database's store: in the database's own folder
    (`$FAMILYVIEW_VAR_DIR/<database name>/linkage/`), or, in a folder FAMILYVIEW_LINKAGE_STORE
    names, one file per database named by a digest of where it is."""
    if not settings.LINKAGE_STORE_DIR:
        return database_files.database_folder() / "linkage" / "features.arrow"
    db = connection.settings_dict
    where = f"{connection.vendor}|{db.get('HOST')}|{db.get('PORT')}|{db['NAME']}"
    digest = hashlib.sha256(where.encode()).hexdigest()[:16]
    return Path(settings.LINKAGE_STORE_DIR) / f"features-{digest}.arrow"


def _claim_folder(path: Path) -> None:
    """The database's own folder says whose it is (a folder FAMILYVIEW_LINKAGE_STORE names
    may hold several databases' stores: each file says whose it is instead)."""
    if not settings.LINKAGE_STORE_DIR:
        database_files.claim(path.parent)


def _version() -> str:
    return f"{FEATURES_VERSION}-{names_version()}"


def _kept(path: Path, database_id: str) -> pa.Table | None:
    try:
        # Mapped, not read: only what the run touches is read from disk.
        table = feather.read_table(path, memory_map=True)
    except (OSError, pa.ArrowException) as error:
        if path.exists():
            log.warning("The kept record features could not be read (%s); working them out", error)
        return None
    meta = table.schema.metadata or {}
    if meta.get(b"database_id") != database_id.encode():
        log.warning(
            "The kept record features in %s are not this database's (they name database %s): "
            "working them out again",
            path,
            meta.get(b"database_id", b"none").decode(errors="replace"),
        )
        return None
    if meta.get(b"version") != _version().encode() or not table.schema.remove_metadata().equals(
        SCHEMA.append(pa.field("fingerprint", pa.string()))
    ):
        return None
    return table


class Features(NamedTuple):
    table: pa.Table  # every record's features (SCHEMA), in id order
    worked_out: int  # how many were new or changed
    row_hashes: dict[int, str]  # each record's row hash
    stored: Future  # the store being brought up to date (in the background)


def read_features(path: Path | None = None) -> Features:
    """Every person record's features, from the store where the record has not changed.
    The store is brought up to date in the background: wait for `stored` before the
    process ends."""
    path = path or store_path()
    _claim_folder(path)
    database_id = database_files.database_id()
    read_at = time.time()
    current = _current()
    row_hashes = dict(
        zip(current["unique_id"].to_pylist(), current["row_hash"].to_pylist(), strict=True)
    )
    current = current.select(["unique_id", "fingerprint"])
    kept = _kept(path, database_id)
    if kept is not None:
        # Where each record is in the store, and whether its fingerprint is the same.
        where = pc.index_in(current["unique_id"], value_set=kept["unique_id"])
        same = pc.fill_null(
            pc.equal(pc.take(kept["fingerprint"], where), current["fingerprint"]), False
        )
        still = kept.take(pc.filter(where, same))  # in id order, as current is
        stale = current.filter(pc.invert(same))
    else:
        still, stale = None, current
    fresh_ids = stale["unique_id"].to_pylist()
    fingerprint_of = dict(zip(fresh_ids, stale["fingerprint"].to_pylist(), strict=True))
    if stale.num_rows == current.num_rows:
        # Every record (no store, or nothing in it still true): one statement reads them
        # all; one imported since the ids were read waits for the next run.
        fresh = [f for f in load_features() if f["unique_id"] in fingerprint_of]
    else:
        fresh = load_features(fresh_ids)
    made = pa.Table.from_pylist(fresh, schema=SCHEMA).append_column(
        "fingerprint",
        pa.array([fingerprint_of[f["unique_id"]] for f in fresh], pa.string()),
    )
    parts = [made] if still is None else [still.select(made.column_names), made]
    table = pa.concat_tables(parts)
    # New records usually come after the rest: then the table is in id order already.
    interleaved = (
        still is not None
        and made.num_rows
        and still.num_rows
        and pc.min(made["unique_id"]).as_py() < pc.max(still["unique_id"]).as_py()
    )
    if interleaved:
        table = table.sort_by("unique_id")
    # Arrow writes without the interpreter lock: the run goes on meanwhile.
    pool = ThreadPoolExecutor(max_workers=1)
    stored = pool.submit(_keep, table, path, read_at, database_id)
    pool.shutdown(wait=False)
    return Features(table.drop_columns(["fingerprint"]), len(fresh), row_hashes, stored)


def _keep(table: pa.Table, path: Path, read_at: float, database_id: str) -> None:
    """Write the store whole, readable by this service account only, naming the database
    it belongs to, then put it in place (a reader never sees half of it), unless a
    retention run removed records since these were read: they must not be written back."""
    try:
        _make_folder(path)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            # Arrow's own file format, uncompressed: written and mapped again in a blink.
            feather.write_feather(
                table.replace_schema_metadata({"version": _version(), "database_id": database_id}),
                f,
                compression="uncompressed",
            )
        if _forgotten_since(path, read_at):
            partial.unlink(missing_ok=True)
            return
        partial.replace(path)
    except OSError as error:
        log.warning("The record features could not be kept for the next run (%s)", error)


def _make_folder(path: Path) -> None:
    """The store's folder, readable by this service account only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)


def _marker(path: Path) -> Path:
    return path.with_suffix(".forgotten")


def _forgotten_since(path: Path, moment: float) -> bool:
    try:
        return _marker(path).stat().st_mtime >= moment
    except FileNotFoundError:
        return False


def forget_features() -> None:
    """Delete this database's store, and any half-written one (after a retention run
    removed records): the next link run works every record out again, and a run that
    read them before now does not write them back."""
    path = store_path()
    _make_folder(path)
    marker = _marker(path)
    marker.touch()  # (an existing marker's time is set to now)
    for file in path.parent.glob(f"{path.stem}.*"):
        if file != marker:
            file.unlink(missing_ok=True)
