"""The synthetic authority generator: deterministic, well-formed, realistic, truthful."""

import csv
import json
import re
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from familyview.sources.columns import INVOLVEMENT_COLUMNS, PEOPLE_COLUMNS, RELATIONSHIP_COLUMNS
from familyview.synth import generate, progress_total
from familyview.synth.identifiers import nhs_number_is_valid
from familyview.synth.names import NICKNAMES

PEOPLE = 300
SEED = 11
TODAY = date(2026, 11, 20)
VOCABULARY = {
    "mother",
    "father",
    "parent",
    "step_parent",
    "carer",
    "guardian",
    "child",
    "sibling",
    "half_sibling",
    "step_sibling",
    "partner",
    "ex_partner",
    "grandparent",
    "other_relative",
    "household_member",
}
CATEGORIES = {
    "childrens_social_care",
    "early_help",
    "adult_social_care",
    "police",
    "youth_justice",
    "probation",
    "camhs",
    "adult_mental_health",
    "substance_misuse",
    "education",
    "send",
    "housing",
    "health_visiting",
    "gp",
    "domestic_abuse",
    "sexual_health",
}
HEALTH = {"GP", "CAMHS", "AMH", "HV"}
FC_COLUMNS = [
    "Cms Id",
    "First Name",
    "Last Name",
    "Date Of Birth",
    "Gender",
    "Address",
    "Service Involvement",
    "School Name",
    "Contact Number",
    "Admission Type",
    "Date Current As Of",
    "Coverage Start Date",
    "Coverage End Date",
    "Coverage Geographic Area",
    "Date Of Most Recent Interaction",
    "Start Date Of Last Involvement",
]
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
UPN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")
PHONE = re.compile(r"^\+?[0-9 ()\-]{6,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DRAMA_PHONE = re.compile(
    r"^(0161 ?496 ?0|\+44 161 496 0|07700 ?900|\+44 7700 900|020 ?7946 ?0|\+44 20 7946 0)"
)


# ---- reading what was written -------------------------------------------------------------


def read_table(folder: Path, name: str) -> tuple[list[str], list[dict]] | None:
    """(columns, rows) of a CSV or JSON Lines extract file; None when absent."""
    csv_path = folder / f"{name}.csv"
    jsonl_path = folder / f"{name}.jsonl"
    if csv_path.exists():
        with csv_path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            return list(reader.fieldnames or []), rows
    if jsonl_path.exists():
        rows = []
        keys: list[str] = []
        for line in jsonl_path.read_text(encoding="utf-8").splitlines():
            obj = json.loads(line)
            assert isinstance(obj, dict)
            rows.append({k: ("" if v is None else v) for k, v in obj.items()})
            keys += [k for k in obj if k not in keys]
        return keys, rows
    return None


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


class Authority:
    """Everything one run wrote, parsed."""

    def __init__(self, out: Path) -> None:
        self.out = out
        with (out / "sources.toml").open("rb") as f:
            self.registry = tomllib.load(f)["source"]
        self.codes = [s["code"] for s in self.registry]
        self.canonical = [s["code"] for s in self.registry if s["mapping"] == "canonical"]
        self.people: dict[str, list[dict]] = {}
        self.people_columns: dict[str, list[str]] = {}
        self.involvements: dict[str, list[dict]] = {}
        self.relationships: dict[str, list[dict]] = {}
        self.meta: dict[str, dict] = {}
        for code in self.canonical:
            folder = out / code
            self.meta[code] = json.loads((folder / "extract.json").read_text("utf-8"))
            cols, rows = read_table(folder, "people")
            self.people_columns[code] = cols
            self.people[code] = rows
            inv = read_table(folder, "involvements")
            self.involvements[code] = inv[1] if inv else []
            rel = read_table(folder, "relationships")
            self.relationships[code] = rel[1] if rel else []
        self.fc_rows = read_csv(out / "FC_SCHOOLS_LEGACY" / "extract.csv")
        truth = out / "truth"
        self.truth_records = read_csv(truth / "records.csv")
        self.truth_people = {p["person_id"]: p for p in read_csv(truth / "people.csv")}
        self.truth_relationships = read_csv(truth / "relationships.csv")
        self.corrupted = read_csv(truth / "nhs_numbers_corrupted.csv")
        self.person_of = {(r["source"], r["source_id"]): r["person_id"] for r in self.truth_records}

    def all_people(self):
        for code, rows in self.people.items():
            for row in rows:
                yield code, row


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "a"
    generate(PEOPLE, SEED, out)
    return out


