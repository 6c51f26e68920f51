"""Benchmark: search and family-view latency over HTTP, against a production server
(gunicorn, `familyview.wsgi`), with the index built from about 1,000,000 source records on
PostgreSQL. Prints p50, p95, p99, max, requests per second and errors at 1, 4 and 16
concurrent clients. A benchmark prints figures; it asserts nothing.

    make bench-web                                          # the full run
    python benchmarks/bench_web.py --people 20000           # a quick look
    python benchmarks/bench_web.py --reuse                  # the index built last time

Setting up builds a synthetic authority into its own database, `familyview_bench_web`
(`bench_common.build_authority`: synthesise, ingest every source, `familyview link`, which
builds the families), under var/bench/<database>/. `--keep` keeps it afterwards and
`--reuse` starts from it. Then, in a Django process of its own, it creates one practitioner
per client (`bench.client01`...) with a password and an authenticator key it knows, and
picks children from the synthetic truth (under 18, not shielded) with the person the
index holds for each.

The server: gunicorn with `--workers` (4) on 127.0.0.1, debug pages off and its own secret
key, static files through WhiteNoise, as in production, but not in production mode: that
refuses to start with cookies that may travel over plain HTTP and sends plain HTTP to
HTTPS, and this runs over plain HTTP on loopback only (docs/deploying.md, docs/sign-in.md).

The clients run in another process (`--load`), one thread each, each signing in through the
real pages as its own member of staff (password, then the TOTP code: one account per
client, one sign-in per account, so neither the per-account lock nor "a code works once"
is met). Not timed: signing in, two warm-up searches and family views per client (a worker
compiles its templates on first use), and giving the purpose (just before each family view:
a session remembers 20 cases). Timed, per client:
  search       POST /search (a name with one typo and the birth year) and the redirect
               to its results, as the browser does: one user action, two requests;
  family view  GET /people/<id>/family.
Requests per second is clients / mean latency (each client waits for each answer).
"""

import argparse
import csv
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PEOPLE = 526_000  # about 1,000,000 person records
PASSWORD = "bench-web-password-2026"  # noqa: S105 - made-up accounts in a throwaway database
SECRET_KEY = "bench-web-only-" + "k" * 40  # the server and the set-up share it (TOTP keys)
TARGETS = {"search": 50.0, "family view": 100.0}


def server_env(url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "FAMILYVIEW_ENV": "local",
        "FAMILYVIEW_DEBUG": "0",
        "FAMILYVIEW_SECRET_KEY": SECRET_KEY,
        "FAMILYVIEW_SECURE_COOKIES": "0",
        "FAMILYVIEW_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "familyview.settings",
    }


# --- set-up, in a Django process -------------------------------------------------------


def typo(name: str, rng: random.Random) -> str:
    """The name with one typing slip: two letters swapped, one doubled, or one dropped."""
    if len(name) < 4:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 2)
    kind = rng.choice(["swap", "double", "drop"])
    if kind == "swap" and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i] + name[i:]


