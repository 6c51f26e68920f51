"""Reading extract files: CSV (as Excel and others write it) and JSON Lines, row by row.

A file that cannot be read as a whole raises ExtractRejected naming the file and the
problem; a readable file yields (row number, values by column, raw text) for each row.
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

# A row as read: its number as a person would count it (the header is row 1 in a CSV,
# the first line is row 1 in JSON Lines), its values in the order of the file's columns
# (None when the row cannot be read as a row at all), what is wrong with it if so, and its
# verbatim content for quarantine.
RawRow = tuple[int, list | None, str | None, object]

csv.field_size_limit(1_000_000)

# Control characters text cannot hold (PostgreSQL none at all for NUL): all but the tab
# and the line ends a value over several lines has.
NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def not_text(character: str) -> str:
    """A control character in words: 'a NUL character', 'a control character (U+001B)'."""
    if character == "\x00":
        return "a NUL character"
    return f"a control character (U+{ord(character):04X})"


def escaped(text: str) -> str:
    """Text with its control characters written out (\\x00), as it can be shown and kept."""
    return NOT_TEXT.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class ExtractRejected(Exception):
    """The extract, or one of its files, cannot be imported at all. Nothing was loaded."""

    def __init__(self, message: str) -> None:
        # The message may quote the file (a column's name, a field): kept in the import's
        # history, it must hold text only.
        super().__init__(escaped(message))


def read_text(path: Path) -> str:
    """A file's text: UTF-8 with or without a byte-order mark, or a clear rejection."""
    data = path.read_bytes()
    if not data.strip():
        raise ExtractRejected(f"{path.name} is empty")
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        raise ExtractRejected(
            f"{path.name} is UTF-16, not UTF-8: save it as 'CSV UTF-8' and send it again"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ExtractRejected(
            f"{path.name} is not UTF-8: byte 0x{data[e.start]:02X} on line {line} cannot be "
            "read (it may be Windows-1252 or Latin-1); save it as 'CSV UTF-8' and send it again"
        ) from None


def _csv_raw(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()


def csv_delimiter(text: str) -> str:
    """',' or ';' (as Excel writes CSV in European locales): whichever the header row
    uses more."""
    header = re.split(r"[\r\n]", text, maxsplit=1)[0]  # \n, \r\n or an old Mac's \r
    return ";" if header.count(";") > header.count(",") else ","


def read_csv(path: Path, text: str) -> tuple[list[str], Iterator[RawRow]]:
    """The header and the rows of a CSV file's text, separated by commas or semicolons."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ExtractRejected(f"{path.name} is empty") from None
    except csv.Error as e:
        raise ExtractRejected(f"{path.name}: the header row cannot be read ({e})") from None
    header = [h.strip() for h in header]
    for number, name in enumerate(header, start=1):
        if match := NOT_TEXT.search(name):
            raise ExtractRejected(
                f"{path.name}: row 1 (the header), column {number}: its name holds "
                f"{not_text(match.group())}, which a column name cannot hold"
            )
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise ExtractRejected(f"{path.name}: column {', '.join(dupes)} appears more than once")

    def rows() -> Iterator[RawRow]:
        width = len(header)
        row_number = 1
        try:
            for values in reader:
                row_number += 1
                if not values:
                    continue
                if len(values) != width:
                    # A ragged row: keep it whole so quarantine shows what arrived.
                    problem = f"has {len(values)} fields where the header has {width}"
                    yield row_number, None, problem, values
                    continue
                yield row_number, values, None, values
        except csv.Error as e:
            raise ExtractRejected(
                f"{path.name}: row {row_number + 1} cannot be read as CSV ({e})"
            ) from None

    return header, rows()


def read_jsonl(path: Path, text: str) -> tuple[list[str], Iterator[RawRow]]:
    """The keys seen and the rows of a JSON Lines file's text."""
    # Only newlines end a line: splitlines() would also break at characters such as U+2028
    # that may sit inside a JSON string.
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    keys: dict[str, None] = {}
    parsed: list[tuple[int, object, str]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            parsed.append((number, ValueError(f"is not valid JSON ({e.msg})"), line))
            continue
        if not isinstance(obj, dict):
            parsed.append((number, ValueError("is not a JSON object"), line))
            continue
        if bad := next((m for k in obj if (m := NOT_TEXT.search(k))), None):
            problem = f"has a key holding {not_text(bad.group())}, which a column name cannot hold"
            parsed.append((number, ValueError(problem), line))
            continue
        keys.update(dict.fromkeys(obj))
        parsed.append((number, obj, line))
    if not parsed:
        raise ExtractRejected(f"{path.name} is empty")

    columns = list(keys)

    def rows() -> Iterator[RawRow]:
        for number, obj, line in parsed:
            if isinstance(obj, ValueError):
                yield number, None, f"line {obj}", line
                continue
            values = [obj.get(k) for k in columns]  # type: ignore[union-attr]
            yield (
                number,
                [x if x.__class__ is str else _jsonl_value(x) for x in values],
                None,
                line,
            )

    return columns, rows()


def _jsonl_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, dict | list | str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_rows(path: Path) -> tuple[list[str], Iterator[RawRow]]:
    """Columns and rows of a CSV or JSON Lines file, chosen by its extension."""
    text = read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path, text)
    if suffix in {".jsonl", ".ndjson"}:
        return read_jsonl(path, text)
    raise ExtractRejected(f"{path.name}: only .csv and .jsonl files can be imported")


def raw_text(raw: object) -> str:
    """The verbatim text of a row for quarantine."""
    if isinstance(raw, list):
        return _csv_raw(raw)
    return str(raw)