@pytest.fixture(scope="module")
def authority(small) -> Authority:
    return Authority(small)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Authority:
    """The demo size, for features too rare to be sure of in 300 people."""
    out = tmp_path_factory.mktemp("synth") / "demo"
    generate(2000, SEED, out)
    return Authority(out)


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# ---- determinism ---------------------------------------------------------------------------


def test_the_same_seed_writes_the_same_bytes(small, tmp_path):
    generate(PEOPLE, SEED, tmp_path / "b")
    assert files_of(small) == files_of(tmp_path / "b")


def test_extracts_dated_from_now_keep_their_distances_and_the_same_people(small, tmp_path):
    newest = datetime(2027, 3, 9, 8, 30, tzinfo=UTC)
    generate(PEOPLE, SEED, tmp_path / "fresh", newest_extract_at=newest)
    mine, fresh = files_of(small), files_of(tmp_path / "fresh")
    assert set(mine) == set(fresh)
    moved = newest - datetime(2026, 11, 20, 2, 10, tzinfo=UTC)  # the newest, as written
    for name in mine:
        if name.endswith("extract.json"):
            before, after = json.loads(mine[name]), json.loads(fresh[name])
            was = datetime.fromisoformat(before["extracted_at"])
            assert datetime.fromisoformat(after["extracted_at"]) == was + moved
            assert {**after, "extracted_at": ""} == {**before, "extracted_at": ""}
        elif name == "FC_SCHOOLS_LEGACY/extract.csv":
            rows = list(csv.DictReader(fresh[name].decode("utf-8-sig").splitlines()))
            # Dated 18 November 2026, two days before the newest: 7 March 2027.
            assert {r["Date Current As Of"] for r in rows} == {"07/03/2027"}
        else:
            assert mine[name] == fresh[name], name  # the people are the same
    newest_written = max(
        datetime.fromisoformat(json.loads(fresh[n])["extracted_at"])
        for n in fresh
        if n.endswith("extract.json")
    )
    assert newest_written == newest


def test_a_different_seed_writes_a_different_authority(small, tmp_path):
    generate(PEOPLE, SEED + 1, tmp_path / "c")
    mine, theirs = files_of(small), files_of(tmp_path / "c")
    assert {k for k in mine if "people" in k} == {k for k in theirs if "people" in k}
    assert mine["truth/people.csv"] != theirs["truth/people.csv"]
    assert mine["GP/people.csv"] != theirs["GP/people.csv"]


def test_the_population_is_exactly_the_size_asked_and_progress_adds_up(tmp_path):
    ticks: list[int] = []
    summary = generate(123, 5, tmp_path / "d", progress=ticks.append)
    assert summary.people == 123
    assert len(read_csv(tmp_path / "d" / "truth" / "people.csv")) == 123
    assert sum(ticks) == progress_total(123)
    assert all(t > 0 for t in ticks)


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="people"):
        generate(0, 1, tmp_path / "e")
    with pytest.raises(ValueError, match="authority"):
        generate(10, 1, tmp_path / "e", authority="atlantis")


def test_the_summary_counts_what_was_written(tmp_path):
    summary = generate(PEOPLE, SEED, tmp_path / "f")
    written = Authority(tmp_path / "f")
    for code in written.canonical:
        assert summary.person_records[code] == len(written.people[code])
        assert summary.involvements[code] == len(written.involvements[code])
        assert summary.relationships[code] == len(written.relationships[code])
    assert summary.involvements["FC_SCHOOLS_LEGACY"] == len(written.fc_rows)
    assert summary.total_person_records == len(written.truth_records)
    assert summary.corrupted_nhs_numbers == len(written.corrupted)


# ---- shapes ---------------------------------------------------------------------------------