def prepare(folder: Path, clients: int, children_wanted: int) -> None:
    """Bench accounts and the children to look up; written to folder/plan.json."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from familyview.access.factories import create_staff
    from familyview.access.models import Authority, Role
    from familyview.access.second_factor import new_secret
    from familyview.families.models import FamilyLink
    from familyview.identity.models import LinkedRecord

    authority = Authority.objects.get(code="stockport")
    users = []
    get_user_model().objects.filter(username__startswith="bench.client").delete()
    for n in range(1, clients + 1):
        secret = new_secret()
        user = create_staff(
            Role.PRACTITIONER,
            authority,
            username=f"bench.client{n:02}",
            password=PASSWORD,
            first_name="Bench",
            last_name=f"Client {n}",
            totp_secret=secret,
        )
        users.append({"username": user.username, "password": PASSWORD, "secret": secret})

    truth = folder / "authority" / "truth"
    today = date.today()
    with (truth / "people.csv").open(encoding="utf-8") as f:
        young = [
            p
            for p in csv.DictReader(f)
            if p["restricted"] != "true"
            and not p["date_of_death"]
            and (today - date.fromisoformat(p["date_of_birth"])).days < 17 * 365
        ]
    rng = random.Random(2026)
    rng.shuffle(young)
    young = {p["person_id"]: p for p in young[: children_wanted * 3]}
    records: dict[tuple[str, str], str] = {}
    with (truth / "records.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["person_id"] in young:
                records[(r["source"], r["source_id"])] = r["person_id"]
    votes: dict[str, Counter] = {}
    ids = sorted({sid for _, sid in records})
    for chunk in range(0, len(ids), 5000):
        linked = LinkedRecord.objects.filter(
            person_record__source_record_id__in=ids[chunk : chunk + 5000]
        ).values_list("person_id", "person_record__source__code", "person_record__source_record_id")
        for person_id, source, sid in linked:
            if (source, sid) in records:
                votes.setdefault(records[(source, sid)], Counter())[person_id] += 1
    index_of = {t: c.most_common(1)[0][0] for t, c in votes.items()}
    with_family = set(
        FamilyLink.objects.filter(person_id__in=index_of.values())
        .values("person_id")
        .annotate(n=Count("id"))
        .values_list("person_id", flat=True)
    )
    children = []
    for truth_id, person in young.items():
        person_id = index_of.get(truth_id)
        if person_id in with_family:
            children.append(
                {
                    "person_id": person_id,
                    "name": f"{person['given_name']} {typo(person['family_name'], rng)}",
                    "year": person["date_of_birth"][:4],
                }
            )
        if len(children) == children_wanted:
            break
    (folder / "plan.json").write_text(
        json.dumps({"users": users, "children": children}), encoding="utf-8"
    )
    print(f"  {len(users)} bench accounts, {len(children)} children with families")


# --- the clients, in another process ------------------------------------------------------

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(base: str, user: dict):
    """A requests session signed in through the pages: password, then the TOTP code."""
    import pyotp
    import requests

    s = requests.Session()
    page = s.get(f"{base}/sign-in", timeout=60)
    posted = s.post(
        f"{base}/sign-in",
        {
            "csrfmiddlewaretoken": TOKEN.search(page.text).group(1),
            "username": user["username"],
            "password": user["password"],
        },
    )
    code = pyotp.TOTP(user["secret"]).now()
    done = s.post(
        posted.url,
        {"csrfmiddlewaretoken": TOKEN.search(posted.text).group(1), "code": code},
    )
    if "/sign-in" in done.url:
        raise RuntimeError(f"{user['username']} could not sign in (at {done.url})")
    s.token = TOKEN.search(s.get(f"{base}/search").text).group(1)
    return s


def client_work(base, user, children, phases, results, errors):
    """One client: sign in, then timed searches, then (purposes given) timed family views.
    Anything unexpected ends every client's wait, so the run ends and says why."""
    try:
        timed_client(base, user, children, phases, results, errors)
    except threading.BrokenBarrierError:
        errors.append(f"{user['username']}: another client failed first")
    except Exception as e:
        errors.append(f"{user['username']}: {type(e).__name__}: {e}")
        for phase in phases:
            phase.abort()


def warm_up(base, s, child) -> None:
    """One untimed search and family view: each gunicorn worker compiles its templates and
    fills its caches on first use, as a server does once after it starts."""
    s.post(
        f"{base}/search",
        {
            "csrfmiddlewaretoken": s.token,
            "name": child["name"],
            "date_of_birth-year": child["year"],
        },
        timeout=120,
    )
    s.post(
        f"{base}/people/{child['person_id']}/purpose",
        {"csrfmiddlewaretoken": s.token, "purpose": "mash_triage", "case_reference": "BENCH-0"},
        timeout=120,
    )
    s.get(f"{base}/people/{child['person_id']}/family", timeout=120)


