"""The synthetic authority generator: writes every source's extract and the ground truth.

`generate()` builds a true population (population.py), lets each source system take its
slice and keep it badly in its own way (sources.py, noise.py), and writes:

    DIR/sources.toml                    every source, ready for `familyview sources load`
    DIR/<CODE>/extract.json             extract metadata (canonical sources)
    DIR/<CODE>/people.csv|.jsonl        person records
    DIR/<CODE>/involvements.csv|.jsonl  service involvements
    DIR/<CODE>/relationships.csv|.jsonl relationships, as the source records them
    DIR/FC_SCHOOLS_LEGACY/extract.csv   one source in the Family Context single-CSV layout
    DIR/truth/records.csv               which true person every source record belongs to
    DIR/truth/people.csv, households.csv, relationships.csv, nhs_numbers_corrupted.csv

Everything is a function of (people, seed, authority): the same arguments write the same
bytes. Each source draws from its own random stream, so changing one source's habits never
changes another's output.
"""

import csv
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from familyview.sources.columns import INVOLVEMENT_COLUMNS, PEOPLE_COLUMNS, RELATIONSHIP_COLUMNS
from familyview.synth import population as P
from familyview.synth.identifiers import corrupt_nhs_number
from familyview.synth.names import NICKNAMES, STAFF_FAMILY, STAFF_GIVEN
from familyview.synth.noise import Noise, surname_variant, swap_day_month, to_ascii, typo
from familyview.synth.places import AUTHORITIES, LONDON_PREFIX, MOBILE_PREFIX, Authority
from familyview.synth.population import TODAY_ORD, YEAR, Population, build_population, iso
from familyview.synth.sources import (
    AREAS,
    FC_SCHOOL_COLUMNS,
    FC_SCHOOLS_LEGACY,
    SELECTORS,
    SOURCES,
    SourceSpec,
)

MAX_PEOPLE = 5_000_000
MIN_SUBJECTS = 3  # fewest people with an involvement in each source

Progress = Callable[[int], None]


@dataclass
class SynthSummary:
    """What a run wrote: counts per source, the truth's size and how long it took."""

    out: Path
    authority: str
    seed: int
    people: int
    households: int
    person_records: dict[str, int] = field(default_factory=dict)
    involvements: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    true_relationships: int = 0
    corrupted_nhs_numbers: int = 0
    twin_pairs: int = 0
    seconds: float = 0.0

    @property
    def total_person_records(self) -> int:
        """Person records across every source."""
        return sum(self.person_records.values())

    @property
    def total_involvements(self) -> int:
        """Involvements across every source."""
        return sum(self.involvements.values())

    @property
    def total_relationships(self) -> int:
        """Source-recorded relationships across every source."""
        return sum(self.relationships.values())


def progress_total(people: int) -> int:
    """The units `generate` reports through `progress` for this many people.

    One `people` worth for building the population, one per source and one for the truth.
    """
    return people * (len(SOURCES) + 3)


def newest_extract() -> datetime:
    """When the newest of the synthetic sources' extracts is dated, as they are written."""
    return max(datetime.fromisoformat(spec.extracted_at) for spec in (*SOURCES, FC_SCHOOLS_LEGACY))


