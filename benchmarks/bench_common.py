"""What the benchmarks share: a PostgreSQL database of their own, `familyview` commands run
as subprocesses with their wall time and their own peak memory, and a synthetic authority
built stage by stage (synthesise, ingest every source, link, which builds the families).

Peak memory is each command's own VmHWM (its resident set's high-water mark), which the
command prints as it ends; `ru_maxrss` would include this parent's, as Linux keeps it
across exec. PostgreSQL's own processes are not counted.
"""

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

# Each synthetic resident gives about 1.9 person records across the 16 sources:
# 526,000 residents give ~1,000,000 person records.
RECORDS_PER_PERSON = 1_000_000 / 526_000

# `familyview ARGS` in a process that reports its own peak memory as it ends.
MEASURED = """
import sys
from familyview.cli import main
sys.argv = ["familyview", *sys.argv[1:]]
try:
    main()
finally:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print(f"peak_kb={peak}", file=sys.stderr)
"""


def people_for(records: int) -> int:
    """Synthetic residents that give about this many person records."""
    return max(100, round(records / RECORDS_PER_PERSON))


def database_url(base: str, name: str) -> str:
    """The URL of database `name` on the server of `base`."""
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def database_exists(base: str, name: str) -> bool:
    with psycopg.connect(base, autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def create_database(base: str, name: str) -> str:
    """A new, empty database `name` (dropped first if it exists); its URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        sys.exit(f"Not a database name this benchmark makes: {name!r}")
    drop_database(base, name)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return database_url(base, name)


def drop_database(base: str, name: str) -> None:
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Measured:
    """One command's wall seconds, its own peak memory, and what it printed."""

    seconds: float
    peak_mb: float
    stdout: str
    stderr: str


def familyview(args: list[str], env: dict) -> Measured:
    """Run `familyview ARGS` to the end; exits with its output if it fails."""
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", MEASURED, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode:
        sys.exit(f"familyview {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    found = re.search(r"peak_kb=(\d+)", result.stderr)
    peak_mb = int(found.group(1)) / 1024 if found else 0.0
    return Measured(seconds, peak_mb, result.stdout, result.stderr)


@dataclass
class Stage:
    """A stage of building the index: seconds, peak memory of its process(es), and a note."""

    name: str
    seconds: float
    peak_mb: float
    note: str = ""


@dataclass
class Build:
    """A synthetic authority built into one database, stage by stage."""

    people: int
    records: int = 0
    persons: int = 0
    stages: list[Stage] = field(default_factory=list)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Build":
        data = json.loads(path.read_text(encoding="utf-8"))
        data["stages"] = [Stage(**s) for s in data["stages"]]
        return cls(**data)


def _split_link(stderr: str, total: float) -> tuple[float, float]:
    """Seconds linking and seconds building families, from `familyview link`'s progress
    lines (`[  12.3s] Mapping the sources' relationships onto persons` starts the families)."""
    found = re.search(r"\[\s*([\d.]+)s\] Mapping the sources' relationships", stderr)
    if not found:
        return total, 0.0
    families_from = float(found.group(1))
    last = [float(s) for s in re.findall(r"\[\s*([\d.]+)s\]", stderr)]
    # The command's own start-up (Django, imports) is counted with linking.
    start_up = max(0.0, total - (last[-1] if last else total))
    return families_from + start_up, total - families_from - start_up


def build_authority(url: str, people: int, seed: int, folder: Path, say=print) -> Build:
    """Migrate the database at `url`, synthesise `people` residents into `folder`, register
    and import every source, then link (which builds the families), timing each stage."""
    env = {**os.environ, "DATABASE_URL": url}
    build = Build(people=people)
    familyview(["migrate", "--verbosity", "0"], env)

    m = familyview(
        ["synth", "--quiet", "--people", str(people), "--seed", str(seed), "--out", str(folder)],
        env,
    )
    build.stages.append(Stage("synthesise", m.seconds, m.peak_mb))
    say(f"  synthesise {people:,} residents: {m.seconds:.1f}s, peak {m.peak_mb:,.0f} MB")

    familyview(["sources", "load", str(folder / "sources.toml")], env)
    seconds, peak = 0.0, 0.0
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != "truth"):
        m = familyview(["ingest", "--quiet", "--by", "bench", "--source", sub.name, str(sub)], env)
        seconds += m.seconds
        peak = max(peak, m.peak_mb)
    build.records = count(url, "SELECT count(*) FROM sources_personrecord")
    rows = build.records + count(url, "SELECT count(*) FROM involvements_involvement")
    build.stages.append(
        Stage("ingest", seconds, peak, f"{build.records:,} person records, {rows:,} rows")
    )
    say(f"  ingest {build.records:,} person records: {seconds:.1f}s, peak {peak:,.0f} MB")

    m = familyview(["link"], env)
    linking, families = _split_link(m.stderr, m.seconds)
    build.persons = count(url, "SELECT count(*) FROM identity_person")
    build.stages.append(Stage("link", linking, m.peak_mb, f"{build.persons:,} persons"))
    links = count(url, "SELECT count(*) FROM families_familylink")
    build.stages.append(
        Stage("family build", families, m.peak_mb, f"{links:,} family links (within link)")
    )
    say(
        f"  link {build.records:,} records into {build.persons:,} persons: {linking:.1f}s; "
        f"family build {families:.1f}s ({links:,} links); peak {m.peak_mb:,.0f} MB"
    )
    seconds = analyze(url)
    build.stages.append(Stage("planner statistics", seconds, 0.0, "ANALYZE, as autovacuum would"))
    say(f"  planner statistics (ANALYZE): {seconds:.1f}s")
    return build


def analyze(url: str) -> float:
    """Refresh PostgreSQL's planner statistics, as autovacuum would soon after a load this
    size. Without them (autovacuum off, or not yet round) the planner takes the freshly
    loaded tables for nearly empty and a search takes seconds instead of milliseconds."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    return time.perf_counter() - started


def count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]