def test_sources_toml_registers_at_least_twelve_sources_in_the_documented_shape(authority):
    keys = {
        "code",
        "name",
        "authority",
        "service_category",
        "organisation",
        "duty_phone",
        "expected_every_days",
        "mapping",
    }
    assert len(authority.registry) >= 13
    for source in authority.registry:
        assert set(source) == keys
        assert source["service_category"] in CATEGORIES
        assert source["authority"] == "stockport"
        assert isinstance(source["expected_every_days"], int)
        assert DRAMA_PHONE.match(source["duty_phone"])
    assert len({s["code"] for s in authority.registry}) == len(authority.registry)
    legacy = [s for s in authority.registry if s["code"] == "FC_SCHOOLS_LEGACY"]
    assert legacy and legacy[0]["mapping"] == "family-context-cdm-school"
    assert len(authority.canonical) >= 12


def test_one_source_is_stale(authority):
    expected = {s["code"]: s["expected_every_days"] for s in authority.registry}
    stale = [
        code
        for code, meta in authority.meta.items()
        if (TODAY - date.fromisoformat(meta["extracted_at"][:10])).days > expected[code]
        and expected[code] <= 7
    ]
    assert stale


def test_extract_metadata_follows_the_format(authority):
    for code, meta in authority.meta.items():
        assert meta["source"] == code
        assert meta["kind"] == "full"
        assert meta["extracted_at"].startswith("2026-") and meta["extracted_at"].endswith("Z")
        assert date.fromisoformat(meta["coverage_start"]) < date.fromisoformat(meta["coverage_end"])
        assert meta["coverage_area"]


def test_formats_are_mixed_as_source_systems_send_them(small, authority):
    boms, crlf, lf, jsonl = 0, 0, 0, 0
    for code in authority.canonical:
        folder = small / code
        if (folder / "people.jsonl").exists():
            jsonl += 1
            continue
        raw = (folder / "people.csv").read_bytes()
        boms += raw.startswith(b"\xef\xbb\xbf")
        if b"\r\n" in raw:
            crlf += 1
        else:
            lf += 1
    assert boms >= 3 and crlf >= 3 and lf >= 3 and jsonl >= 2


def test_every_row_follows_the_extract_rules(authority):
    for code in authority.canonical:
        as_of = date.fromisoformat(authority.meta[code]["coverage_end"])
        cols = authority.people_columns[code]
        assert cols[0] == "source_id"
        assert set(cols) <= set(PEOPLE_COLUMNS)
        ids = [r["source_id"] for r in authority.people[code]]
        assert len(ids) == len(set(ids)), code
        known = set(ids)
        for row in authority.people[code]:
            check_person(row)
        inv_ids = set()
        for row in authority.involvements[code]:
            assert set(row) <= set(INVOLVEMENT_COLUMNS)
            assert row["involvement_id"] not in inv_ids
            inv_ids.add(row["involvement_id"])
            check_involvement(row, known, as_of)
        for row in authority.relationships[code]:
            assert set(row) <= set(RELATIONSHIP_COLUMNS)
            assert row["person_source_id"] in known
            assert row["related_source_id"] in known
            assert row["person_source_id"] != row["related_source_id"]
            assert row["relationship_type"] in VOCABULARY
            if row.get("start_date") and row.get("end_date"):
                assert row["start_date"] <= row["end_date"]


def check_person(row: dict) -> None:
    assert 0 < len(row["source_id"]) <= 64
    dob = row.get("date_of_birth", "")
    if dob:
        if len(dob) == 10:
            born = date.fromisoformat(dob)
        elif len(dob) == 7:
            born = date(int(dob[:4]), int(dob[5:]), 1)
        else:
            assert len(dob) == 4
            born = date(int(dob), 1, 1)
        assert date(1900, 1, 1) <= born <= TODAY
        if row.get("date_of_death"):
            assert date.fromisoformat(row["date_of_death"]) >= born
    assert row.get("sex", "") in ("", "female", "male", "other", "unknown")
    if row.get("postcode"):
        assert POSTCODE.match(" ".join(row["postcode"].upper().split())), row["postcode"]
    if row.get("upn"):
        assert UPN.match(row["upn"])
    if row.get("uprn"):
        assert row["uprn"].isdigit() and len(row["uprn"]) <= 12
    if row.get("nhs_number"):
        assert len(row["nhs_number"].replace(" ", "")) == 10
    assert row.get("restricted", "") in ("", "true", "false")
    for name in ("given_name", "family_name", "address_line1", "address_line2", "town"):
        assert len(row.get(name, "")) <= 200


