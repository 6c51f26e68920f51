"""Verifying the audit log: walk the chain and the signed checkpoints, say what is wrong.

The walk reads events in sequence order in chunks (bounded memory for any log size) and
checks, for each event:

- its hash against its own fields (an *edited* event fails this);
- that it links to the event before it (previous_hash), and that the event stored before
  it is the one it links to;
- its sequence number follows the one before (a gap is a *deleted* event).

A break in the links is classified by looking a few thousand events either side: an event
nothing links to is *inserted* (or, if the next event links to something missing, an event
*edited and re-hashed*); an event that links to one stored after it is *reordered*. Then the signed
checkpoints: each must carry a good signature from a key in the keyring, match the event
it names (someone who re-hashes the whole chain cannot re-sign it: *rewritten*), and
exist (events cut off after the last checkpoint's event: *truncated*). Checkpoints in
the journal file but not in the database were *removed*. Events a checkpoint found without
Family View's seal were *inserted* by someone else.

Beside the chain: the person index (`audit_event_subject`, which the privacy officer's
audit by person and subject access read) against each event's hashed subjects, a chunk at
a time (*index*: subject_index.py); and, where a witness is kept (witness.py), the log
against the witness's copy of every event it saw commit, which finds tampering after the
last checkpoint at once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection

from familyview.audit import chain, database_files, subject_index, witness
from familyview.audit.checkpoints import (
    SignedCheckpoint,
    journal_file,
    keyring_file,
    load_keyring,
    read_journal,
)
from familyview.audit.models import AuditCheckpoint, AuditEvent, AuditRetentionFloor
from familyview.audit.pruning import floor_signature_problem

CHUNK_SIZE = 5000
# How far apart (in events) a moved event and its neighbours may be and still be named as
# reordered rather than deleted and inserted. Memory is proportional to it.
WINDOW = 10_000
MAX_FINDINGS_KEPT = 1000


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the log: what kind, at which sequence number, in words."""

    # edited, deleted, inserted, reordered, truncated, rewritten, checkpoint, index, witness
    kind: str
    sequence: int
    message: str

    def __str__(self) -> str:
        return f"{self.kind} at event {self.sequence}: {self.message}"


@dataclass
class VerifyReport:
    events_checked: int = 0
    checkpoints_checked: int = 0
    first_sequence: int | None = None
    last_sequence: int | None = None
    findings: list[Finding] = field(default_factory=list)
    findings_total: int = 0

    @property
    def ok(self) -> bool:
        return self.findings_total == 0

    def add(self, finding: Finding) -> None:
        self.findings_total += 1
        if len(self.findings) < MAX_FINDINGS_KEPT:
            self.findings.append(finding)


@dataclass
class _Row:
    index: int  # position in storage order
    seq: int  # the sequence number stored
    orig: int  # the sequence number its hash covers (seq when unknown)
    hash: str
    previous_hash: str
    content_ok: bool | None  # None: not yet known (waiting for its predecessor)
    fields: dict[str, Any] | None  # kept only while content_ok is None
    before_seq: int | None = None  # the event stored just before it
    before_orig: int | None = None
    referenced: bool = False
    dangling: bool = False  # links to an event not (yet) seen
    explained: bool = False


def _event_query() -> str:
    """The SQL reading a chunk of events, with times already in the chain's spelling and
    JSON as text, so that the walk spends its time hashing, not converting."""
    if connection.vendor == "postgresql":
        when = "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
        subjects, details = "subjects::text", "details::text"
    else:
        # Django keeps SQLite times in UTC and converts them back to naive datetimes.
        when, subjects, details = "occurred_at", "subjects", "details"
    columns = [
        {"occurred_at": when, "subjects": subjects, "details": details}.get(name, name)
        for name in (*chain.HASHED_FIELDS, "hash")
    ]
    return (
        f"SELECT {', '.join(columns)} FROM {AuditEvent._meta.db_table} "  # noqa: S608 - our names
        "WHERE sequence > %s ORDER BY sequence LIMIT %s"
    )


