"""Importing one extract of one source: validate every row, quarantine the bad ones, and
load the rest atomically.

The import is recorded before any work starts (status "running", in its own transaction)
so that an interrupted import leaves a trace in the history, while the data itself lands
in one transaction at the end: a killed import leaves no partial extract behind.

What later floors keep of the records (the person index's search entries) is theirs to
refresh: the pipeline (familyview/pipeline/imports.py) hands the import that step as
`people_loaded`, which runs inside the import's transaction once its people are loaded.
"""

import hashlib
import json
import multiprocessing
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from familyview.involvements.categories import category_codes
from familyview.involvements.models import Involvement
from familyview.sources import validation as v
from familyview.sources.loading import Load, cyclic_gc_paused
from familyview.sources.mapping import Mapping, MappingError, load_mapping, mapped, mapping_file
from familyview.sources.models import ExtractImport, PersonRecord, QuarantinedRow, Source
from familyview.sources.readers import ExtractRejected, RawRow, raw_text, read_rows
from familyview.sources.records import RecordKind, RowProblem, record_kinds, row_checker, row_hash

KIND_FILES = ("people", "involvements", "relationships")
# A UK postcode at the end of an address's last line, after the town ("Stockport SK4 2AB").
POSTCODE_AT_END = re.compile(r"[,\s]*\b([A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2})\s*$", re.I)
ADDRESS_PARTS = re.compile(r"\s*[,\r\n]+\s*")

Progress = Callable[[int], None]
# Run in the import's transaction once its people are loaded, with the source's id.
PeopleLoaded = Callable[[int], object]


@dataclass
class Quarantine:
    file_name: str
    record_kind: str
    row_number: int
    field: str
    reason: str
    raw: object
    # A value held back from a row that loaded without it (the row is not quarantined).
    value: str | None = None

    @property
    def row_kept(self) -> bool:
        return self.value is not None


@dataclass
class CheckedKind:
    """One kind's rows after every rule: the rows to load and those held back."""

    columns: tuple[str, ...]
    kind_name: str = ""
    file_name: str = ""
    rows: list[tuple] = field(default_factory=list)
    keys: list[tuple] = field(default_factory=list)
    # The row number each loadable row came from; the row as sent is read again from
    # `path` only if it must be quarantined later (rare), so it is not carried along.
    origins: list[int] = field(default_factory=list)
    path: str = ""
    quarantined: list[Quarantine] = field(default_factory=list)
    held_keys: list[tuple] = field(default_factory=list)
    # Rows held back whose identifier could not be read: a full snapshot then cannot
    # tell which records it no longer holds, so it ends none of this kind.
    unidentified: int = 0
    # Whether the extract held a file of this kind at all: a file not sent says nothing
    # about the records, so none of this kind are ended.
    sent: bool = True

    @property
    def ends_absent(self) -> bool:
        return self.sent and not self.unidentified


@dataclass
class ExtractMetadata:
    source: str
    extracted_at: datetime
    kind: str = "full"
    coverage_start: date | None = None
    coverage_end: date | None = None
    coverage_area: str = ""