def timed_client(base, user, children, phases, results, errors):
    s = sign_in(base, user)
    for child in children[-2:]:
        warm_up(base, s, child)
    phases[0].wait(timeout=600)
    for child in children:
        started = time.perf_counter()
        try:
            r = s.post(
                f"{base}/search",
                {
                    "csrfmiddlewaretoken": s.token,
                    "name": child["name"],
                    "date_of_birth-year": child["year"],
                },
                timeout=60,
            )
            ok = r.status_code == 200 and "?results=" in r.url
            found = child["person_id"] in r.text
        except Exception as e:
            ok, found = False, False
            errors.append(f"search: {e}")
        results["search"].append((time.perf_counter() - started, ok, found))
    phases[1].wait(timeout=600)
    for child in children:
        # Not timed: the purpose, given just before (a session remembers 20 cases).
        given = s.post(
            f"{base}/people/{child['person_id']}/purpose",
            {
                "csrfmiddlewaretoken": s.token,
                "purpose": "mash_triage",
                "case_reference": "BENCH-1",
            },
            allow_redirects=False,
            timeout=60,
        )
        if given.status_code != 302:
            errors.append(f"purpose: HTTP {given.status_code}")
        started = time.perf_counter()
        try:
            r = s.get(
                f"{base}/people/{child['person_id']}/family", allow_redirects=False, timeout=60
            )
            ok = r.status_code == 200
        except Exception as e:
            ok = False
            errors.append(f"family view: {e}")
        results["family view"].append((time.perf_counter() - started, ok, True))


def load(plan_path: Path, base: str, clients: int, requests: int, offset: int) -> None:
    """Run `clients` concurrent clients; print their figures as JSON."""
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    users = plan["users"][offset : offset + clients]
    children = plan["children"]
    results = {"search": [], "family view": []}
    errors: list[str] = []
    phases = [threading.Barrier(clients), threading.Barrier(clients)]
    threads = []
    for i, user in enumerate(users):
        start = (offset + i) * requests % max(1, len(children) - requests)
        mine = children[start : start + requests]
        t = threading.Thread(
            target=client_work, args=(base, user, mine, phases, results, errors), daemon=True
        )
        threads.append(t)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {"clients": clients, "errors": errors[:10]}
    for name, rows in results.items():
        if not rows:
            out[name] = None
            continue
        ms = sorted(r[0] * 1000 for r in rows)
        # Requests per second: each client waits for each answer, so the server answers
        # clients / mean latency (Little's law); untimed purposes between views excluded.
        mean_seconds = sum(r[0] for r in rows) / len(rows)
        out[name] = {
            "requests": len(rows),
            "p50": statistics.median(ms),
            "p95": ms[min(len(ms) - 1, int(len(ms) * 0.95))],
            "p99": ms[min(len(ms) - 1, int(len(ms) * 0.99))],
            "max": ms[-1],
            "per_second": clients / mean_seconds,
            "errors": sum(1 for r in rows if not r[1]),
            "found": sum(1 for r in rows if r[2]),
        }
    print(json.dumps(out))


# --- the run --------------------------------------------------------------------------


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    import requests

    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "familyview.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=server_env(url),
        cwd=ROOT,
    )
    try:
        for _ in range(120):
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200:
                    return server
            except requests.RequestException:
                pass
            if server.poll() is not None:
                sys.exit("gunicorn did not start")
            time.sleep(0.5)
        sys.exit("gunicorn did not answer /health")
    except BaseException:
        server.terminate()
        raise


def worker_peak_mb(server: subprocess.Popen) -> float:
    """The largest peak memory (VmHWM) of gunicorn's workers so far."""
    peak = 0
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    for pid in children:
        try:
            with open(f"/proc/{pid}/status") as status:
                kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
            peak = max(peak, int(kb))
        except OSError:
            continue
    return peak / 1024