def _sqlite_time(value: dt.datetime) -> str:
    """A time read from SQLite: Django's converter gives a naive datetime, in UTC."""
    return chain.format_time(value.replace(tzinfo=dt.UTC))


def _stored_events(chunk_size: int) -> Iterator[list[dict[str, Any]]]:
    """Every event's hashed fields and hash, in sequence order, a chunk at a time."""
    names = (*chain.HASHED_FIELDS, "hash")
    sql = _event_query()
    sqlite = connection.vendor != "postgresql"
    loads = json.loads
    after = 0
    while True:
        with connection.cursor() as cur:
            cur.execute(sql, [after, chunk_size])
            rows = cur.fetchall()
        if not rows:
            return
        chunk = []
        for values in rows:
            fields = dict(zip(names, values, strict=True))
            fields["subjects"] = loads(fields["subjects"])
            fields["details"] = loads(fields["details"])
            if sqlite:
                fields["occurred_at"] = _sqlite_time(fields["occurred_at"])
            chunk.append(fields)
        yield chunk
        after = rows[-1][0]


def _stored_hashes(chunk_size: int) -> Iterator[tuple[int, str]]:
    """Every event's sequence number and hash, in sequence order."""
    after = 0
    while True:
        rows = list(
            AuditEvent.objects.filter(sequence__gt=after)
            .order_by("sequence")
            .values_list("sequence", "hash")[:chunk_size]
        )
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def _matches(fields: dict[str, Any], sequence: int, stored_hash: str) -> bool:
    return chain.event_hash({**fields, "sequence": sequence}) == stored_hash