def mark_interrupted() -> int:
    """Mark imports whose process is gone as interrupted. Returns how many."""
    count = 0
    for imp in ExtractImport.objects.filter(status=ExtractImport.Status.RUNNING):
        if imp.pid and _process_alive(imp.pid):
            continue
        imp.status = ExtractImport.Status.INTERRUPTED
        imp.message = "The import stopped before it finished; nothing of it was loaded."
        imp.save(update_fields=["status", "message"])
        count += 1
    return count


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def extract_files(paths: list[Path]) -> list[Path]:
    """The files of an extract, from folders and files named on the command line."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            )
        elif path.is_file():
            files.append(path)
        else:
            raise ExtractRejected(f"{path} does not exist")
    if not files:
        raise ExtractRejected("no files to import")
    return files


def checksum(files: list[Path], mapping: str = "canonical") -> str:
    """One digest over every file of the extract, by name and content, and the mapping it
    is read with: the same files read with a corrected mapping are a new import."""
    digest = hashlib.sha256()
    try:
        digest.update(mapping_file(mapping).read_bytes())
    except MappingError:
        digest.update(mapping.encode())
    for path in sorted(files, key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _parse_timestamp(value: object, where: str) -> datetime:
    if not isinstance(value, str) or not value:
        raise ExtractRejected(f"{where}: extracted_at is required (ISO 8601 with a time zone)")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ExtractRejected(f"{where}: extracted_at {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise ExtractRejected(f"{where}: extracted_at {value!r} has no time zone")
    return parsed


def _parse_optional_date(value: object, name: str, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ExtractRejected(f"{where}: {name} {value!r} is not a date (YYYY-MM-DD)") from None


# The fields extract.json may hold, in the order docs/extract-format.md lists them.
METADATA_FIELDS = (
    "source",
    "extracted_at",
    "kind",
    "coverage_start",
    "coverage_end",
    "coverage_area",
)


def read_metadata(path: Path) -> ExtractMetadata:
    """Read and check extract.json."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ExtractRejected(f"{path.name} is not UTF-8") from None
    except json.JSONDecodeError as e:
        raise ExtractRejected(
            f"{path.name} is not valid JSON: {e.msg} on line {e.lineno}"
        ) from None
    if not isinstance(data, dict):
        raise ExtractRejected(f"{path.name} must hold a JSON object")
    unknown = sorted(set(data) - set(METADATA_FIELDS))
    if unknown:
        raise ExtractRejected(
            f"{path.name}: unknown field(s) {', '.join(unknown)}; the fields of {path.name} "
            f"are {', '.join(METADATA_FIELDS)}"
        )
    kind = data.get("kind", "full")
    if kind not in ("full", "delta"):
        raise ExtractRejected(f"{path.name}: kind must be 'full' or 'delta', not {kind!r}")
    meta = ExtractMetadata(
        source=str(data.get("source", "")),
        extracted_at=_parse_timestamp(data.get("extracted_at"), path.name),
        kind=kind,
        coverage_start=_parse_optional_date(
            data.get("coverage_start"), "coverage_start", path.name
        ),
        coverage_end=_parse_optional_date(data.get("coverage_end"), "coverage_end", path.name),
        coverage_area=str(data.get("coverage_area") or "")[:200],
    )
    if meta.coverage_start and meta.coverage_end and meta.coverage_end < meta.coverage_start:
        raise ExtractRejected(f"{path.name}: coverage_end is before coverage_start")
    return meta


def _check_columns(
    file_name: str, columns: list[str], kind: RecordKind, mapping: Mapping, strict_required: bool
) -> dict[str, str]:
    """Map the file's columns to canonical ones; reject missing or unknown columns."""
    to_canonical = {mapping.source_column(kind.name, c.name): c.name for c in kind.columns}
    unknown = [c for c in columns if c not in to_canonical and c not in mapping.ignore_columns]
    expected = (
        f"the columns this source's mapping ({mapping.name}) expects in {file_name} are "
        f"{', '.join(to_canonical)}."
    )
    if unknown and len(unknown) == len(columns):
        # Perhaps no header at all: the first row would be someone's details, which must
        # not be repeated into the import history.
        raise ExtractRejected(
            f"{file_name}: none of its {len(columns)} columns is one this source sends; "
            f"is the header row missing? {expected[0].upper()}{expected[1:]}"
        )
    if unknown:
        raise ExtractRejected(
            f"{file_name}: unknown column(s) {', '.join(unknown)}; {expected} Family View "
            "loads only the columns the mapping names; if these must not be loaded, list them "
            "under ignore_columns in the source's mapping"
        )
    if strict_required:
        present = set(columns)
        missing = [
            mapping.source_column(kind.name, c.name)
            for c in kind.columns
            if c.required and mapping.source_column(kind.name, c.name) not in present
        ]
        if missing:
            raise ExtractRejected(f"{file_name}: required column(s) missing: {', '.join(missing)}")
    return to_canonical


