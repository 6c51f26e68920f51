"""Benchmark: rebuild every family link, and build family networks, on a synthetic
authority's index. Prints seconds and figures; it asserts nothing.

    python benchmarks/bench_families.py --people 2000        # the demo size
    python benchmarks/bench_families.py                      # about 1,000,000 records
    python benchmarks/bench_families.py --database-url URL --no-setup   # an index as it is

Setting up synthesises the authority, imports every source into a new PostgreSQL database
(dropped at the end),
and builds the person index from the synthetic truth (each true person one Person), so
that the figures measure family building, not linkage. Then it times `familyview families
build` (twice: the second is a rebuild over existing links) and `family_network` for a
sample of children, with the queries each took, and compares the links with the truth.
"""

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import psycopg

DEFAULT_PEOPLE = 526_000  # about 1,000,000 person records


def familyview(args: list[str], env: dict) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "familyview.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"familyview {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def set_up(people: int, seed: int, url: str, folder: Path) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    familyview(["migrate", "--verbosity", "0"], env)
    familyview(
        ["synth", "--quiet", "--people", str(people), "--seed", str(seed), "--out", str(folder)],
        env,
    )
    familyview(["sources", "load", str(folder / "sources.toml")], env)
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != "truth"):
        familyview(["ingest", "--quiet", "--by", "bench", "--source", sub.name, str(sub)], env)
    print(f"Set up {people:,} residents in {time.perf_counter() - started:.0f}s")


def index_from_truth(truth: Path) -> None:
    """Each true person one Person, holding their records (no linkage run)."""
    from django.db import connection, transaction

    from familyview.identity.models import LinkedRecord, LinkRun, Person, new_person_id
    from familyview.sources.loading import insert_rows
    from familyview.sources.models import PersonRecord

    with (truth / "records.csv").open(encoding="utf-8") as f:
        true_of = {(r["source"], r["source_id"]): r["person_id"] for r in csv.DictReader(f)}
    records = PersonRecord.objects.values_list("id", "source__code", "source_record_id", "row_hash")
    with transaction.atomic():
        run = LinkRun.objects.create(mode=LinkRun.Mode.FULL)
        pid_of: dict[str, str] = {}
        links = []
        for rid, source, sid, row_hash in records.iterator(chunk_size=50_000):
            truth_id = true_of.get((source, sid), f"{source}:{sid}")
            pid = pid_of.setdefault(truth_id, new_person_id())
            links.append((rid, pid, 1.0, "model", run.pk, row_hash))
        now = run.started_at
        with connection.cursor() as cur:
            insert_rows(
                cur,
                Person._meta.db_table,
                ("id", "created_at", "created_by_run_id"),
                [(pid, now, run.pk) for pid in pid_of.values()],
            )
            insert_rows(
                cur,
                LinkedRecord._meta.db_table,
                (
                    "person_record_id",
                    "person_id",
                    "match_probability",
                    "basis",
                    "linked_by_run_id",
                    "record_hash",
                ),
                links,
            )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # as autovacuum would, soon after a load this size
    print(f"Index from the truth: {len(pid_of):,} persons holding {len(links):,} records")


def time_networks(sample: int) -> None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from familyview.access.models import Authority
    from familyview.families.models import FamilyLink
    from familyview.families.network import Viewer, family_network

    children = list(
        FamilyLink.objects.filter(relationship_type__in=["mother", "father", "parent"])
        .values_list("person_id", flat=True)
        .distinct()[:50_000]
    )
    random.Random(7).shuffle(children)
    children = children[:sample]
    authority = Authority.objects.order_by("pk").first()
    viewer = Viewer(role="practitioner", authority_id=authority.pk)
    seconds, queries, members = [], [], []
    for child in children:
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            net = family_network(child, viewer, today=date.today())
            seconds.append(time.perf_counter() - started)
        queries.append(len(captured.captured_queries))
        members.append(len(net.members))
    if not seconds:
        print("No children with parents to look at")
        return
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, int(len(seconds) * 0.95))]
    print(
        f"family_network for {len(seconds)} children: "
        f"p50 {statistics.median(seconds) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, queries at most {max(queries)}, members up to {max(members)} "
        f"(median {statistics.median(members):.0f})"
    )