class _Walker:
    def __init__(
        self,
        report: VerifyReport,
        checkpoints: dict[int, SignedCheckpoint],
        floor: tuple[int, str] | None = None,
    ):
        self.report = report
        self.checkpoints = checkpoints
        self.matched_checkpoints: set[int] = set()
        self.window: OrderedDict[int, _Row] = OrderedDict()  # index -> row
        self.by_hash: dict[str, _Row] = {}
        self.dangling: dict[str, _Row] = {}  # previous_hash -> row waiting for it
        self.prev: _Row | None = None
        self.offset = 0
        self.index = 0
        if floor is not None:
            # Events up to the floor were removed by retention: the log starts after it,
            # linked to the last removed event's hash, as if that event were still there.
            through, floor_hash = floor
            self.prev = _Row(-1, through, through, floor_hash, "", True, None, referenced=True)
            self.by_hash[floor_hash] = self.prev

    # A row's original number: the one its hash covers.
    def _place(self, fields: dict[str, Any], stored_hash: str, linked: _Row | None) -> int | None:
        seq = fields["sequence"]
        candidates = [seq]
        if linked is not None:
            candidates.append(linked.orig + 1)
        candidates += [seq + self.offset, seq - 1, seq + 1]
        tried: set[int] = set()
        for c in candidates:
            if c in tried or c < 1:
                continue
            tried.add(c)
            if _matches(fields, c, stored_hash):
                return c
        return None

    def add(self, fields: dict[str, Any]) -> None:
        report = self.report
        stored_hash = fields.pop("hash")
        seq = fields["sequence"]
        prev = self.prev
        if report.first_sequence is None:
            report.first_sequence = seq
        if prev is None:
            if seq > 1:
                report.add(
                    Finding(
                        "deleted",
                        1,
                        f"events 1 to {seq - 1} are missing: the log starts at event {seq}",
                    )
                )
        elif seq > prev.seq + 1:
            missing = (
                f"event {prev.seq + 1} is missing"
                if seq == prev.seq + 2
                else f"events {prev.seq + 1} to {seq - 1} are missing"
            )
            report.add(Finding("deleted", prev.seq + 1, missing))

        previous_hash = fields["previous_hash"]
        linked = self.by_hash.get(previous_hash)
        orig = self._place(fields, stored_hash, linked)
        row = _Row(
            self.index,
            seq,
            orig if orig is not None else seq,
            stored_hash,
            previous_hash,
            None if orig is None else True,
            fields if orig is None else None,
            before_seq=prev.seq if prev else None,
            before_orig=prev.orig if prev else None,
        )
        # Renumbering is not reported on its own: it only ever hides a deletion, an
        # insertion or a move, each reported with the numbers the hashes cover.
        if orig is not None:
            self.offset = orig - seq

        # The link back.
        if previous_hash == chain.GENESIS_HASH and prev is None and row.orig == 1:
            pass
        elif linked is not None:
            linked.referenced = True
        else:
            row.dangling = True
            self.dangling.setdefault(previous_hash, row)

        # Does this event complete one stored earlier that links to it?
        waiting = self.dangling.pop(stored_hash, None)
        if waiting is not None:
            row.referenced = True
            waiting.dangling = False
            if (
                waiting.content_ok is None
                and waiting.fields is not None
                and _matches(waiting.fields, row.orig + 1, waiting.hash)
            ):
                waiting.content_ok, waiting.orig = True, row.orig + 1
                waiting.fields = None
            report.add(
                Finding(
                    "reordered",
                    waiting.seq,
                    f"event {waiting.orig} is stored as {waiting.seq}, before event "
                    f"{row.orig} (stored as {row.seq}) which it follows",
                )
            )

        self.window[self.index] = row
        self.by_hash[stored_hash] = row
        self.prev = row
        self.index += 1
        report.events_checked += 1
        report.last_sequence = seq
        while len(self.window) > WINDOW:
            self._expire(self.window.popitem(last=False)[1], successor_known=True)

    def _check_checkpoint(self, row: _Row) -> None:
        signed = self.checkpoints[row.orig]
        self.matched_checkpoints.add(row.orig)
        if signed.event_hash != row.hash:
            self.report.add(
                Finding(
                    "rewritten",
                    row.orig,
                    f"event {row.orig} is not the one signed in the checkpoint of "
                    f"{signed.signed_at}: the log up to it was rewritten",
                )
            )

    def _next_of(self, row: _Row) -> _Row | None:
        return self.window.get(row.index + 1)

    def _expire(self, row: _Row, successor_known: bool) -> None:
        report = self.report
        self.by_hash.pop(row.hash, None)
        if row.content_ok is None:
            row.content_ok = False
        if row.dangling and self.dangling.get(row.previous_hash) is row:
            del self.dangling[row.previous_hash]
        if row.orig in self.checkpoints:
            self._check_checkpoint(row)
        if not row.content_ok and not row.explained:
            report.add(
                Finding(
                    "edited",
                    row.seq,
                    f"event {row.seq} has been changed: its contents no longer match its hash",
                )
            )
        elif row.dangling and not row.explained:
            if row.before_seq is None or row.before_orig is None or row.seq > row.before_seq + 1:
                pass  # reported as a gap in the numbers already
            elif row.orig > row.before_orig + 1:
                first, last = row.before_orig + 1, row.orig - 1
                which = f"event {first} is" if first == last else f"events {first} to {last} are"
                report.add(
                    Finding(
                        "deleted",
                        first,
                        f"{which} missing, and the events after renumbered to hide it",
                    )
                )
            else:
                report.add(
                    Finding(
                        "deleted",
                        row.seq,
                        f"the event before event {row.seq} is missing: it links to an "
                        "event that is not in the log",
                    )
                )
        if not row.referenced and successor_known:
            after = self._next_of(row)
            if after is not None and after.dangling:
                if after.seq > row.seq + 1 or after.orig > row.orig + 1:
                    return  # events in between are missing: reported as deleted
                after.explained = True
                report.add(
                    Finding(
                        "edited",
                        row.seq,
                        f"event {row.seq} has been replaced or changed and re-hashed: "
                        f"event {after.seq} links to a different event {row.orig}",
                    )
                )
            elif after is not None:
                renumbered = (
                    " (and the events after it renumbered)" if after.orig != after.seq else ""
                )
                report.add(
                    Finding(
                        "inserted",
                        row.seq,
                        f"event {row.seq} is not part of the chain: no event links to it"
                        + renumbered,
                    )
                )

    def finish(self) -> None:
        rows = list(self.window.values())
        for row in rows:
            # The newest event has no successor yet; every other must be linked to.
            self._expire(row, successor_known=row is not rows[-1])
            self.window.pop(row.index, None)


