"""Benchmark: link about 1,000,000 source records from scratch on PostgreSQL, then link
about 10,000 new records incrementally against that index. Prints seconds and peak memory
of each run. A benchmark prints figures; it asserts nothing.

    make bench-link
    python benchmarks/bench_link.py --people 50000     # a quick look
"""

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import create_database, drop_database, familyview

DEFAULT_PEOPLE = 526_000  # about 1,000,000 person records
NEW_PEOPLE = 5_300  # about 10,000 person records


def rename_sources(folder: Path, suffix: str) -> None:
    """Make a second synthetic authority's sources new ones, so its records are new."""
    toml = folder / "sources.toml"
    toml.write_text(re.sub(r'code = "([A-Z_]+)"', rf'code = "\1{suffix}"', toml.read_text()))
    for sub in folder.iterdir():
        if sub.is_dir() and sub.name != "truth":
            meta = sub / "extract.json"
            if meta.exists():
                meta.write_text(meta.read_text().replace(f'"{sub.name}"', f'"{sub.name}{suffix}"'))
            sub.rename(folder / f"{sub.name}{suffix}")


def ingest_all(folder: Path, env: dict) -> None:
    familyview(["sources", "load", str(folder / "sources.toml")], env)
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != "truth"):
        familyview(["ingest", "--quiet", "--source", sub.name, str(sub)], env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark's database (familyview_linkbench)"
    )
    args = parser.parse_args()
    bench_db = "familyview_linkbench"
    env = {**os.environ, "DATABASE_URL": create_database(args.pg_url, bench_db)}
    try:
        with tempfile.TemporaryDirectory(prefix="familyview-bench-link-") as tmp:
            base, extra = Path(tmp) / "base", Path(tmp) / "new"
            t0 = time.perf_counter()
            familyview(["migrate", "--verbosity", "0"], env)
            familyview(
                [
                    "synth",
                    "--quiet",
                    "--people",
                    str(args.people),
                    "--seed",
                    "3",
                    "--out",
                    str(base),
                ],
                env,
            )
            ingest_all(base, env)
            print(f"Set up {args.people:,} residents in {time.perf_counter() - t0:.0f}s")

            linked = familyview(["link"], env)
            print(linked.stdout.strip().splitlines()[-1])
            print(
                f"full link from scratch: {linked.seconds:.1f}s wall, "
                f"peak memory {linked.peak_mb / 1024:.2f} GB"
            )

            familyview(
                [
                    "synth",
                    "--quiet",
                    "--people",
                    str(NEW_PEOPLE),
                    "--seed",
                    "4",
                    "--out",
                    str(extra),
                ],
                env,
            )
            rename_sources(extra, "_NEW")
            ingest_all(extra, env)
            linked = familyview(["link"], env)
            print(linked.stdout.strip().splitlines()[-1])
            print(
                f"incremental link: {linked.seconds:.1f}s wall, "
                f"peak memory {linked.peak_mb / 1024:.2f} GB"
            )
    finally:
        if not args.keep:
            drop_database(args.pg_url, bench_db)


if __name__ == "__main__":
    main()