def check_kind(
    kind: RecordKind,
    file_name: str,
    columns: list[str],
    rows: Iterator[RawRow],
    to_canonical: dict[str, str],
    mapping: Mapping,
    progress: Progress | None,
) -> CheckedKind:
    """Check every row of one kind: valid rows become loadable tuples, the rest quarantine."""
    result = CheckedKind(
        columns=(*kind.db_columns, "row_hash"), kind_name=kind.name, file_name=file_name
    )
    index = {to_canonical[c]: i for i, c in enumerate(columns) if c in to_canonical}
    value_maps = mapping.values.get(kind.name, {})
    check_row = row_checker(kind, value_maps, index)
    to_db, key_columns = kind.to_db, kind.key_columns
    by_key: dict[tuple, list[int]] = defaultdict(list)
    valid: list[tuple[tuple, tuple, int, object, list | None]] = []
    seen = 0
    for row_number, values, unreadable, raw in rows:
        seen += 1
        if progress and seen % 5000 == 0:
            progress(5000)
        if values is None:
            result.quarantined.append(
                Quarantine(file_name, kind.name, row_number, "", unreadable or "", raw)
            )
            result.unidentified += 1
            continue
        try:
            clean, held = check_row(values)
        except RowProblem as problem:
            result.quarantined.append(
                Quarantine(
                    file_name,
                    kind.name,
                    row_number,
                    ", ".join(f for f, _ in problem.problems),
                    str(problem),
                    raw,
                )
            )
            held = _raw_key(kind, values, index, value_maps)
            if held:
                result.held_keys.append(held)
            else:
                result.unidentified += 1
            continue
        db_row = to_db(clean)
        key = tuple([clean[k] for k in key_columns])
        by_key[key].append(row_number)
        valid.append((key, (*db_row, row_hash(db_row)), row_number, raw, held))
    if progress:
        progress(seen % 5000)
    duplicated = {k for k, numbers in by_key.items() if len(numbers) > 1}
    for key, row, row_number, raw, held in valid:
        if key in duplicated:
            others = ", ".join(str(n) for n in by_key[key] if n != row_number)
            result.quarantined.append(
                Quarantine(
                    file_name,
                    kind.name,
                    row_number,
                    ", ".join(kind.key_columns),
                    f"{' / '.join(key)} also appears in row(s) {others}; all copies are held back "
                    "until the source sends one",
                    raw,
                )
            )
            result.held_keys.append(key)
            continue
        result.rows.append(row)
        result.keys.append(key)
        result.origins.append(row_number)
        if held:
            result.quarantined.extend(
                Quarantine(file_name, kind.name, row_number, h.field, h.reason, raw, h.value)
                for h in held
            )
    return result


def check_file(
    kind_name: str,
    path: Path,
    mapping: Mapping,
    today: date,
    categories: frozenset[str],
    progress: Progress | None = None,
) -> CheckedKind:
    """Read and check one canonical file of an extract (in this process or a forked one)."""
    kind = record_kinds(mapping, today, categories)[kind_name]
    columns, rows = read_rows(path)
    to_canonical = _check_columns(path.name, columns, kind, mapping, path.suffix.lower() == ".csv")
    checked = check_kind(kind, path.name, columns, rows, to_canonical, mapping, progress)
    checked.path = str(path)
    # No people at all would end every record the source holds: surely a mistake.
    # No involvements or relationships can be true.
    if kind_name == "people" and not checked.rows and not checked.quarantined:
        raise ExtractRejected(f"{path.name} has a header but no rows")
    return checked


def _raw_key(
    kind: RecordKind, values: list, index: dict[str, int], value_maps: dict[str, dict[str, str]]
) -> tuple | None:
    """The key of a quarantined row, if it can be read: its last good version is kept.

    Cleaned as the loaded rows' keys are (the mapping's values, then trimmed, and the
    relationship type in lower case), so that it matches the key the record is held under.
    """
    key = []
    for column in kind.key_columns:
        raw = str(values[index[column]]).strip() if column in index else ""
        raw = mapped(value_maps.get(column), raw).strip()
        key.append(raw.lower() if column == "relationship_type" else raw)
    return tuple(key) if all(key) else None


def _drop_unknown_people(checked: CheckedKind, known: set[str], fields: tuple[int, ...]) -> None:
    """Quarantine rows that point at a person neither in the extract nor already held."""
    keep_rows, keep_keys, keep_origins = [], [], []
    dropped: list[tuple[int, str, str]] = []
    for row, key, row_number in zip(checked.rows, checked.keys, checked.origins, strict=True):
        if row[fields[0]] in known and (len(fields) == 1 or row[fields[1]] in known):
            keep_rows.append(row)
            keep_keys.append(key)
            keep_origins.append(row_number)
            continue
        missing = [row[i] for i in fields if row[i] not in known]
        if missing:
            where = ", ".join(checked.columns[i] for i in fields if row[i] not in known)
            reason = (
                f"points at person {', '.join(missing)}, who is not in this extract's people "
                "nor held for this source"
            )
            dropped.append((row_number, where, reason))
            checked.held_keys.append(key)
            continue
        keep_rows.append(row)
        keep_keys.append(key)
        keep_origins.append(row_number)
    checked.rows, checked.keys, checked.origins = keep_rows, keep_keys, keep_origins
    if dropped:
        sent = _rows_as_sent(checked.path, {number for number, _, _ in dropped})
        checked.quarantined.extend(
            Quarantine(checked.file_name, checked.kind_name, number, where, reason, sent[number])
            for number, where, reason in dropped
        )


# The stored columns of a canonical field whose value may be held back.
STORED_AS = {"date_of_birth": ("birth_year", "birth_month", "birth_day")}