def _load_floor(report: VerifyReport, keyring: dict) -> tuple[int, str] | None:
    """The newest trustworthy retention floor (events up to it removed by retention)."""
    trusted = None
    for floor in AuditRetentionFloor.objects.order_by("through_sequence"):
        problem = floor_signature_problem(floor, keyring)
        if problem:
            report.add(
                Finding(
                    "checkpoint",
                    floor.through_sequence,
                    f"the record that events up to {floor.through_sequence} were removed by "
                    f"retention is not trustworthy: {problem}",
                )
            )
        else:
            trusted = (floor.through_sequence, floor.event_hash)
    return trusted


def _load_checkpoints(
    report: VerifyReport, keyring: dict, journal_path: Path | None, floor: int
) -> dict[int, SignedCheckpoint]:
    """The checkpoints to verify against (database and journal), with problems found.
    Checkpoints at or before the retention floor are history: not checked."""
    stored = {
        c.sequence: SignedCheckpoint.from_row(c)
        for c in AuditCheckpoint.objects.filter(sequence__gt=floor).iterator()
    }
    journal = [
        c
        for c in read_journal(journal_path or journal_file())
        if c.sequence < 0 or c.sequence > floor
    ]
    trusted: dict[int, SignedCheckpoint] = {}
    for sequence, signed in stored.items():
        problem = signed.signature_problem(keyring)
        if problem:
            report.add(
                Finding(
                    "checkpoint",
                    sequence,
                    f"the checkpoint of event {sequence} is not trustworthy: {problem}",
                )
            )
        else:
            trusted[sequence] = signed
    for signed in journal:
        if signed.sequence < 0:
            report.add(Finding("checkpoint", 0, "the checkpoint journal has a damaged line"))
            continue
        problem = signed.signature_problem(keyring)
        if problem:
            report.add(
                Finding(
                    "checkpoint",
                    signed.sequence,
                    f"the journal's checkpoint of "
                    f"event {signed.sequence} is not trustworthy: {problem}",
                )
            )
            continue
        in_db = stored.get(signed.sequence)
        if in_db is None:
            report.add(
                Finding(
                    "checkpoint",
                    signed.sequence,
                    f"the checkpoint of event {signed.sequence} is in the journal but has "
                    "been removed from the database",
                )
            )
        elif in_db != signed:
            report.add(
                Finding(
                    "checkpoint",
                    signed.sequence,
                    f"the checkpoint of event {signed.sequence} in the database differs "
                    "from the journal's",
                )
            )
        trusted.setdefault(signed.sequence, signed)
    report.checkpoints_checked = len(set(stored) | {c.sequence for c in journal})
    return trusted


def _unsealed_findings(report: VerifyReport, checkpoints: dict[int, SignedCheckpoint]) -> None:
    """Events a signed checkpoint found without Family View's seal: appended by someone
    with the database's INSERT right, however right their hash."""
    named: set[int] = set()
    for checkpoint in sorted(checkpoints.values(), key=lambda c: c.sequence):
        for sequence in checkpoint.unsealed:
            if sequence not in named:
                named.add(sequence)
                report.add(
                    Finding(
                        "inserted",
                        sequence,
                        f"event {sequence} was not written by Family View: it carries no "
                        "seal of Family View's (found when the checkpoint of event "
                        f"{checkpoint.sequence} was signed)",
                    )
                )


def _runs(numbers: list[int]) -> Iterator[tuple[int, int]]:
    """Consecutive numbers as (first, last) runs."""
    start = previous = None
    for n in numbers:
        if start is None:
            start = previous = n
        elif n == previous + 1:
            previous = n
        else:
            yield start, previous
            start = previous = n
    if start is not None:
        yield start, previous


