"""Benchmark report: every stage at several sizes, on PostgreSQL, written to
docs/benchmarks/scale-report.md with a chart (docs/benchmarks/scale-report.svg).

    make bench                                   # 100,000, 300,000 and 1,000,000 records
    make bench SIZES=100000,300000               # some sizes only
    python benchmarks/scale_report.py --report-only   # rewrite the report from the figures

For each size (source person records) it builds a synthetic authority in a database of its
own, `familyview_bench_scale_<size>` (`bench_common.build_authority`: synthesise, ingest
every source, `familyview link`, which builds the families; each stage a process of its
own, whose wall time and own peak memory are kept), then runs `bench_web.py --reuse` on it
for search and family-view latency under concurrent load (gunicorn, 4 workers, 16 clients
in another process). 1,000,000 records reuse `make bench-web`'s kept index
(`familyview_bench_web`) when it is there. The database is dropped afterwards unless
`--keep`.

Figures accumulate in var/bench/scale-results.json (one entry per size, the latest run
wins), so sizes can be measured in separate runs; the report shows them all.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench" / "scale-results.json"
REPORT = ROOT / "docs" / "benchmarks" / "scale-report.md"
CHART = ROOT / "docs" / "benchmarks" / "scale-report.svg"
FINDINGS = ROOT / "docs" / "benchmarks" / "findings.md"
BUILD_STAGES = ("synthesise", "ingest", "link", "family build")
WEB_DATABASE = "familyview_bench_web"


def machine(pg_url: str) -> dict:
    with open("/proc/meminfo") as f:
        mem_kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal:")))
    cpu = platform.processor() or ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with psycopg.connect(pg_url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "postgresql": pg,
        "python": platform.python_version(),
    }


def load_average() -> float:
    return os.getloadavg()[0]


def measure_size(records: int, args) -> dict:
    """Build (or reuse) the index for this size, then time the pages under load."""
    reuse_web = False
    web_build = ROOT / "var" / "bench" / WEB_DATABASE / "build.json"
    if web_build.exists() and bench_common.database_exists(args.pg_url, WEB_DATABASE):
        kept = bench_common.Build.load(web_build)
        reuse_web = abs(kept.records - records) <= records * 0.1
    name = WEB_DATABASE if reuse_web else f"familyview_bench_scale_{records}"
    folder = ROOT / "var" / "bench" / name
    folder.mkdir(parents=True, exist_ok=True)
    loads = [load_average()]
    if reuse_web:
        build = bench_common.Build.load(web_build)
        print(f"{records:,} records: reusing make bench-web's index ({build.records:,} records)")
    else:
        people = bench_common.people_for(records)
        print(f"{records:,} records: building from {people:,} synthetic residents")
        url = bench_common.create_database(args.pg_url, name)
        build = bench_common.build_authority(url, people, args.seed, folder / "authority")
        build.save(folder / "build.json")
    loads.append(load_average())
    web_json = folder / "web.json"
    try:
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                str(ROOT / "benchmarks" / "bench_web.py"),
                "--pg-url",
                args.pg_url,
                "--database",
                name,
                "--reuse",
                "--clients",
                str(args.clients),
                "--requests",
                str(args.requests),
                "--json",
                str(web_json),
            ],
            check=True,
        )
        web = json.loads(web_json.read_text(encoding="utf-8"))
    finally:
        if not (args.keep or reuse_web):
            bench_common.drop_database(args.pg_url, name)
    loads.append(load_average())
    return {
        "size": records,
        "people": build.people,
        "records": build.records,
        "persons": build.persons,
        "stages": [s.__dict__ for s in build.stages],
        "web": web,
        "load_average": loads,
        "reused_bench_web_index": reuse_web,
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# --- the report ---------------------------------------------------------------------------


def fmt_s(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds >= 100 else f"{seconds:.1f} s"


def web_level(entry: dict) -> dict | None:
    levels = entry["web"]["levels"]
    return max(levels, key=lambda f: f["clients"]) if levels else None


def chart(entries: list[dict]) -> str:
    """A hand-made SVG: seconds per build stage against source records (left), and p95
    latency of the pages under load (right)."""
    width, height, pad = 880, 380, 60
    panel = (width - 3 * pad) / 2
    colours = {
        "synthesise": "#1d70b8",
        "ingest": "#00703c",
        "link": "#d4351c",
        "family build": "#6f72af",
        "search": "#f47738",
        "family view": "#0b0c0c",
    }
    xs = [e["records"] for e in entries]
    x_max = max(xs) * 1.05

    def x_at(v: float, left: float) -> float:
        return left + v / x_max * panel

    def y_at(v: float, top: float) -> float:
        return height - pad - v / top * (height - 2 * pad)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="t d" '
        'font-family="Arial, sans-serif" font-size="12">',
        '<title id="t">How each stage grows with the number of source records</title>',
        '<desc id="d">Left: seconds per stage (synthesise, ingest, link, family build) '
        "against source person records. Right: p95 latency in milliseconds of search and "
        "family view at the highest concurrency measured. The same figures are in the "
        "report's tables.</desc>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]

    def panel_svg(left: float, title: str, unit: str, series: dict[str, list[float]]) -> None:
        top = max([v for vals in series.values() for v in vals] + [1]) * 1.1
        out.append(
            f'<text x="{left}" y="{pad - 25}" font-size="14" font-weight="bold">{title}</text>'
        )
        base_y = height - pad
        out.append(
            f'<line x1="{left}" y1="{base_y}" x2="{left + panel}" y2="{base_y}" stroke="#505a5f"/>'
        )
        out.append(f'<line x1="{left}" y1="{pad}" x2="{left}" y2="{base_y}" stroke="#505a5f"/>')
        for i in range(5):
            v = top * i / 4
            y = y_at(v, top)
            out.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{left + panel}" y2="{y:.1f}" '
                'stroke="#dddddd"/>'
            )
            out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:,.0f}</text>')
        out.append(f'<text x="{left - 45}" y="{pad - 8}" fill="#505a5f">{unit}</text>')
        for v in xs:
            x = x_at(v, left)
            out.append(
                f'<text x="{x:.1f}" y="{base_y + 16}" text-anchor="middle">{v / 1000:,.0f}k</text>'
            )
        out.append(
            f'<text x="{left + panel / 2}" y="{base_y + 34}" text-anchor="middle" '
            'fill="#505a5f">source person records</text>'
        )
        for n, (name, vals) in enumerate(series.items()):
            points = " ".join(
                f"{x_at(x, left):.1f},{y_at(v, top):.1f}" for x, v in zip(xs, vals, strict=True)
            )
            colour = colours[name]
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
            )
            for x, v in zip(xs, vals, strict=True):
                out.append(
                    f'<circle cx="{x_at(x, left):.1f}" cy="{y_at(v, top):.1f}" r="3.5" '
                    f'fill="{colour}"/>'
                )
            ly = pad + 4 + n * 18
            out.append(
                f'<rect x="{left + 12}" y="{ly - 9}" width="14" height="4" fill="{colour}"/>'
                f'<text x="{left + 32}" y="{ly - 3}">{name}</text>'
            )

    stage_series = {
        name: [next(s["seconds"] for s in e["stages"] if s["name"] == name) for e in entries]
        for name in BUILD_STAGES
    }
    panel_svg(pad, "Seconds per stage", "seconds", stage_series)
    latency = {
        name: [(web_level(e) or {}).get(name, {}).get("p95", 0) for e in entries]
        for name in ("search", "family view")
    }
    panel_svg(2 * pad + panel, "p95 latency under load", "ms", latency)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def report(data: dict) -> str:
    entries = sorted(data["sizes"].values(), key=lambda e: e["records"])
    m = data["machine"]
    lines = [
        "# How every stage grows with the data",
        "",
        "Written by `make bench` (`benchmarks/scale_report.py`); the figures are in",
        "`var/bench/scale-results.json` on the machine that ran it. Synthetic authorities",
        "(`familyview synth`, about 1.9 source person records per resident), on PostgreSQL.",
        "",
        f"**Machine:** {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB memory, "
        f"PostgreSQL {m['postgresql']} on the same machine, Python {m['python']}. "
        "The machine was **shared**: other work (test runs, other benchmarks, a Spark job) "
        "ran at the same time, so the figures are pessimistic and somewhat noisy; the load "
        "average (1 minute) at the start of each size, after its build and after its page "
        "timings is in the last table.",
        "",
        "![Seconds per stage against source records, and p95 page latency under load]"
        "(scale-report.svg)",
        "",
        "## Stages: wall time and peak memory",
        "",
        "Each stage runs as its own process; peak memory is that process's own high-water",
        "mark (VmHWM; for ingest, the largest of the per-source imports). PostgreSQL's",
        "memory is not included. `familyview link` builds the families at its end: its",
        "time is split at the family build's first progress line, and the two share one",
        "peak.",
        "",
        "| source records | residents | persons | stage | seconds | peak memory | notes |",
        "| ---: | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    for e in entries:
        for s in e["stages"]:
            lines.append(
                f"| {e['records']:,} | {e['people']:,} | {e['persons']:,} | {s['name']} | "
                f"{fmt_s(s['seconds'])} | {s['peak_mb']:,.0f} MB | {s['note']} |"
            )
    lines += [
        "",
        "## Pages under concurrent load",
        "",
        "`benchmarks/bench_web.py`: gunicorn with 4 workers (`familyview.wsgi`,",
        "FAMILYVIEW_ENV=production), clients in another process on loopback, each signed in",
        "as its own practitioner. A *search* is the POST of a name with one typo and a birth",
        "year plus the redirect to its results (two requests, one user action); a *family",
        "view* is GET /people/<id>/family after the purpose was given (not timed). Targets",
        "at 16 clients: search p95 <= 50 ms, family view p95 <= 100 ms, no errors.",
        "",
        "| source records | clients | page | requests | p50 ms | p95 ms | p99 ms | max ms | "
        "per second | errors | server worker peak |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in entries:
        for level in e["web"]["levels"]:
            for name in ("search", "family view"):
                f = level[name]
                if not f:
                    continue
                peak = e["web"].get("server_peak_mb")
                lines.append(
                    f"| {e['records']:,} | {level['clients']} | {name} | {f['requests']} | "
                    f"{f['p50']:.1f} | {f['p95']:.1f} | {f['p99']:.1f} | {f['max']:.1f} | "
                    f"{f['per_second']:.1f} | {f['errors']} | "
                    f"{f'{peak:,.0f} MB' if peak else ''} |"
                )
    lines += ["", "## Which stage dominates", ""]
    for e in entries:
        total = sum(s["seconds"] for s in e["stages"])
        top = max(e["stages"], key=lambda s: s["seconds"])
        lines.append(
            f"- {e['records']:,} records: {fmt_s(total)} to build in all; **{top['name']}** "
            f"takes {top['seconds'] / total:.0%} ({fmt_s(top['seconds'])})."
        )
    if len(entries) >= 2:
        a, b = entries[0], entries[-1]
        ratio = b["records"] / a["records"]
        lines += ["", f"From {a['records']:,} to {b['records']:,} records (x{ratio:.1f}):", ""]
        for name in BUILD_STAGES:
            sa = next(s for s in a["stages"] if s["name"] == name)
            sb = next(s for s in b["stages"] if s["name"] == name)
            if sa["seconds"] > 0:
                lines.append(
                    f"- {name}: x{sb['seconds'] / sa['seconds']:.1f} in time, "
                    f"x{sb['peak_mb'] / max(sa['peak_mb'], 1):.1f} in peak memory"
                )
    lines += [
        "",
        "## Runs",
        "",
        "| source records | measured | load average: start, after build, after pages | index |",
        "| ---: | --- | --- | --- |",
    ]
    for e in entries:
        la = ", ".join(f"{v:.1f}" for v in e["load_average"])
        where = "`make bench-web`'s kept index" if e["reused_bench_web_index"] else "built here"
        lines.append(f"| {e['records']:,} | {e['measured_at']} | {la} | {where} |")
    if data.get("notes"):
        lines += ["", *data["notes"]]
    if FINDINGS.exists():  # what was learnt from the figures, written by hand
        lines += ["", FINDINGS.read_text(encoding="utf-8").rstrip()]
    return "\n".join(lines) + "\n"


def write_report(data: dict) -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    entries = sorted(data["sizes"].values(), key=lambda e: e["records"])
    REPORT.write_text(report(data), encoding="utf-8")
    CHART.write_text(chart(entries), encoding="utf-8")
    print(f"Wrote {REPORT.relative_to(ROOT)} and {CHART.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,300000,1000000", help="source records")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--clients", default="16", help="concurrent clients for the pages")
    parser.add_argument("--requests", type=int, default=20, help="requests per client")
    parser.add_argument("--keep", action="store_true", help="keep each size's database")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    data = (
        json.loads(RESULTS.read_text(encoding="utf-8"))
        if RESULTS.exists()
        else {"sizes": {}, "notes": []}
    )
    if not args.report_only:
        data["machine"] = machine(args.pg_url)
        for size in (int(s) for s in args.sizes.split(",")):
            started = time.perf_counter()
            data["sizes"][str(size)] = measure_size(size, args)
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(data, indent=2), encoding="utf-8")
            print(f"  {size:,} records measured in {time.perf_counter() - started:,.0f}s")
    if not data["sizes"]:
        sys.exit("No figures yet: run without --report-only")
    write_report(data)


if __name__ == "__main__":
    main()
