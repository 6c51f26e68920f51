"""Linkage quality on a synthetic authority with its ground truth.

    make eval-linkage                                  # the demo size (2,000 residents)
    python benchmarks/eval_linkage.py --people 200000  # a county-sized slice

Synthesises an authority into a fresh database, imports every source, links, and prints
pairwise precision, recall and F1, cluster-level figures, and every false merge of related
people, as `familyview evaluate_linkage` reports them.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def familyview(*args: str, env: dict, quiet: bool = False) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "familyview.cli", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="default: a new SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="familyview-eval-") as tmp:
        out = Path(tmp) / "authority"
        env = {
            **os.environ,
            "DATABASE_URL": args.database_url or f"sqlite:///{Path(tmp) / 'eval.sqlite3'}",
        }
        started = time.perf_counter()
        familyview("migrate", "--verbosity", "0", env=env)
        familyview(
            "synth",
            "--quiet",
            "--people",
            str(args.people),
            "--seed",
            str(args.seed),
            "--out",
            str(out),
            env=env,
            quiet=True,
        )
        familyview("sources", "load", str(out / "sources.toml"), env=env, quiet=True)
        for folder in sorted(p for p in out.iterdir() if p.is_dir() and p.name != "truth"):
            familyview(
                "ingest", "--quiet", "--source", folder.name, str(folder), env=env, quiet=True
            )
        print(f"Set up {args.people:,} residents in {time.perf_counter() - started:.1f}s")
        familyview("link", env=env)
        familyview("evaluate_linkage", str(out / "truth"), env=env)


if __name__ == "__main__":
    main()