def compare_with_truth(truth: Path) -> None:
    from familyview.families.models import FamilyLink
    from familyview.identity.models import LinkedRecord

    with (truth / "records.csv").open(encoding="utf-8") as f:
        true_of = {(r["source"], r["source_id"]): r["person_id"] for r in csv.DictReader(f)}
    with (truth / "people.csv").open(encoding="utf-8") as f:
        household = {r["person_id"]: r["household_id"] for r in csv.DictReader(f)}
    related = set()
    with (truth / "relationships.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            related.add((r["person_id"], r["related_person_id"]))
    votes: dict[str, Counter] = defaultdict(Counter)
    for pid, source, sid in LinkedRecord.objects.values_list(
        "person_id", "person_record__source__code", "person_record__source_record_id"
    ).iterator(chunk_size=50_000):
        if (source, sid) in true_of:
            votes[pid][true_of[(source, sid)]] += 1
    truth_of = {pid: c.most_common(1)[0][0] for pid, c in votes.items()}
    counts: dict[str, Counter] = defaultdict(Counter)
    for a, b, basis in FamilyLink.objects.values_list(
        "person_id", "related_person_id", "basis"
    ).iterator(chunk_size=50_000):
        ta, tb = truth_of.get(a), truth_of.get(b)
        if basis == "household":
            good = ta and tb and household.get(ta) == household.get(tb)
        else:
            good = (ta, tb) in related
        counts[basis]["right" if good else "wrong"] += 1
    for basis, c in sorted(counts.items()):
        total = c["right"] + c["wrong"]
        print(
            f"  {basis:10} links {total:>10,}: {c['right'] / total:.1%} truly related"
            + (" (the same household now)" if basis == "household" else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--pg-url",
        default="postgres://postgres@127.0.0.1:5432/test",
        help="a PostgreSQL server to create the benchmark database on",
    )
    parser.add_argument("--database-url", help="use this database as it is (with --no-setup)")
    parser.add_argument("--no-setup", action="store_true")
    parser.add_argument("--truth", type=Path, help="the authority's truth folder, to compare")
    parser.add_argument("--sample", type=int, default=300, help="children to build networks for")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="familyview-bench-families-") as tmp:
        folder = Path(tmp) / "authority"
        truth = args.truth
        if args.no_setup:
            url = args.database_url or os.environ.get("DATABASE_URL")
            if not url:
                sys.exit("--no-setup needs --database-url")
        else:
            name = f"bench_families_{os.getpid()}"
            with psycopg.connect(args.pg_url, autocommit=True) as con:
                con.execute(f"CREATE DATABASE {name}")
            url = args.pg_url.rsplit("/", 1)[0] + "/" + name
            set_up(args.people, args.seed, url, folder)
            truth = folder / "truth"
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "familyview.settings")
        import django

        django.setup()
        from familyview.families.building import build_families
        from familyview.identity.models import LinkedRecord

        if not args.no_setup:
            index_from_truth(truth)
        print(f"Index: {LinkedRecord.objects.count():,} records")
        for attempt in ("first build", "rebuild"):
            started = time.perf_counter()
            result = build_families()
            print(
                f"familyview families build ({attempt}): {time.perf_counter() - started:.2f}s "
                f"for {result.persons:,} persons: {result.source_links:,} source links, "
                f"{result.derived_links:,} worked-out siblings, {result.household_links:,} "
                f"household links, {result.disputed_links:,} disputed, "
                f"{result.crowded_addresses:,} crowded addresses"
            )
        time_networks(args.sample)
        if truth:
            compare_with_truth(truth)
        if not args.no_setup:
            from django.db import connection

            connection.close()
            with psycopg.connect(args.pg_url, autocommit=True) as con:
                con.execute(f"DROP DATABASE {name}")


if __name__ == "__main__":
    main()