def _keep_last_good_values(checked: CheckedKind, held_records) -> None:
    """A record loaded with a value held back keeps the value it last had, if any: a bad
    date this week does not wipe last week's good one."""
    held: dict[int, set[str]] = defaultdict(set)
    for q in checked.quarantined:
        if q.row_kept:
            held[q.row_number].update(STORED_AS.get(q.field, (q.field,)))
    if not held:
        return
    at = {row_number: i for i, row_number in enumerate(checked.origins) if row_number in held}
    key_column = checked.columns[0]
    wanted = {checked.keys[i][0]: i for i in at.values()}
    columns = sorted({c for cs in held.values() for c in cs} & set(checked.columns))
    if not columns:
        return
    previous = {
        r[key_column]: r
        for r in held_records.filter(**{f"{key_column}__in": list(wanted)}).values(
            key_column, *columns
        )
    }
    for row_number, i in at.items():
        before = previous.get(checked.keys[i][0])
        if before is None:
            continue
        row = list(checked.rows[i][:-1])
        for column in held[row_number] & set(columns):
            value = before[column]
            row[checked.columns.index(column)] = (
                value.isoformat() if isinstance(value, date) else value
            )
        checked.rows[i] = (*row, row_hash(tuple(row)))


def _rows_as_sent(path: str, row_numbers: set[int]) -> dict[int, object]:
    """Read rows of a file again, by row number, to quarantine them verbatim."""
    _, rows = read_rows(Path(path))
    return {number: raw for number, _, _, raw in rows if number in row_numbers}


