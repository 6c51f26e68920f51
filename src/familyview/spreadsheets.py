"""CSV files that people open in a spreadsheet: the audit log's export, a subject access
report, the person index, a source's duplicates, the review queue.

Those written to a file hold personal data: `private_file` writes them readable by their
owner only (0600), whatever the umask, so that no other account on the server reads them.

A cell that starts with = + - @, a tab or a carriage return would be read by Excel or
LibreOffice as a formula (CSV injection, OWASP): such cells get a leading single quote.
Record ids, names and reasons come from outside systems and from staff, so every cell
goes through `safe_cell`.
"""

import csv
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as CSV cell text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text line by line (header first), every cell made safe: for a streaming
    response or a file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(c) for c in header])
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(c) for c in row])
        yield buffer.getvalue()


def private_file(path: Path) -> TextIO:
    """A file of personal data opened for writing (emptied), readable and writable by its
    owner only: created 0600, and an existing file's wider permissions taken away before
    anything is written to it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", newline="", encoding="utf-8")