def check_involvement(row: dict, known: set[str], as_of: date) -> None:
    assert row["person_source_id"] in known
    assert row["service_category"] in CATEGORIES
    assert row["status"] in ("current", "historic")
    start = date.fromisoformat(row["start_date"]) if row.get("start_date") else None
    end = date.fromisoformat(row["end_date"]) if row.get("end_date") else None
    last = date.fromisoformat(row["last_contact_date"]) if row.get("last_contact_date") else None
    assert (end is None) == (row["status"] == "current")
    if start and end:
        assert start <= end
    for d in (start, end, last):
        assert d is None or date(1900, 1, 1) <= d <= as_of
    for phone in ("lead_phone", "duty_phone"):
        if row.get(phone):
            assert PHONE.match(row[phone]), row[phone]
            assert DRAMA_PHONE.match(row[phone]), row[phone]
    if row.get("lead_email"):
        assert EMAIL.match(row["lead_email"])
    details = row.get("details")
    if details:
        obj = details if isinstance(details, dict) else json.loads(details)
        assert isinstance(obj, dict)
        if row["service_category"] == "education":
            assert obj["school_name"] and obj["admission_type"]
        if row["service_category"] == "housing":
            assert set(obj) == {"rent_arrears", "notice_seeking_possession"}
        if row["service_category"] == "police":
            for offence in obj["offences"]:
                assert set(offence) == {"date", "type", "involvement"}