def generate(
    people: int,
    seed: int,
    out: Path,
    authority: str = "stockport",
    progress: Progress | None = None,
    newest_extract_at: datetime | None = None,
) -> SynthSummary:
    """Write a synthetic authority of `people` people into `out`; return what was written.

    Deterministic: the same people, seed and authority always write the same bytes.
    `progress`, when given, is called with increments adding up to `progress_total(people)`.
    `newest_extract_at` dates the extracts as if the newest were taken then, the others
    as long before it as they are now (a weekly source's some days, the late one weeks):
    a demo made today is as fresh as its sources' cadences say. Only the extracts' dates
    move; the people and their dates are the same whenever they are made.
    """
    if people < 1 or people > MAX_PEOPLE:
        raise ValueError(f"people must be between 1 and {MAX_PEOPLE:,}")
    if authority not in AUTHORITIES:
        raise ValueError(f"unknown authority {authority!r}; known: {', '.join(AUTHORITIES)}")
    started = time.perf_counter()
    report = progress or (lambda _n: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    auth = AUTHORITIES[authority]

    pop = build_population(people, seed, auth, report)
    summary = SynthSummary(
        out=out,
        authority=authority,
        seed=seed,
        people=len(pop),
        households=len(pop.hh_members),
        twin_pairs=pop.twin_pairs,
    )
    truth_dir = out / "truth"
    truth_dir.mkdir(exist_ok=True)
    corrupted: list[tuple[str, str, str, str, str]] = []
    moved = newest_extract_at - newest_extract() if newest_extract_at else timedelta(0)
    with _csv_file(truth_dir / "records.csv") as (_f, records):
        records.writerow(("source", "source_id", "person_id", "noise"))
        for spec in SOURCES:
            run = _SourceRun(spec, pop, auth, seed, out, records, corrupted, report, moved)
            run.run()
            summary.person_records[spec.code] = run.n_people
            summary.involvements[spec.code] = run.n_involvements
            summary.relationships[spec.code] = run.n_relationships
        n_rows, n_people = _write_fc_schools(pop, auth, seed, out, records, report, moved)
        summary.person_records[FC_SCHOOLS_LEGACY.code] = n_people
        summary.involvements[FC_SCHOOLS_LEGACY.code] = n_rows
        summary.relationships[FC_SCHOOLS_LEGACY.code] = 0
    summary.corrupted_nhs_numbers = len(corrupted)
    summary.true_relationships = _write_truth(pop, truth_dir, corrupted, report)
    _write_sources_toml(out / "sources.toml", auth)
    summary.seconds = time.perf_counter() - started
    return summary


# ---- writing ------------------------------------------------------------------------------


class _csv_file:
    """A CSV file and its writer: Excel style (BOM, CRLF) or plain (LF)."""

    def __init__(self, path: Path, excel: bool = False) -> None:
        self.path = path
        self.excel = excel

    def __enter__(self) -> tuple[Any, Any]:
        self.f = self.path.open("w", encoding="utf-8-sig" if self.excel else "utf-8", newline="")
        return self.f, csv.writer(self.f, lineterminator="\r\n" if self.excel else "\n")

    def __exit__(self, *exc: object) -> None:
        self.f.close()


def _write_table(
    folder: Path,
    name: str,
    fmt: str,
    columns: tuple[str, ...],
    rows: list[list],
    nulls: bool = True,
) -> None:
    """One extract file in the source's format, header (or keys) first."""
    if fmt == "jsonl":
        dumps = json.dumps
        with (folder / f"{name}.jsonl").open("w", encoding="utf-8", newline="\n") as f:
            lines = []
            for row in rows:
                if nulls:
                    obj = {c: (v if v != "" else None) for c, v in zip(columns, row, strict=True)}
                else:
                    obj = {c: v for c, v in zip(columns, row, strict=True) if v != ""}
                lines.append(dumps(obj, ensure_ascii=False))
            f.write("\n".join(lines))
            if lines:
                f.write("\n")
        return
    with _csv_file(folder / f"{name}.csv", excel=fmt == "excel") as (_f, w):
        w.writerow(columns)
        w.writerows(rows)


def _fmt_phone(number: str, style: str) -> str:
    if style == "compact":
        return number.replace(" ", "")
    if style == "international":
        return "+44 " + number[1:]
    return number


def _slug(text: str) -> str:
    return "".join(c for c in to_ascii(text).lower() if c.isalnum())


# ---- one canonical source -------------------------------------------------------------------

_INVERSE_SIMPLE = {
    "mother": "child",
    "father": "child",
    "parent": "child",
    "step_parent": "child",
    "grandparent": "other_relative",
    "sibling": "sibling",
    "half_sibling": "half_sibling",
    "step_sibling": "step_sibling",
    "partner": "partner",
    "ex_partner": "ex_partner",
    "household_member": "household_member",
}
POLICE_OFFENCES = (
    ("assault occasioning actual bodily harm", "offender"),
    ("common assault", "suspect"),
    ("theft", "offender"),
    ("possession of a controlled drug", "offender"),
    ("criminal damage", "suspect"),
    ("public order offence", "offender"),
    ("burglary", "suspect"),
    ("robbery", "suspect"),
    ("harassment", "suspect"),
    ("breach of non-molestation order", "offender"),
    ("drink driving", "offender"),
    ("possession of an offensive weapon", "arrested"),
)
POLICE_CHILD_EVENTS = (
    ("missing person", "missing person"),
    ("child sexual exploitation concern", "victim"),
    ("assault", "victim"),
    ("anti-social behaviour", "suspect"),
    ("robbery", "victim"),
    ("online grooming concern", "victim"),
)


class _SourceRun:
    """Builds and writes one canonical source's extract, and its lines of the truth."""

    def __init__(
        self,
        spec: SourceSpec,
        pop: Population,
        auth: Authority,
        seed: int,
        out: Path,
        records: Any,
        corrupted: list,
        report: Progress,
        moved: timedelta = timedelta(0),
    ) -> None:
        self.spec = spec
        # When the extract is dated: the spec's date, moved (generate's newest_extract_at).
        self.extracted_at = datetime.fromisoformat(spec.extracted_at) + moved
        self.pop = pop
        self.auth = auth
        self.rng = random.Random(f"familyview-synth:{seed}:{spec.code}")
        self.folder = out / spec.code
        self.records = records
        self.corrupted = corrupted
        self.report = report
        self.as_of = datetime.fromisoformat(spec.extracted_at).date().toordinal()
        self.as_of_iso = iso(self.as_of)
        self.cov_start = date.fromisoformat(spec.coverage_start).toordinal()
        self.fmt = spec.fmt
        self.org = spec.organisation.format(**_org_names(auth)) if spec.organisation else ""
        self._id_n = self.rng.randrange(10_000, 90_000)
        self._inv_n = self.rng.randrange(100_000, 900_000)
        self.n_people = self.n_involvements = self.n_relationships = 0
        self._reported = 0
        self._make_teams()

    # ---- identifiers, teams, staff -----------------------------------------------------

    def next_id(self) -> str:
        self._id_n += self.rng.randint(1, 7)
        return self.spec.id_format.format(n=self._id_n)

    def next_involvement_id(self) -> str:
        self._inv_n += self.rng.randint(1, 4)
        return f"{self.spec.code[:3]}-{self._inv_n:08d}"

    def _phone(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.55:
            number = f"{self.auth.landline_prefix}{rng.randrange(1000):03d}"
        elif r < 0.95:
            number = f"{MOBILE_PREFIX}{rng.randrange(1000):03d}"
        else:
            number = f"{LONDON_PREFIX}{rng.randrange(1000):03d}"
        return _fmt_phone(number, self.spec.phone_style)

    def _email_domain(self, team: str) -> str:
        kind = self.spec.email
        if kind == "police":
            return self.auth.police_domain
        if kind == "nhs":
            return "nhs.net"
        if kind == "probation":
            return "justice.gov.uk"
        if kind == "school":
            return f"{_slug(team)[:30]}.sch.uk"
        return self.auth.email_domain

    def _staff(self, team: str, n: int, doctor: bool = False) -> list[tuple[str, str, str, str]]:
        rng = self.rng
        roles = self.spec.roles
        domain = self._email_domain(team)
        staff = []
        for k in range(n):
            given = rng.choice(STAFF_GIVEN)
            family = rng.choice(STAFF_FAMILY)
            role = roles[0] if doctor and k < max(1, n - 1) else rng.choice(roles)
            name = f"Dr {given} {family}" if doctor and role == "GP" else f"{given} {family}"
            email = f"{given}.{family}@{domain}".lower().replace("'", "")
            staff.append((name, role, self._phone(), email))
        return staff

    def _make_teams(self) -> None:
        """Teams with duty lines and staff; area teams per area of the authority."""
        spec = self.spec
        pop = self.pop
        rng = self.rng
        land = self.auth.landline_prefix
        self.teams: list[tuple[str, str, list]] = []
        self.area_teams: dict[int, list[int]] = {}
        self.other_teams: list[int] = []
        if spec.category == "education":
            for name, phone, _estab, _phase in pop.schools:
                self.teams.append((name, phone, self._staff(name, rng.randint(1, 3))))
            return
        if spec.category == "gp":
            for name, phone in pop.practices:
                self.teams.append((name, phone, self._staff(name, rng.randint(2, 6), True)))
            return
        names = _org_names(self.auth)
        for template in spec.teams:
            if "{area}" in template:
                for a, area in enumerate(AREAS):
                    name = template.format(area=area, **names)
                    self.area_teams.setdefault(a, []).append(len(self.teams))
                    duty = _fmt_phone(f"{land}{rng.randrange(1000):03d}", spec.phone_style)
                    self.teams.append((name, duty, self._staff(name, rng.randint(4, 12))))
            else:
                name = template.format(**names)
                self.other_teams.append(len(self.teams))
                duty = _fmt_phone(f"{land}{rng.randrange(1000):03d}", spec.phone_style)
                self.teams.append((name, duty, self._staff(name, rng.randint(3, 10))))

    def _team_for(self, p: int) -> int:
        rng = self.rng
        loc = self.pop.a_locality[self.pop.addr[p]]
        local = self.area_teams.get(loc % len(AREAS))
        if local and (not self.other_teams or rng.random() < 0.65):
            return rng.choice(local)
        return rng.choice(self.other_teams or local or [0])

    # ---- the run ----------------------------------------------------------------------

    def tick(self, fraction: float) -> None:
        """Report progress through this source as a share of one `people` unit."""
        done = int(len(self.pop) * fraction)
        if done > self._reported:
            self.report(done - self._reported)
            self._reported = done

    def run(self) -> None:
        spec = self.spec
        pop = self.pop
        rng = self.rng
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in ("people", "involvements", "relationships"):
            for ext in ("csv", "jsonl"):
                # An earlier run's file must not linger beside this run's extract.
                (self.folder / f"{name}.{ext}").unlink(missing_ok=True)
        subjects, related = SELECTORS[spec.select](pop, rng, self.as_of)
        as_of = self.as_of
        subjects = [p for p in subjects if pop.dob[p] <= as_of]
        if len(subjects) < MIN_SUBJECTS:
            related += self._top_up(subjects)
        members: dict[int, None] = {}
        for p in subjects:
            members[p] = None
        for p in related:
            if pop.dob[p] <= as_of:
                members[p] = None
        order = list(members)
        rng.shuffle(order)  # source ids say nothing about families
        self.tick(0.1)

        sid: dict[int, str] = {}
        dup: dict[int, str] = {}
        rows: list[list] = []
        code = spec.code
        records = self.records
        noise = spec.noise
        dup_noise = noise.for_duplicates()
        p_dup = noise.duplicate
        truth_rows = []
        for p in order:
            s = self.next_id()
            sid[p] = s
            row, kinds = self.person_row(p, s, noise)
            rows.append(row)
            truth_rows.append((code, s, f"P{p:07d}", ";".join(kinds)))
            if rng.random() < p_dup:
                s2 = self.next_id()
                dup[p] = s2
                row, kinds = self.person_row(p, s2, dup_noise)
                rows.append(row)
                truth_rows.append((code, s2, f"P{p:07d}", ";".join(["duplicate", *kinds])))
        records.writerows(truth_rows)
        self.n_people = len(rows)
        if not rows:
            # Nobody for this source in a tiny population: it stays registered but sends
            # nothing, as a file without rows would be refused whole.
            self.tick(1.0)
            return
        cols = spec.people_columns
        if cols != PEOPLE_COLUMNS:
            idx = [PEOPLE_COLUMNS.index(c) for c in cols]
            rows = [[r[i] for i in idx] for r in rows]
        _write_table(self.folder, "people", self.fmt, cols, rows, spec.jsonl_nulls)
        del rows, truth_rows
        self.tick(0.6)

        inv_rows: list[list] = []
        for p in subjects:
            self.involvements(p, sid[p], dup.get(p), inv_rows)
        self.n_involvements = len(inv_rows)
        _write_table(
            self.folder,
            "involvements",
            self.fmt,
            INVOLVEMENT_COLUMNS,
            inv_rows,
            spec.jsonl_nulls,
        )
        del inv_rows
        self.tick(0.85)

        rel_rows = _RELATIONSHIP_STYLES[spec.relationships](self, subjects, sid)
        self.n_relationships = len(rel_rows)
        if rel_rows:  # an optional file; one with no rows would be refused
            _write_table(
                self.folder,
                "relationships",
                self.fmt,
                RELATIONSHIP_COLUMNS,
                rel_rows,
                spec.jsonl_nulls,
            )
        self._write_extract_json()
        self.tick(1.0)

    def _top_up(self, subjects: list[int]) -> list[int]:
        """Adds subjects of the right age to a source a small population left nearly empty.

        Returns their households, to be held as related people.
        """
        pop = self.pop
        lo, hi = self.spec.ages
        taken = set(subjects)
        candidates = [
            p
            for p in range(len(pop))
            if p not in taken
            and pop.dod[p] == 0
            and lo * YEAR <= self.as_of - pop.dob[p] < hi * YEAR
        ]
        extra = self.rng.sample(candidates, min(len(candidates), MIN_SUBJECTS - len(subjects)))
        subjects += extra
        if self.spec.relationships == "none":
            return []
        return [m for p in extra for m in pop.hh_members[pop.hh[p]]]

    def _write_extract_json(self) -> None:
        spec = self.spec
        meta = {
            "source": spec.code,
            "extracted_at": self.extracted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "kind": "full",
            "coverage_start": spec.coverage_start,
            "coverage_end": iso(self.as_of),
            "coverage_area": spec.coverage_area.format(authority=self.auth.name),
        }
        (self.folder / "extract.json").write_text(
            json.dumps(meta, indent=2) + "\n", encoding="utf-8"
        )

    # ---- person records --------------------------------------------------------------

    def person_row(self, p: int, s: str, nz: Noise) -> tuple[list[str], list[str]]:
        """One person record as this source holds it, and the kinds of noise applied."""
        pop = self.pop
        rnd = self.rng.random
        rng = self.rng
        kinds: list[str] = []

        given = pop.given[p]
        nicks = NICKNAMES.get(given)
        if nicks and rnd() < nz.nickname:
            given = rng.choice(nicks)
            kinds.append("nickname")
        elif rnd() < nz.typo_given:
            given = typo(given, rng)
            kinds.append("typo_given")
        middle = pop.middle[p] if rnd() < nz.middle else ""

        family = pop.family[p]
        previous = ""
        earlier = pop.prev_family[p]
        if earlier:
            r = rnd()
            if r < nz.stale_surname:
                family = earlier
                kinds.append("earlier_surname")
            elif r < nz.stale_surname + nz.previous_names:
                previous = f"{pop.given[p]} {earlier}"
                kinds.append("previous_names")
        if (" " in family or "-" in family) and rnd() < nz.surname_variant:
            family = surname_variant(family, rng)
            kinds.append("surname_variant")
        if rnd() < nz.typo_family:
            family = typo(family, rng)
            kinds.append("typo_family")
        if nz.ascii_only:
            a_given, a_family = to_ascii(given), to_ascii(family)
            if a_given != given or a_family != family:
                kinds.append("diacritics_dropped")
            given, family = a_given, a_family
            if "'" in family and rnd() < 0.4:
                family = family.replace("'", "")
            middle = to_ascii(middle)
            previous = to_ascii(previous)
        if nz.upper_family:
            family = family.upper()

        dob = iso(pop.dob[p])
        r = rnd()
        if r < nz.dob_missing:
            dob = ""
            kinds.append("dob_missing")
        elif r < nz.dob_missing + nz.dob_partial:
            dob = dob[:4] if rnd() < 0.5 else dob[:7]
            kinds.append("dob_partial")
        elif r < nz.dob_missing + nz.dob_partial + nz.dob_swap:
            day = dob[8:10]
            swapped = swap_day_month(dob)
            # Only where the swap still makes a real, past date: a source would not accept
            # a birth date in the future.
            if day <= "12" and day != dob[5:7] and swapped <= self.as_of_iso:
                dob = swapped
                kinds.append("dob_day_month_swapped")

        sex = pop.sex[p]
        if rnd() < nz.sex_unknown:
            sex = "unknown" if rnd() < 0.5 else ""
            kinds.append("sex_unknown")

        nhs = ""
        if nz.nhs and rnd() < nz.nhs:
            nhs = pop.nhs[p]
            if nz.nhs_corrupt and rnd() < nz.nhs_corrupt:
                bad = corrupt_nhs_number(nhs, rng)
                self.corrupted.append((self.spec.code, s, f"P{p:07d}", bad, nhs))
                nhs = bad
                kinds.append("nhs_corrupted")
            if self.fmt == "jsonl" and rnd() < 0.5:
                nhs = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
        upn = pop.upn[p]

        addr = pop.addr[p]
        since = pop.addr_from[p]
        if pop.prev_addr[p] >= 0 and rnd() < nz.old_address:
            addr = pop.prev_addr[p]
            since = pop.prev_from[p]
            kinds.append("old_address")
        if rnd() < nz.address_missing:
            line1 = line2 = town = postcode = uprn = address_from = ""
            kinds.append("address_missing")
        else:
            line1 = pop.a_line1[addr]
            line2 = pop.a_line2[addr]
            town = pop.a_town[addr]
            postcode = pop.a_postcode[addr]
            flat = pop.a_flat[addr]
            if flat and rnd() < nz.multiline_address:
                # A system that keeps the flat on its own line inside line 1.
                line1 = f"{flat}\n{line1[len(flat) + 1 :]}"
            r = rnd()
            if r < nz.postcode_missing:
                postcode = ""
                kinds.append("postcode_missing")
            elif r < nz.postcode_missing + nz.postcode_messy:
                postcode = postcode.replace(" ", "") if rnd() < 0.5 else postcode.lower()
            uprn = pop.a_uprn[addr] if rnd() < nz.uprn else ""
            address_from = iso(since) if nz.address_from and rnd() < nz.address_from else ""
            if nz.ascii_only:
                line1 = to_ascii(line1)
                line2 = to_ascii(line2)

        dod = iso(pop.dod[p]) if pop.dod[p] else ""
        if pop.restricted[p] and rnd() < nz.restricted_known:
            restricted = "true"
        else:
            restricted = "false" if self.spec.restricted_false else ""
        return [
            s,
            given,
            middle,
            family,
            previous,
            dob,
            sex,
            nhs,
            upn,
            line1,
            line2,
            town,
            postcode,
            uprn,
            address_from,
            dod,
            restricted,
        ], kinds

    # ---- involvements -----------------------------------------------------------------

    def _details(self, details: dict) -> Any:
        if not details:
            return ""
        if self.fmt == "jsonl":
            return details
        return json.dumps(details, ensure_ascii=False)

    def _episode(self, p: int, current: bool, before: int) -> tuple[int, int, int]:
        """(start, end, last contact) ordinals; end is 0 for a current involvement."""
        rng = self.rng
        pop = self.pop
        as_of = self.as_of
        earliest = max(self.cov_start, pop.dob[p])
        if pop.dod[p]:
            current = False
            before = min(before, pop.dod[p])
        latest = min(before, as_of)
        if current:
            lo = max(earliest, as_of - 3 * 365)
            start = rng.randint(lo, as_of - 7) if lo < as_of - 7 else min(lo, as_of)
            last = rng.randint(max(start, as_of - 90), as_of)
            return start, 0, last
        hi = max(earliest, latest - 30)
        start = rng.randint(earliest, max(earliest, hi - 30))
        end = min(hi, start + rng.randint(30, 720))
        end = max(end, start)
        last = rng.randint(max(start, end - 60), end)
        return start, end, last

    def _lead(self, team: int, current: bool) -> tuple[str, str, str, str]:
        rng = self.rng
        staff = self.teams[team][2]
        if current and rng.random() < self.spec.lead_left:
            return ("", "", "", "")  # the lead has left: the duty line is all there is
        if not current and rng.random() < 0.4:
            return ("", "", "", "")
        name, role, phone, email = rng.choice(staff)
        r = rng.random()
        if r < 0.05:
            email = ""
        elif r < 0.1:
            phone = ""
        return name, role, phone, email

    def involvements(self, p: int, s: str, s_dup: str | None, out: list[list]) -> None:
        """This subject's involvements with the service, newest first."""
        spec = self.spec
        rng = self.rng
        cat = spec.category
        if cat == "education":
            self._school_involvements(p, s, out)
            return
        if cat == "gp":
            self._gp_involvement(p, s, out)
            return
        current = rng.random() < spec.current_share
        episodes = [current]
        if rng.random() < spec.second_episode:
            episodes.append(False)
        before = TODAY_ORD + 1
        pop = self.pop
        earliest = max(self.cov_start, pop.dob[p])
        for k, is_current in enumerate(episodes):
            if k > 0 and before - 90 < earliest:
                break  # no room for an earlier episode within the coverage
            start, end, last = self._episode(p, is_current, before)
            before = start - 1
            team = self._team_for(p)
            name, duty, _staff = self.teams[team]
            lead = self._lead(team, end == 0)
            details: dict = {}
            if cat == "police":
                details = self._police_details(p, start, end or self.as_of)
            elif cat == "housing":
                need = pop.hh_need[pop.hh[p]]
                details = {
                    "rent_arrears": rng.random() < (0.12, 0.3, 0.45)[need],
                    "notice_seeking_possession": rng.random() < (0.02, 0.06, 0.12)[need],
                }
            owner = s_dup if s_dup and k == 0 and rng.random() < 0.5 else s
            out.append(
                [
                    self.next_involvement_id(),
                    owner,
                    cat,
                    "current" if end == 0 else "historic",
                    name,
                    self.org,
                    iso(start),
                    iso(end) if end else "",
                    iso(last) if rng.random() < 0.9 else "",
                    *lead,
                    duty,
                    self._details(details),
                ]
            )

    def _police_details(self, p: int, start: int, end: int) -> dict:
        rng = self.rng
        pop = self.pop
        flags = pop.flags[p]
        n = rng.choices((1, 2, 3, 4, 5), (45, 25, 15, 10, 5))[0]
        offences = []
        for _ in range(n):
            if flags & P.DA_VICTIM and rng.random() < 0.7:
                kind = ("domestic abuse", "victim")
            elif flags & P.DA_PERPETRATOR and rng.random() < 0.7:
                kind = ("domestic abuse", rng.choice(("suspect", "offender")))
            elif (end - pop.dob[p]) < 18 * YEAR:
                kind = rng.choice(POLICE_CHILD_EVENTS)
            else:
                kind = rng.choice(POLICE_OFFENCES)
            when = rng.randint(start, max(start, end))
            offences.append({"date": iso(when), "type": kind[0], "involvement": kind[1]})
        offences.sort(key=lambda o: o["date"], reverse=True)
        return {"offences": offences}

    def _school_involvements(self, p: int, s: str, out: list[list]) -> None:
        """The current school, and the primary school a secondary pupil left."""
        pop = self.pop
        rng = self.rng
        as_of = self.as_of
        hh = pop.hh[p]
        year_group = P.school_year(pop.dob[p], as_of)
        on = date.fromordinal(as_of)
        start_year = on.year - year_group - (1 if on.month < 9 else 0)
        primary, secondary = pop.hh_primary[hh], pop.hh_secondary[hh]
        episodes: list[tuple[int, int, int]] = []  # (school, start, end)
        sec_start = date(start_year + 7, 9, 1).toordinal()
        if year_group >= 7:
            episodes.append((secondary, sec_start, 0))
            episodes.append(
                (
                    primary,
                    date(start_year, 9, 1).toordinal(),
                    date(start_year + 7, 7, 20).toordinal(),
                )
            )
        else:
            episodes.append((primary, date(start_year, 9, 1).toordinal(), 0))
        for k, (school, start, end) in enumerate(episodes):
            if end and end < self.cov_start:
                continue
            status = "current" if end == 0 else "historic"
            if k == 0 and rng.random() > self.spec.current_share:
                # Left the area or home educated: the last school is now historic.
                end = rng.randint(max(start, as_of - 700), as_of - 10)
                status = "historic"
            name, phone, staff = self.teams[school]
            lead = rng.choice(staff) if rng.random() < 0.9 else ("", "", "", "")
            admission = (
                "full-time"
                if rng.random() < 0.95
                else rng.choice(("part-time", "alternative provision"))
            )
            last = as_of - rng.randrange(0, 30) if end == 0 else end
            if k == 1:
                team = "Year 6"
            else:
                team = "Reception" if year_group <= 0 else f"Year {min(13, year_group)}"
            out.append(
                [
                    self.next_involvement_id(),
                    s,
                    "education",
                    status,
                    team,
                    name,
                    iso(max(start, pop.dob[p])),
                    iso(end) if end else "",
                    iso(last),
                    *lead,
                    phone,
                    self._details({"school_name": name, "admission_type": admission}),
                ]
            )

    def _gp_involvement(self, p: int, s: str, out: list[list]) -> None:
        pop = self.pop
        rng = self.rng
        practice = pop.hh_gp[pop.hh[p]]
        name, phone, staff = self.teams[practice]
        start = max(pop.dob[p] + 14, pop.addr_from[p] - rng.randrange(0, 400))
        start = min(start, self.as_of)
        end = pop.dod[p] if pop.dod[p] else 0
        if not end and rng.random() > self.spec.current_share:
            end = rng.randint(min(start, self.as_of - 30), self.as_of - 1)  # deregistered
        if end:
            start = min(start, end)
        gps = [x for x in staff if x[1] == "GP"] or staff
        lead = rng.choice(gps) if rng.random() < 0.85 else ("", "", "", "")
        last = rng.randint(start, end or self.as_of) if rng.random() < 0.8 else 0
        out.append(
            [
                self.next_involvement_id(),
                s,
                "gp",
                "historic" if end else "current",
                name,
                name,
                iso(start),
                iso(end) if end else "",
                iso(last) if last else "",
                *lead,
                phone,
                "",
            ]
        )


def _org_names(auth: Authority) -> dict[str, str]:
    return {
        "authority": auth.name,
        "council": auth.council,
        "council_short": auth.council_short,
        "police": auth.police_force,
        "mh_trust": auth.mental_health_trust,
        "community_trust": auth.community_trust,
        "housing": auth.housing_org,
        "probation": auth.probation_region,
    }


# ---- relationships as each kind of source records them -----------------------------------


def _inverse(pop: Population, a: int, t: str) -> str:
    """What a is to b, when b is `t` to a."""
    if t == "child":
        return "mother" if pop.sex[a] == "female" else "father"
    if t == "other_relative":
        return "grandparent"
    return _INVERSE_SIMPLE.get(t, "other_relative")


def _parent_word(pop: Population, p: int) -> str:
    return "mother" if pop.sex[p] == "female" else "father"


def _family_type(run: _SourceRun, child: int, other: int, t: str) -> str:
    """A children's services case system's relationship type, sometimes wrong."""
    r = run.rng.random()
    pop = run.pop
    if t == "father":
        return "step_parent" if r < 0.02 else "parent" if r < 0.1 else t
    if t == "mother":
        return "parent" if r < 0.08 else t
    if t == "step_parent":
        return _parent_word(pop, other) if r < 0.2 else "carer" if r < 0.3 else t
    if t == "grandparent":
        if pop.hh[other] == pop.hh[child]:
            return "carer" if r < 0.4 else "guardian" if r < 0.6 else t
        return "other_relative" if r < 0.1 else t
    if t == "half_sibling":
        return "sibling" if r < 0.3 else t
    if t == "step_sibling":
        return "sibling" if r < 0.25 else "household_member" if r < 0.35 else t
    if t == "sibling":
        return "half_sibling" if r < 0.03 else t
    if t == "ex_partner":
        return "partner" if r < 0.1 else t
    return t


def _rel_row(
    run: _SourceRun, sid: dict[int, str], a: int, b: int, t: str, start: int = 0, end: int = 0
) -> list[str]:
    dated = run.spec.dated_relationships
    return [
        sid[a],
        sid[b],
        t,
        iso(start) if dated and start else "",
        iso(end) if dated and end else "",
    ]


def _style_none(run: _SourceRun, subjects: list[int], sid: dict[int, str]) -> list[list]:
    return []


def _style_family(run: _SourceRun, subjects: list[int], sid: dict[int, str]) -> list[list]:
    """Children's social care and early help: the child's family members and carers."""
    pop = run.pop
    rng = run.rng
    rows: list[list] = []
    done: set[tuple[int, int]] = set()
    for c in subjects:
        for o, t, st, en in pop.rels[c]:
            if o not in sid or (c, o) in done:
                continue
            done.add((c, o))
            rows.append(_rel_row(run, sid, c, o, _family_type(run, c, o, t), st, en))
            if rng.random() < 0.5 and (o, c) not in done:
                done.add((o, c))
                rows.append(_rel_row(run, sid, o, c, _inverse(pop, o, t), st, en))
        # The adults around the child: partners and ex-partners among them.
        for a in pop.hh_members[pop.hh[c]]:
            if a not in sid:
                continue
            for o, t, st, en in pop.rels[a]:
                if t in ("partner", "ex_partner") and o in sid and (a, o) not in done:
                    done.add((a, o))
                    if rng.random() < 0.7:
                        rows.append(_rel_row(run, sid, a, o, _family_type(run, a, o, t), st, en))
    return rows


def _style_school(run: _SourceRun, subjects: list[int], sid: dict[int, str]) -> list[list]:
    """Schools: each pupil's parents and carers (contacts), from the pupil's side only."""
    pop = run.pop
    rng = run.rng
    rows = []
    for c in subjects:
        for o, t, st, en in pop.rels[c]:
            if o not in sid or t not in ("mother", "father", "step_parent", "grandparent"):
                continue
            r = rng.random()
            if t in ("mother", "father"):
                t2 = t if r < 0.65 else "parent" if r < 0.9 else "carer"
            elif t == "step_parent":
                t2 = t if r < 0.4 else _parent_word(pop, o) if r < 0.75 else "carer"
            else:
                t2 = "carer" if r < 0.6 else t if r < 0.85 else "guardian"
            rows.append(_rel_row(run, sid, c, o, t2, st, en))
    return rows


def _style_parents(run: _SourceRun, subjects: list[int], sid: dict[int, str]) -> list[list]:
    """Youth justice, CAMHS, SEND: the child's parents or carers, mostly one way."""
    pop = run.pop
    rng = run.rng
    rows = []
    for c in subjects:
        for o, t, st, en in pop.rels[c]:
            if o not in sid or t not in ("mother", "father", "step_parent", "grandparent"):
                continue
            r = rng.random()
            if t in ("mother", "father"):
                t2 = t if r < 0.8 else "parent"
            elif t == "step_parent":
                t2 = t if r < 0.6 else "carer"
            else:
                t2 = "carer" if r < 0.5 else t
            rows.append(_rel_row(run, sid, c, o, t2, st, en))
            if rng.random() < 0.3:
                rows.append(_rel_row(run, sid, o, c, "child", st, en))
    return rows


def _style_tenancy(run: _SourceRun, subjects: list[int], sid: dict[int, str]) -> list[list]:
    """Housing: the tenant and everyone on the tenancy, as the tenancy describes them."""
    pop = run.pop
    rng = run.rng
    rows = []
    by_hh: dict[int, list[int]] = {}
    for p in subjects:
        by_hh.setdefault(pop.hh[p], []).append(p)
    for members in by_hh.values():
        if len(members) < 2:
            continue
        tenant = min(members, key=lambda m: (pop.dob[m], m))  # the eldest holds the tenancy
        truth = {o: t for o, t, _s, _e in pop.rels[tenant]}
        for m in members:
            if m == tenant:
                continue
            t = truth.get(m, "household_member")
            if t not in ("partner", "child") or (t == "child" and rng.random() < 0.1):
                t = "household_member"
            start = pop.addr_from[m] if rng.random() < 0.5 else 0
            rows.append(_rel_row(run, sid, tenant, m, t, start))
            if rng.random() < 0.2:
                back = "partner" if t == "partner" else "household_member"
                rows.append(_rel_row(run, sid, m, tenant, back, start))
    return rows


def _style_carer(run: _SourceRun, subjects: list[int], sid: dict[int, str]) -> list[list]:
    """Adult social care: the person's informal carers."""
    pop = run.pop
    rng = run.rng
    rows = []
    for a in subjects:
        for o, t, st, _en in pop.rels[a]:
            if o in sid and pop.flags[o] & P.CARER and t in ("partner", "child"):
                rows.append(_rel_row(run, sid, a, o, "carer", st))
                if rng.random() < 0.2:
                    rows.append(_rel_row(run, sid, o, a, _inverse(pop, o, t)))
    return rows


def _style_police(run: _SourceRun, subjects: list[int], sid: dict[int, str]) -> list[list]:
    """Police: the parties to domestic incidents, and the children present."""
    pop = run.pop
    rng = run.rng
    rows = []
    done: set[tuple[int, int]] = set()
    for v in subjects:
        if not pop.flags[v] & P.DA_VICTIM:
            continue
        for o, t, st, en in pop.rels[v]:
            if o not in sid:
                continue
            if t in ("partner", "ex_partner") and (v, o) not in done:
                done.add((v, o))
                done.add((o, v))
                t2 = t if rng.random() < 0.8 else ("ex_partner" if t == "partner" else "partner")
                rows.append(_rel_row(run, sid, v, o, t2, st, en))
                if rng.random() < 0.6:
                    rows.append(_rel_row(run, sid, o, v, t2, st, en))
            elif t == "child" and pop.hh[o] == pop.hh[v]:
                t2 = _parent_word(pop, v) if rng.random() < 0.5 else "household_member"
                rows.append(_rel_row(run, sid, o, v, t2))
    return rows


def _style_hv(run: _SourceRun, subjects: list[int], sid: dict[int, str]) -> list[list]:
    """Health visiting: the child's mother (and father, when known)."""
    pop = run.pop
    rng = run.rng
    rows = []
    for c in subjects:
        for o, t, _st, _en in pop.rels[c]:
            if o in sid and t in ("mother", "father"):
                rows.append(_rel_row(run, sid, c, o, t if rng.random() < 0.95 else "parent"))
                if rng.random() < 0.4:
                    rows.append(_rel_row(run, sid, o, c, "child"))
    return rows


def _style_da(run: _SourceRun, subjects: list[int], sid: dict[int, str]) -> list[list]:
    """Domestic abuse service: the victim's children and the person who harmed them."""
    pop = run.pop
    rng = run.rng
    rows = []
    for v in subjects:
        for o, t, st, en in pop.rels[v]:
            if o not in sid:
                continue
            if t == "child":
                rows.append(_rel_row(run, sid, v, o, "child"))
                if rng.random() < 0.5:
                    rows.append(_rel_row(run, sid, o, v, _parent_word(pop, v)))
            elif t in ("partner", "ex_partner"):
                rows.append(_rel_row(run, sid, v, o, t, st, en))
    return rows


def _style_children(run: _SourceRun, subjects: list[int], sid: dict[int, str]) -> list[list]:
    """Substance misuse: children of the adult in treatment (hidden harm)."""
    pop = run.pop
    return [
        _rel_row(run, sid, a, o, "child")
        for a in subjects
        for o, t, _st, _en in pop.rels[a]
        if t == "child" and o in sid
    ]


def _style_nearest_relative(
    run: _SourceRun, subjects: list[int], sid: dict[int, str]
) -> list[list]:
    """Adult mental health: the nearest relative, one way."""
    pop = run.pop
    rng = run.rng
    rows = []
    for a in subjects:
        for o, t, st, _en in pop.rels[a]:
            if o in sid and t in ("partner", "mother"):
                rows.append(_rel_row(run, sid, a, o, "carer" if rng.random() < 0.3 else t, st))
    return rows


_RELATIONSHIP_STYLES: dict[str, Callable[[_SourceRun, list[int], dict[int, str]], list[list]]] = {
    "none": _style_none,
    "family": _style_family,
    "school": _style_school,
    "parents": _style_parents,
    "tenancy": _style_tenancy,
    "carer": _style_carer,
    "police": _style_police,
    "hv": _style_hv,
    "da": _style_da,
    "children": _style_children,
    "nearest_relative": _style_nearest_relative,
}


# ---- the Family Context legacy school extract ---------------------------------------------


def _ddmmyyyy(ordinal: int) -> str:
    d = date.fromordinal(ordinal)
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def _write_fc_schools(
    pop: Population,
    auth: Authority,
    seed: int,
    out: Path,
    records: Any,
    report: Progress,
    moved: timedelta = timedelta(0),
) -> tuple[int, int]:
    """The legacy schools source: one CSV row per pupil and school, dates as DD/MM/YYYY.

    Returns (rows written, distinct pupils).
    """
    spec = FC_SCHOOLS_LEGACY
    run = _SourceRun(spec, pop, auth, seed, out, records, [], report, moved)
    run.folder.mkdir(parents=True, exist_ok=True)
    rng = run.rng
    subjects, _ = SELECTORS[spec.select](pop, rng, run.as_of)
    subjects = list(subjects)
    if len(subjects) < MIN_SUBJECTS:
        run._top_up(subjects)
    rng.shuffle(subjects)
    run.tick(0.2)
    as_of = _ddmmyyyy(run.as_of)
    extracted = _ddmmyyyy(run.extracted_at.date().toordinal())
    cov_start = _ddmmyyyy(run.cov_start)
    area = auth.name
    rows = []
    truth_rows = []
    for p in subjects:
        s = run.next_id()
        person, kinds = run.person_row(p, s, spec.noise)
        truth_rows.append((spec.code, s, f"P{p:07d}", ";".join(kinds)))
        given, family, dob, sex = person[1], person[3], person[5], person[6]
        # This system holds full dates only, as DD/MM/YYYY.
        dob = _ddmmyyyy(pop.dob[p]) if len(dob) == 10 else ""
        gender = "F" if sex == "female" else "M" if sex == "male" else ""
        parts = [x for x in (person[9], person[10], person[11], person[12]) if x]
        address = ", ".join(parts).replace("\n", ", ")
        if rng.random() < 0.1:
            address = "\n".join(parts)  # pasted from a letter, one line per part
        inv: list[list] = []
        run._school_involvements(p, s, inv)
        for row in inv:
            details = json.loads(row[14])
            start = date.fromisoformat(row[6]).toordinal()
            last = date.fromisoformat(row[8]).toordinal() if row[8] else 0
            rows.append(
                [
                    s,
                    given,
                    family,
                    dob,
                    gender,
                    address,
                    "Current" if row[3] == "current" else "Historic",
                    details["school_name"],
                    row[13],
                    details["admission_type"].capitalize(),
                    extracted,
                    cov_start,
                    as_of,
                    area,
                    _ddmmyyyy(last) if last else "",
                    _ddmmyyyy(start),
                ]
            )
    records.writerows(truth_rows)
    with _csv_file(run.folder / "extract.csv", excel=True) as (_f, w):
        w.writerow(FC_SCHOOL_COLUMNS)
        w.writerows(rows)
    run.tick(1.0)
    return len(rows), len(subjects)


# ---- ground truth and registration -------------------------------------------------------------


def _write_truth(pop: Population, folder: Path, corrupted: list, report: Progress) -> int:
    """The truth files; returns how many true relationships were written."""
    n = len(pop)
    with _csv_file(folder / "people.csv") as (_f, w):
        w.writerow(
            (
                "person_id",
                "given_name",
                "family_name",
                "date_of_birth",
                "sex",
                "household_id",
                "twin_of",
                "middle_names",
                "previous_family_name",
                "nhs_number",
                "upn",
                "uprn",
                "postcode",
                "restricted",
                "date_of_death",
                "family_cluster",
            )
        )
        w.writerows(
            (
                f"P{p:07d}",
                pop.given[p],
                pop.family[p],
                iso(pop.dob[p]),
                pop.sex[p],
                f"H{pop.hh[p]:07d}",
                f"P{pop.twin_of[p]:07d}" if pop.twin_of[p] >= 0 else "",
                pop.middle[p],
                pop.prev_family[p],
                pop.nhs[p],
                pop.upn[p],
                pop.a_uprn[pop.addr[p]],
                pop.a_postcode[pop.addr[p]],
                "true" if pop.restricted[p] else "false",
                iso(pop.dod[p]) if pop.dod[p] else "",
                f"F{pop.cluster[p]:07d}",
            )
            for p in range(n)
        )
    report(n // 3)
    with _csv_file(folder / "households.csv") as (_f, w):
        w.writerow(
            (
                "household_id",
                "kind",
                "address_line1",
                "address_line2",
                "town",
                "postcode",
                "uprn",
                "members",
            )
        )
        w.writerows(
            (
                f"H{h:07d}",
                pop.hh_kind[h],
                pop.a_line1[a],
                pop.a_line2[a],
                pop.a_town[a],
                pop.a_postcode[a],
                pop.a_uprn[a],
                len(pop.hh_members[h]),
            )
            for h, a in enumerate(pop.hh_addr)
            if pop.hh_members[h]  # a household everyone left (for a refuge) is gone
        )
    count = 0
    with _csv_file(folder / "relationships.csv") as (_f, w):
        w.writerow(
            ("person_id", "related_person_id", "relationship_type", "start_date", "end_date")
        )
        for p in range(n):
            pid = f"P{p:07d}"
            rows = [
                (pid, f"P{o:07d}", t, iso(st) if st else "", iso(en) if en else "")
                for o, t, st, en in pop.rels[p]
            ]
            count += len(rows)
            w.writerows(rows)
    report(n // 3)
    with _csv_file(folder / "nhs_numbers_corrupted.csv") as (_f, w):
        w.writerow(("source", "source_id", "person_id", "nhs_number_written", "nhs_number_true"))
        w.writerows(corrupted)
    report(n - 2 * (n // 3))
    return count


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _write_sources_toml(path: Path, auth: Authority) -> None:
    """Registers every source, ready for `familyview sources load`."""
    names = _org_names(auth)
    lines = [
        f"# Synthetic sources for {auth.name} written by `familyview synth`.",
        "# Load with: familyview sources load sources.toml",
        "",
    ]
    rng = random.Random(f"familyview-synth:duty:{auth.code}")
    for spec in (*SOURCES, FC_SCHOOLS_LEGACY):
        org = spec.organisation.format(**names) if spec.organisation else "GP practices"
        duty = f"{auth.landline_prefix}{rng.randrange(1000):03d}"
        mapping = "family-context-cdm-school" if spec is FC_SCHOOLS_LEGACY else "canonical"
        lines += [
            "[[source]]",
            f"code = {_toml_string(spec.code)}",
            f"name = {_toml_string(spec.name)}",
            f"authority = {_toml_string(auth.code)}",
            f"service_category = {_toml_string(spec.category)}",
            f"organisation = {_toml_string(org)}",
            f"duty_phone = {_toml_string(duty)}",
            f"expected_every_days = {spec.expected_every_days}",
            f"mapping = {_toml_string(mapping)}",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
