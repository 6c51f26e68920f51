"""A witness outside the database: every event's sequence number and hash, sent as it
commits to a place that whoever can change the database (or this server) cannot reach.

Checkpoints seal the log up to their event; what comes after the last one is the
tampering window. A witness closes it: `familyview audit verify` compares the log with
the witness's copy, so an event appended by someone else (with a correct hash), an event
changed and re-hashed, or the newest events deleted are found at once, not at the next
checkpoint. Each witness guards against something else (docs/audit.md):

- a file (FAMILYVIEW_AUDIT_WITNESS_FILE), best on another host's mount that this
  server's administrators cannot rewrite: verify reads it;
- syslog (FAMILYVIEW_AUDIT_WITNESS_SYSLOG: `/dev/log`, or `host:port` for a council's log
  server over UDP): the lines leave the server at once; verify reads an extract of them
  (`--witness FILE`).

Each line is JSON: a first line naming the database the file belongs to, then
`{"sequence": N, "hash": "..."}` per event. Lines are appended after each event's
transaction commits (a rolled-back event never reaches the witness), under a lock, so
that several workers appending at once never mix their lines.
"""

from __future__ import annotations

import fcntl
import heapq
import json
import logging
import logging.handlers
import os
import socket
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import checks

from familyview.audit import database_files

# Lines may arrive out of sequence order (two transactions commit in the other order):
# reading puts them back in order within this many lines.
REORDER_WINDOW = 10_000

_checked_files: dict[str, str] = {}
_syslog: dict[str, logging.Logger] = {}


class WitnessError(RuntimeError):
    """The witness cannot be used as configured (the message says why)."""


@dataclass(frozen=True)
class Witnessed:
    """One event as the witness saw it commit."""

    sequence: int
    hash: str


def witness_file() -> Path | None:
    configured = getattr(settings, "AUDIT_WITNESS_FILE", None)
    return Path(configured) if configured else None


def syslog_address() -> str:
    return str(getattr(settings, "AUDIT_WITNESS_SYSLOG", "") or "")


def configured() -> bool:
    return witness_file() is not None or bool(syslog_address())


def _header() -> str:
    return json.dumps(
        {
            "database_id": database_files.database_id(),
            "database": database_files.database_label(),
        },
        sort_keys=True,
    )


def _check_header(path: Path, first_line: str) -> None:
    """Refuse a witness file that names another database."""
    try:
        named = json.loads(first_line).get("database_id")
    except (ValueError, AttributeError):
        named = None
    mine = database_files.database_id()
    if named != mine:
        raise database_files.DatabaseFilesError(
            f"the audit witness {path} is not this database's (it names database "
            f"{named or 'none'}; this {database_files.database_label()} is {mine}): "
            "give each database a witness file of its own"
        )


def _append_to_file(path: Path, line: str) -> None:
    # Its folder is not made here: a share that is not mounted must fail (an error in the
    # log, and `check --deploy`'s), not leave the witness on this server in its place.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8", errors="replace") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        if str(path) not in _checked_files:
            f.seek(0)
            first = f.readline()
            if first:
                _check_header(path, first)
            else:
                f.write(_header() + "\n")
            _checked_files[str(path)] = first
        f.write(line)
        f.flush()


def _syslog_target(address: str) -> str | tuple[str, int]:
    """A socket's path, or (host, port); ValueError when the address is neither."""
    if address.startswith("/"):
        return address
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(address)
    return host, int(port)


def _syslog_logger(address: str) -> logging.Logger:
    if address not in _syslog:
        target = _syslog_target(address)
        handler = logging.handlers.SysLogHandler(address=target)
        handler.append_nul = False
        handler.setFormatter(logging.Formatter("familyview-audit: %(message)s"))
        logger = logging.Logger(f"familyview.audit.witness.{address}")
        logger.addHandler(handler)
        logger.propagate = False
        _syslog[address] = logger
        logger.info(_header())
    return _syslog[address]


def _file_problem(path: Path) -> str | None:
    if path.exists():
        return None if os.access(path, os.W_OK) else "Family View may not write to it"
    folder = path.parent
    if not folder.is_dir():
        return "its folder is not there (is the share it should be on mounted?)"
    return None if os.access(folder, os.W_OK | os.X_OK) else "Family View may not write there"


def _syslog_problem(address: str) -> str | None:
    try:
        target = _syslog_target(address)
    except ValueError:
        return "it should be /dev/log (a path) or the log server's host:port"
    if isinstance(target, tuple):
        try:
            socket.getaddrinfo(*target, type=socket.SOCK_DGRAM)
        except OSError:
            return f"the log server {target[0]} cannot be found"
        return None
    try:
        is_socket = stat.S_ISSOCK(os.stat(target).st_mode)
    except OSError:
        is_socket = False
    if not is_socket:
        return "there is no syslog socket there"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        try:
            s.connect(target)
        except OSError:
            return "no syslog daemon answers on it"
    return None


@checks.register(checks.Tags.security, deploy=True)
def witness_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`familyview check --deploy`: a witness configured that cannot be written is an
    error, found before the first event misses it."""
    found = []
    path = witness_file()
    problem = _file_problem(path) if path is not None else None
    if problem:
        found.append(("FAMILYVIEW_AUDIT_WITNESS_FILE", str(path), problem))
    address = syslog_address()
    problem = _syslog_problem(address) if address else None
    if problem:
        found.append(("FAMILYVIEW_AUDIT_WITNESS_SYSLOG", address, problem))
    return [
        checks.Error(
            f"The audit witness {name}={value} cannot be written: {problem}.",
            hint="docs/audit.md, The tampering window: a witness outside the database.",
            id="familyview.E002",
        )
        for name, value, problem in found
    ]


def send(sequence: int, event_hash: str) -> None:
    """Send one committed event to the configured witnesses (none: nothing)."""
    line = json.dumps({"hash": event_hash, "sequence": sequence}, sort_keys=True)
    path = witness_file()
    if path is not None:
        _append_to_file(path, line + "\n")
    address = syslog_address()
    if address:
        _syslog_logger(address).info(line)


def read(path: Path) -> Iterator[Witnessed]:
    """The events a witness file (or an extract of the syslog lines) saw, in sequence
    order. A line that is not the witness's is skipped; one naming another database stops
    the reading with DatabaseFilesError."""
    waiting: list[tuple[int, str]] = []
    # A syslog extract may hold a log server's own bytes that are not text: those lines
    # are not the witness's, and are skipped like any other.
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            # A syslog line carries its priority and whatever the log server adds first.
            _, tagged, after_tag = line.partition("familyview-audit:")
            text = (after_tag if tagged else line).strip().strip("\x00")
            if not text.startswith("{"):
                continue
            try:
                data = json.loads(text)
            except ValueError:
                continue
            if "database_id" in data:
                _check_header(path, text)
                continue
            try:
                item = (int(data["sequence"]), str(data["hash"]))
            except (KeyError, TypeError, ValueError):
                continue
            heapq.heappush(waiting, item)
            if len(waiting) > REORDER_WINDOW:
                yield Witnessed(*heapq.heappop(waiting))
    while waiting:
        yield Witnessed(*heapq.heappop(waiting))
