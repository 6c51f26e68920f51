"""Benchmark: verify an audit log of 1,000,000 events on PostgreSQL. Prints figures; it
asserts nothing.

    python benchmarks/bench_audit.py --pg-url postgres://postgres@127.0.0.1:5432/test
    python benchmarks/bench_audit.py --events 100000 --checkpoint-every 1000 --keep

Makes a new database, migrates it, writes the events in bulk (COPY) as a real chain with
a signed checkpoint every `--checkpoint-every` events (100 by default, as Family View
does), then times the real `familyview audit verify` (the chain, the person index, the
checkpoints) in its own process and reads its peak memory (maximum resident set size).
Also times `record_event` itself, one event per transaction, as pages write them, with a
checkpoint signed every `--checkpoint-every` events: what a smaller tampering window costs.
"""

import argparse
import base64
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common

LEVELS = ("search", "results", "summary", "service_detail")


def events(count: int, seed: int):
    """A working day's mix of audit events, repeated: searches, results, summaries, details."""
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC)
    for i in range(count):
        level = LEVELS[i % 4]
        user = rng.randrange(1, 400)
        subjects = [
            f"P{rng.getrandbits(60):015X}" for _ in range({"search": 0, "results": 5}.get(level, 2))
        ]
        details = (
            {"criteria": {"postcode_district": f"SK{rng.randrange(1, 17)}", "year": 2015}}
            if level == "search"
            else {"shown": len(subjects), "page": "family" if level == "summary" else "search"}
        )
        yield {
            "occurred_at": start + dt.timedelta(milliseconds=500 * i),
            "user_id": user,
            "username": f"user{user:04d}",
            "role": "practitioner",
            "authority_id": 1,
            "team": f"Team {user % 12}",
            "action": "search" if level in ("search", "results") else "view_family",
            "level": level,
            "subjects": subjects,
            "purpose": "" if level in ("search", "results") else "section_17_assessment",
            "case_reference": ""
            if level in ("search", "results")
            else f"CR-{rng.randrange(99999)}",
            "details": details,
            "outcome": "allowed",
        }


def write_log(url: str, count: int, every: int) -> float:
    """Write `count` chained events and their checkpoints with COPY; seconds taken."""
    from familyview.audit import chain, checkpoints

    key = checkpoints.signing_key()
    key_id = checkpoints.key_id_of(key.public_key())
    started = time.perf_counter()
    previous = chain.GENESIS_HASH
    event_columns = (*chain.HASHED_FIELDS, "hash")
    journal_path = checkpoints.journal_file()
    journal_path.parent.mkdir(parents=True, exist_ok=True)
    journal = journal_path.open("a", encoding="utf-8")
    with (
        psycopg.connect(url) as conn,
        conn.cursor() as cur,
    ):
        signed_rows = []
        with cur.copy(f"COPY audit_event ({', '.join(event_columns)}) FROM STDIN") as copy:
            subject_rows = []
            for sequence, fields in enumerate(events(count, seed=2026), start=1):
                fields["sequence"] = sequence
                fields["previous_hash"] = previous
                previous = chain.event_hash(fields)
                copy.write_row(
                    [
                        chain.canonical_json(fields[c])
                        if c in ("subjects", "details")
                        else fields[c]
                        for c in chain.HASHED_FIELDS
                    ]
                    + [previous]
                )
                subject_rows.extend((sequence, p) for p in fields["subjects"])
                if sequence % every == 0:
                    signed_at = fields["occurred_at"]
                    signed_text = chain.format_time(signed_at)
                    signature = base64.b64encode(
                        key.sign(checkpoints._message(sequence, previous, signed_text, key_id))
                    ).decode("ascii")
                    signed_rows.append((sequence, previous, signed_at, key_id, signature))
                    journal.write(
                        checkpoints.SignedCheckpoint(
                            sequence, previous, signed_text, key_id, signature
                        ).as_line()
                    )
        with cur.copy("COPY audit_event_subject (sequence, person_id) FROM STDIN") as copy:
            for row in subject_rows:
                copy.write_row(row)
        with cur.copy(
            "COPY audit_checkpoint (sequence, event_hash, signed_at, key_id, signature) FROM STDIN"
        ) as copy:
            for row in signed_rows:
                copy.write_row(row)
        cur.execute("ANALYZE audit_event")
    journal.close()
    return time.perf_counter() - started


def time_record_event(count: int) -> float:
    """Seconds to append `count` events through record_event, each its own transaction."""
    from familyview.audit.events import record_event

    started = time.perf_counter()
    for i in range(count):
        record_event(None, "sign_in_refused", details={"username": f"bench{i}"})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    name = f"bench_audit_{os.getpid()}"
    url = bench_common.create_database(args.pg_url, name)
    folder = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FAMILYVIEW_AUDIT_KEY_FILE": str(folder / "checkpoint-key.pem"),
        "FAMILYVIEW_AUDIT_CHECKPOINT_EVERY": str(args.checkpoint_every),
        "DJANGO_SETTINGS_MODULE": "familyview.settings",
    }
    os.environ.update(env)
    try:
        bench_common.familyview(["migrate", "--verbosity", "0"], env)
        import django

        django.setup()
        print(f"Writing {args.events:,} audit events (COPY) ...", flush=True)
        wrote = write_log(url, args.events, args.checkpoint_every)
        print(f"  written in {wrote:.1f} s ({args.events / wrote:,.0f} events/s)")

        print("Verifying with `familyview audit verify` ...", flush=True)
        # Exits with verify's report if it found problems.
        verified = bench_common.familyview(["audit", "verify"], env)
        print(f"  {verified.stdout.strip()}")
        walk = float(verified.stdout.rsplit(" checked in ", 1)[1].split(" s")[0])
        print(
            f"  events: {args.events:,}; seconds: {walk:.1f} verifying "
            f"({verified.seconds:.1f} with the process starting); "
            f"events/s: {args.events / walk:,.0f}; peak memory: {verified.peak_mb:,.0f} MB "
            "(the process's resident high-water mark)"
        )

        print(f"Appending {args.appends:,} events with record_event ...", flush=True)
        appended = time_record_event(args.appends)
        print(
            f"  {args.appends / appended:,.0f} events/s "
            f"({1000 * appended / args.appends:.2f} ms each, one transaction per event, "
            f"a checkpoint every {args.checkpoint_every:,})"
        )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            bench_common.drop_database(args.pg_url, name)
        else:
            print(f"Kept database {url}; keys in {folder}")


if __name__ == "__main__":
    main()
