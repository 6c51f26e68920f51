"""Benchmark: synthesise about 1,000,000 source records and import them into PostgreSQL
and SQLite, printing rows per second. A benchmark prints figures; it asserts nothing.

    make bench-ingest                       # the full run
    python benchmarks/bench_ingest.py --people 20000   # a quick look
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

# About 1.9 person records per synthetic resident: 526,000 residents give ~1,000,000
# person records (with ~0.9M involvements and ~0.45M relationships besides).
DEFAULT_PEOPLE = 526_000


def child(database_url: str, extract_dir: Path) -> None:
    """Import every source of a synthetic authority into one database, timing each."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "familyview.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from familyview.pipeline.imports import ingest
    from familyview.sources.registry import load_sources

    call_command("migrate", verbosity=0)
    sources = load_sources(extract_dir / "sources.toml")
    totals = {"people": 0, "involvements": 0, "relationships": 0, "quarantined": 0}
    started = time.perf_counter()
    for source in sources:
        t0 = time.perf_counter()
        imp = ingest(source.code, [extract_dir / source.code], "benchmark").extract_import
        seconds = time.perf_counter() - t0
        if imp.status != "loaded":
            sys.exit(f"{source.code}: {imp.status}: {imp.message}")
        rows = imp.rows_accepted + imp.rows_quarantined
        print(f"  {source.code:20} {rows:>9,} rows {seconds:7.2f}s {rows / seconds:>9,.0f} rows/s")
        totals["people"] += imp.people_accepted
        totals["involvements"] += imp.involvements_accepted
        totals["relationships"] += imp.relationships_accepted
        totals["quarantined"] += imp.rows_quarantined
    seconds = time.perf_counter() - started
    rows = sum(totals.values())
    print(
        f"  total: {rows:,} rows ({totals['people']:,} person records, "
        f"{totals['involvements']:,} involvements, {totals['relationships']:,} relationships, "
        f"{totals['quarantined']:,} quarantined) in {seconds:.1f}s = {rows / seconds:,.0f} rows/s"
        f" ({totals['people'] / seconds:,.0f} person records/s)"
    )


def run_child(database_url: str, extract_dir: Path) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--child", database_url, str(extract_dir)], check=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--child", nargs=2, metavar=("DATABASE_URL", "EXTRACT_DIR"))
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return

    with tempfile.TemporaryDirectory(prefix="familyview-bench-") as tmp:
        out = Path(tmp) / "authority"
        print(f"Synthesising {args.people:,} residents (seed {args.seed})...")
        t0 = time.perf_counter()
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "familyview.cli",
                "synth",
                "--quiet",
                "--people",
                str(args.people),
                "--seed",
                str(args.seed),
                "--out",
                str(out),
            ],
            check=True,
        )
        print(f"  synthesised in {time.perf_counter() - t0:.1f}s")

        bench_db = "familyview_bench"
        with psycopg.connect(args.pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {bench_db}")
            conn.execute(f"CREATE DATABASE {bench_db}")
        pg_url = args.pg_url.rsplit("/", 1)[0] + f"/{bench_db}"
        print("PostgreSQL:")
        run_child(pg_url, out)
        with psycopg.connect(args.pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {bench_db}")

        if not args.skip_sqlite:
            print("SQLite:")
            run_child(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", out)


if __name__ == "__main__":
    main()