def test_the_legacy_school_source_uses_the_family_context_layout(small, authority):
    raw = (small / "FC_SCHOOLS_LEGACY" / "extract.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert not (small / "FC_SCHOOLS_LEGACY" / "extract.json").exists()
    with (small / "FC_SCHOOLS_LEGACY" / "extract.csv").open(encoding="utf-8-sig") as f:
        assert next(csv.reader(f)) == FC_COLUMNS
    assert authority.fc_rows
    ddmmyyyy = re.compile(r"^\d\d/\d\d/\d{4}$")
    for row in authority.fc_rows:
        assert row["Service Involvement"] in ("Current", "Historic")
        assert row["Gender"] in ("M", "F")
        for col in (
            "Date Current As Of",
            "Coverage Start Date",
            "Coverage End Date",
            "Start Date Of Last Involvement",
        ):
            assert ddmmyyyy.match(row[col])
        if row["Date Of Birth"]:
            assert ddmmyyyy.match(row["Date Of Birth"])
        assert row["School Name"]


# ---- the ground truth ---------------------------------------------------------------------


def test_ground_truth_covers_every_person_record(authority):
    written = {(code, row["source_id"]) for code, row in authority.all_people()}
    written |= {("FC_SCHOOLS_LEGACY", row["Cms Id"]) for row in authority.fc_rows}
    in_truth = [(r["source"], r["source_id"]) for r in authority.truth_records]
    assert len(in_truth) == len(set(in_truth))
    assert set(in_truth) == written
    assert all(r["person_id"] in authority.truth_people for r in authority.truth_records)


def test_true_relationships_refer_to_real_people_and_come_in_pairs(authority):
    people = authority.truth_people
    pairs = set()
    for rel in authority.truth_relationships:
        assert rel["person_id"] in people and rel["related_person_id"] in people
        assert rel["person_id"] != rel["related_person_id"]
        assert rel["relationship_type"] in VOCABULARY
        if rel["start_date"] and rel["end_date"]:
            assert rel["start_date"] <= rel["end_date"]
        pairs.add((rel["person_id"], rel["related_person_id"]))
    assert all((b, a) in pairs for a, b in pairs)


def test_every_nhs_number_passes_modulus_11_unless_recorded_as_corrupted(authority):
    corrupted = {(r["source"], r["source_id"]) for r in authority.corrupted}
    for r in authority.corrupted:
        assert not nhs_number_is_valid(r["nhs_number_written"])
        assert nhs_number_is_valid(r["nhs_number_true"])
    checked = 0
    for code, row in authority.all_people():
        number = row.get("nhs_number", "")
        if number and (code, row["source_id"]) not in corrupted:
            assert nhs_number_is_valid(number), (code, row["source_id"], number)
            person = authority.truth_people[authority.person_of[(code, row["source_id"])]]
            assert number.replace(" ", "") == person["nhs_number"]
            checked += 1
    assert checked > PEOPLE / 2
    assert all(nhs_number_is_valid(p["nhs_number"]) for p in authority.truth_people.values())


def test_nhs_numbers_are_mostly_held_by_health_sources(authority):
    with_nhs: dict[bool, set[str]] = defaultdict(set)
    share: dict[str, float] = {}
    for code, rows in authority.people.items():
        held = [r for r in rows if r.get("nhs_number")]
        share[code] = len(held) / max(1, len(rows))
        for r in held:
            with_nhs[code in HEALTH].add(authority.person_of[(code, r["source_id"])])
    assert with_nhs[True] - with_nhs[False]  # some people's NHS numbers only in health data
    assert share["GP"] > 0.9
    others = [r for c, rows in authority.people.items() if c not in HEALTH for r in rows]
    assert sum(1 for r in others if r.get("nhs_number")) / len(others) < 0.3


# ---- realism -------------------------------------------------------------------------------


def noise_kinds(authority: Authority) -> Counter:
    kinds: Counter = Counter()
    for r in authority.truth_records:
        kinds.update(k for k in r["noise"].split(";") if k)
    return kinds


def test_records_carry_the_noise_real_sources_have(authority):
    kinds = noise_kinds(authority)
    for kind in (
        "nickname",
        "dob_partial",
        "dob_missing",
        "old_address",
        "duplicate",
        "sex_unknown",
        "previous_names",
    ):
        assert kinds[kind] > 0, kind
    assert kinds["typo_given"] + kinds["typo_family"] > 0


def test_nicknames_partial_dates_and_duplicates_show_in_the_files(authority):
    nicknames = partial = 0
    duplicates = Counter()
    for code, row in authority.all_people():
        person = authority.truth_people[authority.person_of[(code, row["source_id"])]]
        if row["given_name"] in NICKNAMES.get(person["given_name"], ()):
            nicknames += 1
        if len(row.get("date_of_birth", "")) in (4, 7):
            partial += 1
        duplicates[(code, person["person_id"])] += 1
    assert nicknames > 0
    assert partial > 0
    assert any(n > 1 for n in duplicates.values())  # the same person twice in one source


def test_twins_share_surname_birthday_and_home_but_not_given_name(authority):
    people = authority.truth_people
    twins = [p for p in people.values() if p["twin_of"]]
    assert twins
    for p in twins:
        other = people[p["twin_of"]]
        assert other["twin_of"] == p["person_id"]
        assert other["family_name"] == p["family_name"]
        assert other["date_of_birth"] == p["date_of_birth"]
        assert other["given_name"] != p["given_name"]


def test_families_are_varied(demo):
    types = Counter(r["relationship_type"] for r in demo.truth_relationships)
    for t in (
        "mother",
        "father",
        "child",
        "sibling",
        "half_sibling",
        "step_parent",
        "step_sibling",
        "partner",
        "ex_partner",
        "grandparent",
        "household_member",
    ):
        assert types[t] > 0, t
    households = read_csv(demo.out / "truth" / "households.csv")
    kinds = Counter(h["kind"] for h in households)
    for kind in (
        "couple_with_children",
        "single_parent",
        "separated_parent",
        "blended",
        "kinship",
        "left_home",
        "grandparents",
    ):
        assert kinds[kind] > 0, kind
    # A separated father lives at another address from his children.
    people = demo.truth_people
    assert any(
        r["relationship_type"] == "father"
        and people[r["person_id"]]["household_id"] != people[r["related_person_id"]]["household_id"]
        for r in demo.truth_relationships
    )


def test_names_include_diacritics_and_double_barrelled_or_hyphenated_surnames(demo):
    names = [(p["given_name"], p["family_name"]) for p in demo.truth_people.values()]
    assert any(not (g + f).isascii() for g, f in names)
    assert any("-" in f for _g, f in names)
    assert any(" " in f for _g, f in names)
    assert any(p["previous_family_name"] for p in demo.truth_people.values())


def test_sources_record_relationships_in_their_own_way_and_sometimes_wrongly(demo):
    truth = {
        (r["person_id"], r["related_person_id"]): r["relationship_type"]
        for r in demo.truth_relationships
    }
    disagree = one_sided = 0
    for code, rows in demo.relationships.items():
        recorded = set()
        for r in rows:
            a = demo.person_of[(code, r["person_source_id"])]
            b = demo.person_of[(code, r["related_source_id"])]
            recorded.add((a, b))
            if truth.get((a, b)) != r["relationship_type"]:
                disagree += 1
        one_sided += sum(1 for a, b in recorded if (b, a) not in recorded)
    assert disagree > 0
    assert one_sided > 0
    assert {"carer"} <= {r["relationship_type"] for r in demo.relationships["ASC"]}
    assert demo.relationships["HOUSING"] and demo.relationships["SCHOOLS"]
    assert not demo.relationships["GP"]


def test_sources_hold_plausible_slices_by_age(demo):
    def ages(code: str) -> list[float]:
        out = []
        for row in demo.people[code]:
            person = demo.truth_people[demo.person_of[(code, row["source_id"])]]
            out.append((TODAY - date.fromisoformat(person["date_of_birth"])).days / 365.25)
        return out

    involved = {
        code: {r["person_source_id"] for r in rows} for code, rows in demo.involvements.items()
    }
    for code, lo, hi in (
        ("ASC", 18, 120),
        ("PROBATION", 18, 120),
        ("CAMHS", 4, 20),
        ("YJS", 10, 20),
    ):
        for row in demo.people[code]:
            if row["source_id"] in involved[code]:
                person = demo.truth_people[demo.person_of[(code, row["source_id"])]]
                age = (TODAY - date.fromisoformat(person["date_of_birth"])).days / 365.25
                assert lo <= age < hi, (code, age)
    assert min(ages("HV")) < 1
    assert max(ages("SCHOOLS")) > 30  # parents and carers are held as people too


def test_some_people_are_restricted_and_some_leads_have_left(demo):
    assert any(p["restricted"] == "true" for p in demo.truth_people.values())
    assert any(r.get("restricted") == "true" for _c, r in demo.all_people())
    left = [
        r
        for rows in demo.involvements.values()
        for r in rows
        if r["status"] == "current" and not r.get("lead_name") and r.get("duty_phone")
    ]
    assert left


def test_addresses_include_multi_line_fields_and_old_addresses(demo):
    assert any("\n" in r.get("address_line1", "") for _c, r in demo.all_people())
    kinds = noise_kinds(demo)
    assert kinds["old_address"] > 0 and kinds["dob_day_month_swapped"] > 0


@pytest.mark.slow
def test_the_command_writes_whole_lines_to_a_log(tmp_path):
    # Output to a file or pipe (cron, CI): no progress bar to run into the summary's line.
    ran = subprocess.run(
        [sys.executable, "-m", "familyview.cli", "synth", "--people", "50", "--out", tmp_path],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=120,
        check=False,
    )
    said = ran.stdout.decode()
    assert ran.returncode == 0, said
    assert "\r" not in said
    assert said.startswith("Wrote a synthetic Stockport to ")


def test_the_command_dates_a_demo_from_now(tmp_path):
    before = timezone.now().replace(microsecond=0)
    out = tmp_path / "demo"
    call_command("synth", "--people", "40", "--out", str(out), "--extracted-at", "now", "--quiet")
    newest = max(
        datetime.fromisoformat(json.loads(p.read_text())["extracted_at"])
        for p in out.glob("*/extract.json")
    )
    assert before <= newest <= timezone.now()
    with pytest.raises(CommandError, match="has no time zone"):
        call_command("synth", "--out", str(out), "--extracted-at", "2026-12-07T09:00")