@dataclass
class IngestOutcome:
    extract_import: ExtractImport
    # A dry run wrote nothing: its import and what it would hold back exist only here.
    dry_run: bool = False
    held_back: list[QuarantinedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.extract_import.status in (
            ExtractImport.Status.LOADED,
            ExtractImport.Status.UNCHANGED,
        )


def ingest(
    source_code: str,
    paths: list[Path],
    imported_by: str,
    progress: Progress | None = None,
    today: date | None = None,
    allow_mass_ending: bool = False,
    dry_run: bool = False,
    people_loaded: PeopleLoaded | None = None,
) -> IngestOutcome:
    """Import one extract of a source; the outcome says whether it loaded, and if not why.

    `people_loaded` runs in the import's one transaction right after its people are
    loaded (and rolls back with it), while a second process may still be checking the
    involvements: the pipeline refreshes the source's search entries there.

    A dry run does all of it, every rule and every check against what is held, in a
    transaction that is then rolled back: the outcome says what would have loaded and
    what would have been held back (the first DRY_RUN_HELD_BACK), and nothing is written.

    Raises ExtractRejected only when there is nothing to record an import against: an
    unknown source, or paths that do not exist.
    """
    steps = (progress, today, allow_mass_ending, people_loaded)
    if not dry_run:
        return _ingest(source_code, paths, imported_by, *steps)
    with transaction.atomic():
        outcome = _ingest(source_code, paths, imported_by, *steps)
        held = outcome.extract_import.quarantined_rows.order_by("file_name", "row_number", "id")
        held_back = list(held[:DRY_RUN_HELD_BACK])
        transaction.set_rollback(True)
    return IngestOutcome(outcome.extract_import, dry_run=True, held_back=held_back)


# How many of the values and rows a dry run would hold back it shows.
DRY_RUN_HELD_BACK = 20


def _no_such_source(source_code: str, shown: int = 20) -> str:
    """Why `source_code` cannot be imported, naming the codes that can (the first
    `shown` of them, and how many more)."""
    codes = list(Source.objects.order_by("code").values_list("code", flat=True))
    if not codes:
        return (
            f"no source with code {source_code!r}: no sources are registered yet; register "
            "them with `familyview sources load`"
        )
    listed = ", ".join(codes[:shown])
    if len(codes) > shown:
        listed += f" and {len(codes) - shown:,} more"
    return (
        f"no source with code {source_code!r}; the registered sources are {listed} "
        "(register another with `familyview sources load`)"
    )


def _ingest(
    source_code: str,
    paths: list[Path],
    imported_by: str,
    progress: Progress | None,
    today: date | None,
    allow_mass_ending: bool,
    people_loaded: PeopleLoaded | None,
) -> IngestOutcome:
    try:
        source = Source.objects.get(code=source_code)
    except Source.DoesNotExist:
        raise ExtractRejected(_no_such_source(source_code)) from None
    mark_interrupted()
    started = time.monotonic()
    files = extract_files(paths)
    imp = ExtractImport.objects.create(
        source=source,
        status=ExtractImport.Status.RUNNING,
        imported_by=imported_by,
        files=[p.name for p in files],
        checksum=checksum(files, source.mapping),
        pid=os.getpid(),
    )
    try:
        with cyclic_gc_paused():
            _run(
                imp,
                source,
                files,
                progress,
                today or timezone.localdate(),
                allow_mass_ending,
                people_loaded,
            )
    except ExtractRejected as rejection:
        imp.status = ExtractImport.Status.REJECTED
        imp.message = str(rejection)
        imp.finished_at = timezone.now()
        imp.duration_ms = int((time.monotonic() - started) * 1000)
        imp.save()
    except BaseException:
        imp.status = ExtractImport.Status.REJECTED
        imp.message = "The import failed with an internal error; nothing of it was loaded."
        imp.finished_at = timezone.now()
        imp.save()
        raise
    imp.refresh_from_db()
    if imp.status == ExtractImport.Status.LOADED:
        ExtractImport.objects.filter(pk=imp.pk).update(
            duration_ms=int((time.monotonic() - started) * 1000)
        )
        imp.refresh_from_db()
    return IngestOutcome(imp)


def _classify(files: list[Path], mapping: Mapping) -> tuple[Path | None, dict[str, Path]]:
    meta: Path | None = None
    by_kind: dict[str, Path] = {}
    for path in files:
        stem = path.stem.lower()
        if path.name.lower() == "extract.json":
            meta = path
        elif mapping.layout == "family-context-cdm" and path.suffix.lower() == ".csv":
            if "row" in by_kind:
                raise ExtractRejected(
                    "a Family Context extract is one CSV file; more than one sent"
                )
            by_kind["row"] = path
        elif stem in KIND_FILES and mapping.layout == "canonical":
            if stem in by_kind:
                raise ExtractRejected(f"two files hold {stem}: {by_kind[stem].name}, {path.name}")
            by_kind[stem] = path
        else:
            expected = (
                "one CSV file"
                if mapping.layout == "family-context-cdm"
                else "extract.json, people, involvements, relationships (.csv or .jsonl)"
            )
            raise ExtractRejected(
                f"{path.name} is not a file this source sends (expected {expected})"
            )
    return meta, by_kind


# Involvement and relationship files at least this big are checked in a second process
# while this one checks the people and loads them.
CONCURRENT_FROM_BYTES = 2_000_000


def _run(
    imp: ExtractImport,
    source: Source,
    files: list[Path],
    progress: Progress | None,
    today: date,
    allow_mass_ending: bool,
    people_loaded: PeopleLoaded | None,
) -> None:
    try:
        mapping = load_mapping(source.mapping)
    except MappingError as e:
        raise ExtractRejected(str(e)) from None
    meta_path, by_kind = _classify(files, mapping)
    categories = frozenset(category_codes())
    if mapping.layout == "family-context-cdm":
        if "row" not in by_kind:
            raise ExtractRejected("no CSV file in the extract")
        kinds = record_kinds(mapping, today, categories)
        meta, checked = _check_family_context(source, by_kind["row"], mapping, kinds, progress)
        _check_metadata(meta, source)
        _load(
            imp,
            source,
            meta,
            checked["people"],
            checked.__getitem__,
            allow_mass_ending,
            people_loaded,
        )
        return

    if meta_path is None:
        raise ExtractRejected("extract.json is missing: it says which source and when")
    meta = read_metadata(meta_path)
    _check_metadata(meta, source)
    if meta.kind == "full" and "people" not in by_kind:
        raise ExtractRejected("a full snapshot needs a people file")

    def check(kind_name: str, progress: Progress | None = None) -> CheckedKind:
        if kind_name not in by_kind:
            kind = record_kinds(mapping, today, categories)[kind_name]
            return CheckedKind(columns=(*kind.db_columns, "row_hash"), sent=False)
        return check_file(kind_name, by_kind[kind_name], mapping, today, categories, progress)

    size = {k: p.stat().st_size for k, p in by_kind.items()}
    later = [k for k in ("involvements", "relationships") if k in by_kind]
    concurrent = (
        "people" in by_kind
        and (os.cpu_count() or 1) > 1
        and sum(size[k] for k in later) >= CONCURRENT_FROM_BYTES
    )
    # The second process takes the involvements, and the relationships too if that
    # balances the two processes' work better than leaving them here after the people.
    elsewhere = []
    if concurrent:
        elsewhere = later[:1]
        if "relationships" in later[1:]:
            here = size["people"] + size["relationships"]
            there = size[later[0]] + size["relationships"]
            if there - size["people"] < here - size[later[0]]:
                elsewhere.append("relationships")
    pool = multiprocessing.get_context("fork").Pool(1) if elsewhere else None
    try:
        pending = {
            k: pool.apply_async(check_file, (k, by_kind[k], mapping, today, categories))
            for k in elsewhere
            if pool
        }

        def checked_later(kind_name: str) -> CheckedKind:
            if kind_name in pending:
                return pending[kind_name].get()
            return check(kind_name)

        _load(
            imp,
            source,
            meta,
            check("people", progress),
            checked_later,
            allow_mass_ending,
            people_loaded,
        )
    finally:
        if pool:
            pool.terminate()
            pool.join()


def _check_metadata(meta: ExtractMetadata, source: Source) -> None:
    if meta.source != source.code:
        raise ExtractRejected(
            f"the extract says it is from source {meta.source!r}, not {source.code!r}"
        )
    if meta.extracted_at > timezone.now() + timedelta(hours=1):
        raise ExtractRejected(f"extracted_at {meta.extracted_at.isoformat()} is in the future")


# A full snapshot that would end more than this share of a source's people (of at least
# MASS_ENDING_FROM) is refused unless the importer says it is right: a truncated file
# looks just like it.
MASS_ENDING_SHARE = 0.5
MASS_ENDING_FROM = 100


def _refuse_mass_ending(existing: set[str], present: set[str]) -> None:
    if len(existing) < MASS_ENDING_FROM:
        return
    ending = len(existing - present)
    if ending > MASS_ENDING_SHARE * len(existing):
        raise ExtractRejected(
            f"this snapshot would end {ending:,} of the source's {len(existing):,} current "
            "people. A cut-short file looks like this; if the source really dropped them, "
            "import again with --allow-mass-ending"
        )


def _load(
    imp: ExtractImport,
    source: Source,
    meta: ExtractMetadata,
    people: CheckedKind,
    checked_later: Callable[[str], CheckedKind],
    allow_mass_ending: bool,
    people_loaded: PeopleLoaded | None,
) -> None:
    """Load the checked extract in one transaction.

    `checked_later` gives the involvements and relationships once they are checked: they
    may still be being checked in another process while the people load, and while
    `people_loaded` runs.
    """
    with transaction.atomic():
        # One import of a source at a time; the checks below must see the latest history.
        Source.objects.select_for_update().filter(pk=source.pk).first()
        latest = (
            ExtractImport.objects.filter(source=source, status=ExtractImport.Status.LOADED)
            .order_by("-extracted_at", "-id")
            .first()
        )
        now = timezone.now()
        common = {
            "kind": meta.kind,
            "extracted_at": meta.extracted_at,
            "coverage_start": meta.coverage_start,
            "coverage_end": meta.coverage_end,
            "coverage_area": meta.coverage_area,
            "finished_at": now,
        }
        if latest and latest.checksum == imp.checksum:
            ExtractImport.objects.filter(pk=imp.pk).update(
                status=ExtractImport.Status.UNCHANGED,
                message=f"The same extract was loaded by import {latest.pk}; nothing changed.",
                **common,
            )
            return
        # The same time with other content is a corrected re-send; an earlier time is old.
        if latest and latest.extracted_at and meta.extracted_at < latest.extracted_at:
            raise ExtractRejected(
                f"this extract was taken at {meta.extracted_at.isoformat()}, before the one "
                f"already loaded ({latest.extracted_at.isoformat()}, import {latest.pk}); "
                "an older snapshot cannot replace a newer one"
            )

        existing = set(
            PersonRecord.objects.filter(source=source, ended_at__isnull=True).values_list(
                "source_record_id", flat=True
            )
        )
        loaded_people = {k[0] for k in people.keys}
        held_people = {k[0] for k in people.held_keys}
        if meta.kind == "full":
            # Records a full snapshot drops are ended, so only this extract's people, and
            # the held-back ones whose last good version stays, can be pointed at.
            known = loaded_people | (held_people & existing)
        else:
            known = loaded_people | existing

        if meta.kind == "full" and not allow_mass_ending:
            _refuse_mass_ending(existing, loaded_people | held_people)
        _keep_last_good_values(people, PersonRecord.objects.filter(source=source))
        load = Load(source.pk, imp.pk, meta.kind == "full", now)
        people_counts, record_id = load.people(
            people.columns, people.rows, people.held_keys, end_absent=people.ends_absent
        )
        if people_loaded is not None:
            people_loaded(source.pk)
        # Whatever this process checks itself first, while the other one finishes.
        relationships = checked_later("relationships")
        involvements = checked_later("involvements")
        _keep_last_good_values(involvements, Involvement.objects.filter(source=source))
        _drop_unknown_people(involvements, known, (1,))
        _drop_unknown_people(relationships, known, (0, 1))
        counts = [
            people_counts,
            load.involvements(
                involvements.columns,
                involvements.rows,
                involvements.held_keys,
                record_id,
                end_absent=involvements.ends_absent,
            ),
            load.relationships(
                relationships.columns,
                relationships.rows,
                relationships.held_keys,
                record_id,
                end_absent=relationships.ends_absent,
            ),
        ]
        quarantined = [
            q for checked in (people, involvements, relationships) for q in checked.quarantined
        ]
        # A row quarantined whole after its values were checked (it points at nobody)
        # has no values held back: it is counted once, as a row.
        whole = {(q.file_name, q.record_kind, q.row_number) for q in quarantined if not q.row_kept}
        quarantined = [
            q
            for q in quarantined
            if not q.row_kept or (q.file_name, q.record_kind, q.row_number) not in whole
        ]
        QuarantinedRow.objects.bulk_create(
            [
                QuarantinedRow(
                    extract_import=imp,
                    file_name=q.file_name[:255],
                    record_kind=q.record_kind,
                    row_number=q.row_number,
                    field=q.field[:100],
                    reason=q.reason[:500],
                    # PostgreSQL text cannot hold NUL: shown escaped, as the reason says.
                    raw=raw_text(q.raw).replace("\x00", "\\x00"),
                    row_kept=q.row_kept,
                    value=(q.value or "").replace("\x00", "\\x00"),
                )
                for q in quarantined
            ],
            batch_size=2000,
        )
        ExtractImport.objects.filter(pk=imp.pk).update(
            status=ExtractImport.Status.LOADED,
            people_accepted=len(people.rows),
            involvements_accepted=len(involvements.rows),
            relationships_accepted=len(relationships.rows),
            rows_quarantined=sum(1 for q in quarantined if not q.row_kept),
            fields_held_back=sum(1 for q in quarantined if q.row_kept),
            records_added=sum(c.added for c in counts),
            records_changed=sum(c.changed for c in counts),
            records_ended=sum(c.ended for c in counts),
            message="",
            **common,
        )


def _check_family_context(
    source: Source,
    path: Path,
    mapping: Mapping,
    kinds: dict[str, RecordKind],
    progress: Progress | None,
) -> tuple[ExtractMetadata, dict[str, CheckedKind]]:
    """Split the Family Context single-CSV layout into people and involvements."""
    columns, rows = read_rows(path)
    col = mapping.columns.get("row", {})
    to_canonical = {src: canon for canon, src in col.items()}
    unknown = [c for c in columns if c not in to_canonical and c not in mapping.ignore_columns]
    if unknown:
        raise ExtractRejected(
            f"{path.name}: unknown column(s) {', '.join(unknown)} for the {mapping.name} "
            f"layout; it expects {', '.join(col.values())}. If these must not be loaded, list "
            "them under ignore_columns in the source's mapping"
        )
    missing = [col[c] for c in ("source_id", "status", "extracted_at") if col.get(c) not in columns]
    if missing:
        raise ExtractRejected(f"{path.name}: required column(s) missing: {', '.join(missing)}")
    dates = v.DateParser(mapping.date_formats)
    people_columns = [c.name for c in kinds["people"].columns]
    inv_columns = [c.name for c in kinds["involvements"].columns]
    people_rows: list[RawRow] = []
    involvement_rows: list[RawRow] = []
    seen_people: set[str] = set()
    extracted: list[date] = []
    unreadable_dates: list[str] = []
    coverage: dict[str, str] = {}
    # The mapping's value maps, for every column it maps (the status and sex as much as
    # an organisation's name), applied before any rule.
    value_maps = {k: m for k, m in mapping.values.get("row", {}).items() if m}
    for row_number, values, unreadable, raw in rows:
        if values is None:
            people_rows.append((row_number, None, unreadable, raw))
            continue
        c = {to_canonical.get(k, k): x for k, x in zip(columns, values, strict=True)}
        for name, value_map in value_maps.items():
            if isinstance(c.get(name), str):
                c[name] = mapped(value_map, c[name])
        # A row without a readable date is still loaded; the extract's date comes from
        # the rows that have one.
        try:
            extracted.append(dates.parse(c.get("extracted_at", "")))
        except v.FieldError:
            unreadable_dates.append(c.get("extracted_at", ""))
        for name in ("coverage_start", "coverage_end", "coverage_area"):
            if c.get(name) and name not in coverage:
                coverage[name] = c[name]
        pid = c.get("source_id", "").strip()
        line1, postcode = split_postcode(c.get("address", ""))
        if pid not in seen_people:
            seen_people.add(pid)
            people_rows.append(
                _as_row(
                    row_number,
                    people_columns,
                    {
                        "source_id": pid,
                        "given_name": c.get("given_name", ""),
                        "family_name": c.get("family_name", ""),
                        "date_of_birth": c.get("date_of_birth", ""),
                        "sex": c.get("sex", ""),
                        "address_line1": line1,
                        "postcode": postcode,
                    },
                    raw,
                )
            )
        details = {k: c[k] for k in ("school_name", "admission_type") if c.get(k)}
        org = c.get("school_name") or c.get("organisation", "")
        ident = hashlib.sha1(  # noqa: S324 (a stable identifier, not security)
            f"{pid}\x1f{org}\x1f{c.get('start_date', '')}".encode()
        ).hexdigest()[:16]
        involvement_rows.append(
            _as_row(
                row_number,
                inv_columns,
                {
                    "involvement_id": f"{pid}-{ident}",
                    "person_source_id": pid,
                    "service_category": source.service_category,
                    "status": c.get("status", ""),
                    "organisation": org,
                    "start_date": c.get("start_date", ""),
                    "last_contact_date": c.get("last_contact_date", ""),
                    "lead_name": c.get("lead_name", ""),
                    "lead_role": c.get("lead_role", ""),
                    "lead_phone": c.get("lead_phone", ""),
                    "lead_email": c.get("lead_email", ""),
                    "duty_phone": c.get("duty_phone", ""),
                    "details": json.dumps(details) if details else "",
                },
                raw,
            )
        )
    if not people_rows:
        raise ExtractRejected(f"{path.name} has a header but no rows")
    if not extracted:
        seen = next((d for d in unreadable_dates if d.strip()), None)
        found = f"values such as {seen!r}" if seen else "every row leaves it empty"
        raise ExtractRejected(
            f"{path.name}: column {col['extracted_at']!r} holds no readable date ({found}; "
            f"expected {dates.expected})"
        )
    # The value maps were applied above, once.
    people_mapping = Mapping(name=mapping.name, date_formats=mapping.date_formats)
    inv_mapping = Mapping(name=mapping.name, date_formats=mapping.date_formats)
    checked = {
        "people": check_kind(
            kinds["people"],
            path.name,
            people_columns,
            iter(people_rows),
            {c: c for c in people_columns},
            people_mapping,
            progress,
        ),
        "involvements": check_kind(
            kinds["involvements"],
            path.name,
            inv_columns,
            iter(involvement_rows),
            {c: c for c in inv_columns},
            inv_mapping,
            None,
        ),
        "relationships": CheckedKind(
            columns=(*kinds["relationships"].db_columns, "row_hash"), sent=False
        ),
    }
    checked["people"].path = checked["involvements"].path = str(path)

    def optional_date(name: str) -> date | None:
        try:
            return dates.parse(coverage[name]) if coverage.get(name) else None
        except v.FieldError:
            raise ExtractRejected(f"{path.name}: {name} {coverage[name]!r} is not a date") from None

    meta = ExtractMetadata(
        source=source.code,
        extracted_at=datetime.combine(max(extracted), datetime.min.time(), tzinfo=UTC),
        kind="full",
        coverage_start=optional_date("coverage_start"),
        coverage_end=optional_date("coverage_end"),
        coverage_area=coverage.get("coverage_area", "")[:200],
    )
    return meta, checked


def split_postcode(address: str) -> tuple[str, str]:
    """An address written in one field, as (the address on one line, its postcode).

    The postcode is the last part (after a comma or a line break) when that part is one,
    of the UK or another country ('Damrak 1, Amsterdam, 1012 AB'), or a UK postcode at
    the end of the last part ('12 Mill Lane, Stockport SK4 2AB'); else there is none.
    """
    parts = [p for p in ADDRESS_PARTS.split(address.strip()) if p]
    postcode = v.postcode_part(parts[-1]) if len(parts) > 1 else None
    if postcode:
        parts.pop()
    elif parts and (match := POSTCODE_AT_END.search(parts[-1])):
        postcode = match.group(1)
        parts[-1] = parts[-1][: match.start()]
    line = ", ".join(" ".join(p.split()) for p in parts)
    return line.strip(", "), postcode or ""


def _as_row(row_number: int, columns: list[str], values: dict, raw: object) -> RawRow:
    return row_number, [values.get(c, "") for c in columns], None, raw