def run_level(folder: Path, port: int, clients: int, requests: int, offset: int) -> dict:
    out = subprocess.run(  # noqa: S603
        [
            sys.executable,
            __file__,
            "--load",
            str(folder / "plan.json"),
            "--port",
            str(port),
            "--clients",
            str(clients),
            "--requests",
            str(requests),
            "--offset",
            str(offset),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        sys.exit(f"The clients failed:\n{out.stdout}{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def print_level(figures: dict) -> None:
    for name in ("search", "family view"):
        f = figures[name]
        if f is None:
            print(f"  {figures['clients']:>2} clients {name:12} no requests answered")
            continue
        extra = f", found {f['found']}/{f['requests']}" if name == "search" else ""
        print(
            f"  {figures['clients']:>2} clients {name:12} {f['requests']:>4} requests: "
            f"p50 {f['p50']:6.1f} ms  p95 {f['p95']:6.1f} ms  p99 {f['p99']:6.1f} ms  "
            f"max {f['max']:6.1f} ms  {f['per_second']:6.1f} req/s  errors {f['errors']}{extra}"
        )
    for e in figures["errors"]:
        print(f"    error: {e}")


def measure(url: str, folder: Path, args) -> tuple[list[dict], float]:
    """Prepare accounts and children, start gunicorn, run each level of clients; figures."""
    levels = [int(c) for c in args.clients.split(",")]
    env = server_env(url)
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            __file__,
            "--prepare",
            str(folder),
            "--clients",
            str(sum(levels)),
            "--requests",
            str(args.requests),
        ],
        env=env,
        check=True,
    )
    server = start_server(url, args.port, args.workers)
    figures = []
    try:
        offset = 0
        for clients in levels:
            f = run_level(folder, args.port, clients, args.requests, offset)
            offset += clients
            print_level(f)
            figures.append(f)
        peak = worker_peak_mb(server)
        print(f"  largest gunicorn worker's peak memory: {peak:,.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return figures, peak


def verdict(figures: list[dict]) -> None:
    at = next((f for f in figures if f["clients"] == 16), None)
    if not at:
        return
    for name, target in TARGETS.items():
        f = at[name]
        if f is None:
            print(f"  {name}: no figures at 16 clients")
            continue
        met = f["p95"] <= target and f["errors"] == 0
        print(
            f"  {name}: p95 {f['p95']:.1f} ms at 16 clients, target {target:.0f} ms, "
            f"errors {f['errors']}: {'met' if met else 'MISSED'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--database", default="familyview_bench_web")
    parser.add_argument("--reuse", action="store_true", help="start from the kept index")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--clients", default="1,4,16", help="concurrent clients, in turn")
    parser.add_argument("--requests", type=int, default=50, help="requests per client")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8431)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--load", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--offset", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, int(args.clients), args.requests * 25)
        return
    if args.load:
        load(
            args.load,
            f"http://127.0.0.1:{args.port}",
            int(args.clients),
            args.requests,
            args.offset,
        )
        return

    folder = ROOT / "var" / "bench" / args.database
    folder.mkdir(parents=True, exist_ok=True)
    url = bench_common.database_url(args.pg_url, args.database)
    built = folder / "build.json"
    if args.reuse and built.exists() and bench_common.database_exists(args.pg_url, args.database):
        build = bench_common.Build.load(built)
        print(
            f"Reusing {args.database}: {build.records:,} person records, {build.persons:,} persons"
        )
    else:
        built.unlink(missing_ok=True)
        print(f"Building {args.database} from {args.people:,} synthetic residents...")
        bench_common.create_database(args.pg_url, args.database)
        build = bench_common.build_authority(url, args.people, args.seed, folder / "authority")
        build.save(built)
    try:
        print(
            f"Search and family view over HTTP: gunicorn, {args.workers} workers, "
            f"{args.requests} requests per client, {build.records:,} person records"
        )
        figures, peak = measure(url, folder, args)
        verdict(figures)
        if args.json:
            args.json.write_text(
                json.dumps(
                    {"records": build.records, "levels": figures, "server_peak_mb": peak},
                    indent=2,
                ),
                encoding="utf-8",
            )
    finally:
        if not (args.keep or args.reuse):
            bench_common.drop_database(args.pg_url, args.database)


if __name__ == "__main__":
    main()
