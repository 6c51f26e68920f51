"""Benchmark: the server's CPU per request, in process, for a search (POST and the results
page) and a family view, on an index `bench_web.py --keep` built. Prints the CPU time this
process spent per request (the Django stack, the search, the page, the audit write; not
PostgreSQL's) and, with --profile, where it went (cProfile, cumulative). A benchmark prints
figures; it asserts nothing.

    python benchmarks/bench_web.py --people 50000 --keep --database fv_bench   # once
    python benchmarks/request_cost.py --database fv_bench --requests 300
    python benchmarks/request_cost.py --database fv_bench --requests 100 --profile

The requests go through Django's test client (no network, no gunicorn), signed in as the
first bench account of `bench_web.py`'s plan, as a real session: every middleware, the
session in the database, CSRF checks off as the test client has them. Searches use the
plan's names (one typo and the birth year); each family view is of the child just searched,
after its purpose is given (not timed). Two of each run first, untimed, to fill the
process's caches as a warm server's are.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--database", default="familyview_bench_web")
    parser.add_argument("--requests", type=int, default=300, help="searches and family views")
    parser.add_argument("--profile", action="store_true", help="also print where the CPU went")
    args = parser.parse_args()
    plan_path = ROOT / "var" / "bench" / args.database / "plan.json"
    if not plan_path.exists():
        sys.exit(f"No plan at {plan_path}: run bench_web.py --keep --database {args.database}")
    os.environ["DATABASE_URL"] = bench_common.database_url(args.pg_url, args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "familyview.settings")
    os.environ.setdefault("FAMILYVIEW_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host and CSRF handling
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    children = plan["children"][: args.requests + 2]
    client = Client()
    client.force_login(get_user_model().objects.get(username=plan["users"][0]["username"]))

    def search(child) -> None:
        posted = client.post(
            "/search", {"name": child["name"], "date_of_birth-year": child["year"]}
        )
        page = client.get(posted["Location"])
        if page.status_code != 200:
            sys.exit(f"search: HTTP {page.status_code}")

    def give_purpose(child) -> None:
        client.post(
            f"/people/{child['person_id']}/purpose",
            {"purpose": "mash_triage", "case_reference": "BENCH-2"},
        )

    def family(child) -> None:
        page = client.get(f"/people/{child['person_id']}/family")
        if page.status_code != 200:
            sys.exit(f"family view: HTTP {page.status_code}")

    for child in children[:2]:
        search(child)
        give_purpose(child)
        family(child)
    timed = children[2:]
    cpu = {"search": [], "family view": []}
    profiles = {name: cProfile.Profile(time.process_time) for name in cpu}
    for child in timed:
        for name, work in (("search", search), ("family view", family)):
            if name == "family view":
                give_purpose(child)
            if args.profile:
                profiles[name].enable()
            started = time.process_time()
            work(child)
            cpu[name].append(time.process_time() - started)
            if args.profile:
                profiles[name].disable()
    print(
        f"In-process CPU per request, {len(timed)} of each, {args.database}"
        + (" (under cProfile: slower)" if args.profile else "")
    )
    for name, seconds in cpu.items():
        ms = sorted(s * 1000 for s in seconds)
        print(
            f"  {name:12} mean {statistics.mean(ms):6.2f} ms  p50 {statistics.median(ms):6.2f} ms"
            f"  p95 {ms[int(len(ms) * 0.95)]:6.2f} ms"
        )
    if args.profile:
        for name, profile in profiles.items():
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
            print(f"\n{name}:\n{out.getvalue()}")


if __name__ == "__main__":
    main()
