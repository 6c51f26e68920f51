"""A real `familyview ingest` process killed with SIGKILL part-way leaves no partial extract."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from familyview.access.models import Authority
from familyview.sources.ingest import ingest, mark_interrupted
from familyview.sources.models import ExtractImport, PersonRecord, Source

from .extracts import PEOPLE_COLUMNS, write_csv, write_extract

PEOPLE = 60_000


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def big_extract(folder: Path) -> Path:
    write_extract(folder)
    write_csv(
        folder / "people.csv",
        PEOPLE_COLUMNS,
        [
            {
                "source_id": f"P{i}",
                "given_name": f"Given{i}",
                "family_name": f"Family{i % 97}",
                "postcode": "SK1 3XE",
            }
            for i in range(PEOPLE)
        ],
    )
    return folder


def in_write_transaction(db_url: str) -> bool:
    """Whether another connection holds a transaction that has written something."""
    if connection.vendor == "sqlite":
        probe = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        )
        return cur.fetchone()[0] > 0


def writing_rows(db_url: str) -> bool:
    """Whether the import is part-way through writing the extract's rows.

    PostgreSQL: its connection is running the COPY or an INSERT of the rows. SQLite: it
    holds the write lock and its uncommitted pages have spilled into the write-ahead log.
    """
    if connection.vendor == "sqlite":
        wal = Path(db_url.removeprefix("sqlite:///") + "-wal")
        return in_write_transaction(db_url) and wal.exists() and wal.stat().st_size > 1_000_000
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'active' AND backend_xid IS NOT NULL "
            "AND (query ILIKE 'COPY sources_personrecord%%' OR query ILIKE 'INSERT%%')"
        )
        return cur.fetchone()[0] > 0


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sigkill_part_way_leaves_no_partial_extract_and_the_rerun_completes(tmp_path):
    authority = Authority.objects.create(code="stockport", name="Stockport")
    Source.objects.create(
        authority=authority, code="BIG", name="Big source", service_category="housing"
    )
    folder = big_extract(tmp_path / "big")
    (folder / "extract.json").write_text(
        (folder / "extract.json").read_text().replace('"CSC"', '"BIG"')
    )
    db_url = database_url()
    env = {**os.environ, "DATABASE_URL": db_url}
    log = tmp_path / "ingest.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "familyview.cli",
                "ingest",
                "--quiet",
                "--source",
                "BIG",
                folder,
            ],
            env=env,
            stdout=out,
            stderr=out,
        )

    def still_running(condition):
        def check() -> bool:
            if process.poll() is not None:
                pytest.fail(f"the import ended before it could be killed: {log.read_text()}")
            return condition()

        return check

    try:
        wait_for(
            still_running(lambda: ExtractImport.objects.filter(status="running").exists()),
            60,
            "the import",
        )
        # The history row is written first, on its own; then the extract's one
        # transaction. Kill the process while it writes the rows.
        wait_for(still_running(lambda: writing_rows(db_url)), 60, "the rows being written")
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL, log.read_text()
    # The database server rolls the dead client's transaction back.
    wait_for(lambda: not in_write_transaction(db_url), 60, "the rollback")

    assert not PersonRecord.objects.exists()
    assert ExtractImport.objects.get().status == "running"
    assert mark_interrupted() == 1
    interrupted = ExtractImport.objects.get()
    assert interrupted.status == "interrupted"
    assert "nothing of it was loaded" in interrupted.message

    rerun = ingest("BIG", [folder], "tester").extract_import
    assert rerun.status == "loaded", rerun.message
    assert rerun.people_accepted == PEOPLE
    assert PersonRecord.objects.count() == PEOPLE