def _witness_findings(report: VerifyReport, path: Path, floor: int, chunk_size: int) -> None:
    """The log against the witness's copy of every event it saw commit: what the witness
    saw and the log lacks was deleted; what the log holds from the witness's first event
    on and the witness never saw was not written by Family View; a hash that differs
    was changed and re-hashed."""
    seen = witness.read(path)
    stored = _stored_hashes(chunk_size)
    witnessed = next(seen, None)
    if witnessed is None:
        return
    first_witnessed = witnessed.sequence
    event = next(stored, None)
    missing: list[int] = []
    unseen: list[int] = []
    while witnessed is not None or event is not None:
        if event is not None and (witnessed is None or event[0] < witnessed.sequence):
            if event[0] >= first_witnessed:
                unseen.append(event[0])
            event = next(stored, None)
        elif witnessed is not None and (event is None or witnessed.sequence < event[0]):
            if witnessed.sequence > floor:
                missing.append(witnessed.sequence)
            witnessed = next(seen, None)
        else:
            assert witnessed is not None and event is not None
            if witnessed.hash != event[1]:
                report.add(
                    Finding(
                        "rewritten",
                        event[0],
                        f"event {event[0]} is not the event the witness saw written: it "
                        "has been changed (and re-hashed) since",
                    )
                )
            witnessed, event = next(seen, None), next(stored, None)
    for kind, events, one, many in (
        (
            "deleted",
            missing,
            "was written (the witness saw it) and is not in the log",
            "were written (the witness saw them) and are not in the log",
        ),
        (
            "inserted",
            unseen,
            "was not written by Family View: the witness never saw it",
            "were not written by Family View: the witness never saw them",
        ),
    ):
        for first, last in _runs(events):
            said = f"event {first} {one}" if first == last else f"events {first} to {last} {many}"
            report.add(Finding(kind, first, said))


def _index_findings(report: VerifyReport, after: int, chunk, through: int | None) -> None:
    events = [(fields["sequence"], fields["subjects"]) for fields in chunk]
    for difference in subject_index.differences(after, events, through):
        report.add(Finding("index", difference.sequence, str(difference)))


def verify_log(
    *,
    keyring_path: Path | None = None,
    journal_path: Path | None = None,
    witness_path: Path | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Check the whole audit log, its person index, its checkpoints and (if there is one)
    its witness; the report lists every finding. Refuses (DatabaseFilesError) a journal
    or keyring in a folder of another database's."""
    report = VerifyReport()
    if journal_path is None:
        database_files.check(journal_file().parent)
    if keyring_path is None:
        database_files.check(keyring_file().parent)
    keyring = load_keyring(keyring_path or keyring_file())
    floor = _load_floor(report, keyring)
    checkpoints = _load_checkpoints(report, keyring, journal_path, floor[0] if floor else 0)
    _unsealed_findings(report, checkpoints)
    walker = _Walker(report, checkpoints, floor)
    indexed_up_to = 0
    for chunk in _stored_events(chunk_size):
        _index_findings(report, indexed_up_to, chunk, chunk[-1]["sequence"])
        indexed_up_to = chunk[-1]["sequence"]
        for fields in chunk:
            walker.add(fields)
            if progress is not None and report.events_checked % 100_000 == 0:
                progress(report.events_checked)
    # Index rows after the last event (of events that are not there).
    _index_findings(report, indexed_up_to, [], None)
    walker.finish()
    witness_path = witness_path or witness.witness_file()
    if witness_path is not None:
        if not witness_path.exists():
            report.add(
                Finding("witness", 0, f"the witness {witness_path} is missing: nothing to compare")
            )
        else:
            _witness_findings(report, witness_path, floor[0] if floor else 0, chunk_size)

    last = walker.prev.orig if walker.prev else (floor[0] if floor else 0)
    beyond = [s for s in checkpoints if s > last]
    if beyond:
        report.add(
            Finding(
                "truncated",
                last + 1,
                f"the log ends at event {last} but event {max(beyond)} was signed in a "
                f"checkpoint: events {last + 1} to at least {max(beyond)} were cut off",
            )
        )
    for sequence in sorted(checkpoints):
        if sequence <= last and sequence not in walker.matched_checkpoints:
            report.add(
                Finding(
                    "checkpoint",
                    sequence,
                    f"the event signed in the checkpoint of event {sequence} is missing",
                )
            )
    return report
