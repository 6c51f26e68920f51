"""A population shaped unlike the synthetic authority's, written as its sources would send it.

`familyview synth` (familyview/synth) makes the authority the product was tuned on. This
makes another, on purpose shaped otherwise, so that `make eval-linkage` measures whether
the person index generalises rather than whether it fits one generator:

- names from several countries' conventions: double surnames passed on from both parents
  (Spanish), a calling name in the middle (Muhammad Imran, known as Imran), family name
  first in some sources (Chinese, Hungarian), familiar forms and spellings of each;
- households where a father and son share a given name (and often a middle name),
  twins, siblings born on one date, grandparents, adult children at home, single adults;
- several sources: some for adults only (probation, adult social care, adult mental
  health), some that hold most of their people more than once (housing, early help,
  police), a share of records without a date of birth or sex (`missing`);
- postcodes that say a street (`postcodes="street"`, a full UK postcode) or only an area
  (`postcodes="area"`, the outward code such as M14 or LS12: thousands of people share one).

It writes the canonical layout (and the Family Context layout for housing and probation)
as `identity/corpora.py` writes FEBRL, with a truth that knows families:

    OUT/sources.toml, OUT/<CODE>/..., OUT/truth/records.csv, relationships.csv, people.csv

Records are sent under opaque ids (a shuffled counter per source). Seeded: one seed, one
corpus, byte for byte. Nothing here touches the database.
"""

import json
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from familyview.identity.corpora import (
    CANONICAL_INVOLVEMENT_COLUMNS,
    CONTACT,
    FAMILY_CONTEXT_COLUMNS,
    TRUTH_RECORD_COLUMNS,
    TRUTH_RELATIONSHIP_COLUMNS,
    WrittenCorpus,
    _opaque_ids,
    _write_csv,
)

POSTCODE_SHAPES = ("street", "area")
AUTHORITY = "shapes"
TODAY = date(2026, 6, 30)
COVERAGE_START = date(2005, 1, 1)
COVERAGE_AREA = "A population shaped unlike the synthetic authority's"
PEOPLE_COLUMNS = (
    "source_id",
    "given_name",
    "middle_names",
    "family_name",
    "date_of_birth",
    "sex",
    "nhs_number",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
)

# ---- names: each convention's given names (female, male), family names, familiar forms --


@dataclass(frozen=True)
class Convention:
    """How one community names its people."""

    weight: float
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]
    # A familiar form or another spelling a source may write instead.
    forms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    double_surname: bool = False  # each child takes both parents' first surnames
    calling_middle: bool = False  # a first name most are not called by (Muhammad Imran)
    family_first: float = 0.0  # the share of records with the family name written first
    middle_share: float = 0.3  # people with a middle name


def _w(text: str) -> tuple[str, ...]:
    return tuple(text.split())


CONVENTIONS = {
    "english": Convention(
        0.38,
        _w(
            "Olivia Amelia Isla Ava Mia Grace Sophie Lily Emily Ella Poppy Freya Evie Chloe "
            "Jessica Katherine Elizabeth Rebecca Hannah Lucy Sarah Emma Charlotte Abigail"
        ),
        _w(
            "Oliver George Harry Jack Jacob Noah Charlie Thomas Oscar William James Alfie "
            "Joshua Daniel Samuel Joseph Michael Matthew Robert Christopher Benjamin Lewis"
        ),
        _w(
            "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson "
            "Evans Walker White Roberts Green Hall Wood Jackson Clarke Hughes Edwards Turner"
        ),
        {
            "Katherine": ("Kate", "Katie", "Catherine"),
            "Elizabeth": ("Beth", "Liz", "Lizzie"),
            "Rebecca": ("Becky",),
            "Abigail": ("Abbie",),
            "Jessica": ("Jess",),
            "Thomas": ("Tom", "Tommy"),
            "William": ("Will", "Billy"),
            "James": ("Jim", "Jamie"),
            "Joshua": ("Josh",),
            "Daniel": ("Dan", "Danny"),
            "Samuel": ("Sam",),
            "Joseph": ("Joe",),
            "Michael": ("Mike", "Mick"),
            "Matthew": ("Matt",),
            "Robert": ("Rob", "Bob"),
            "Christopher": ("Chris",),
            "Benjamin": ("Ben",),
        },
        middle_share=0.55,
    ),
    "polish": Convention(
        0.10,
        _w("Zofia Zuzanna Julia Maja Hanna Aleksandra Katarzyna Magdalena Agnieszka Małgorzata"),
        _w("Jakub Kacper Szymon Filip Mateusz Aleksander Piotr Krzysztof Tomasz Wojciech"),
        _w(
            "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński "
            "Szymański Woźniak Dąbrowski Kozłowski"
        ),
        {
            "Katarzyna": ("Kasia",),
            "Małgorzata": ("Gosia", "Malgorzata"),
            "Aleksandra": ("Ola",),
            "Aleksander": ("Olek", "Alexander"),
            "Krzysztof": ("Chris", "Krzys"),
            "Wojciech": ("Wojtek",),
            "Tomasz": ("Tomek", "Thomas"),
        },
        middle_share=0.1,
    ),
    "spanish": Convention(
        0.10,
        _w("María Lucía Sofía Martina Paula Valentina Carmen Isabel Ana Elena"),
        _w("José Juan Manuel Alejandro Pablo Daniel Javier Carlos Miguel Antonio"),
        _w(
            "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
            "Jiménez Ruiz Hernández Díaz Moreno"
        ),
        {"José": ("Jose", "Pepe"), "Antonio": ("Toni",), "María": ("Maria", "Mari")},
        double_surname=True,
        middle_share=0.35,
    ),
    "south_asian": Convention(
        0.14,
        _w("Aisha Fatima Zainab Maryam Ayesha Sana Noor Hira Amina Samina"),
        _w("Imran Bilal Usman Hamza Zain Ali Omar Adnan Tariq Faisal Asif Arif"),
        _w("Khan Hussain Ahmed Ali Shah Iqbal Akhtar Begum Mahmood Rashid Malik Butt"),
        {"Ayesha": ("Aisha", "Aysha"), "Usman": ("Osman",), "Omar": ("Umar",)},
        calling_middle=True,
        middle_share=0.7,
    ),
    "west_african": Convention(
        0.08,
        _w("Adaeze Chiamaka Ngozi Folake Temitope Blessing Precious Abimbola Chioma Funmilayo"),
        _w("Chukwuemeka Oluwaseun Emeka Tunde Babajide Kwame Kofi Adebayo Segun Obinna"),
        _w("Okafor Adeyemi Okonkwo Mensah Boateng Adebayo Nwosu Eze Oyelaran Owusu"),
        {"Chukwuemeka": ("Emeka",), "Oluwaseun": ("Seun",), "Babajide": ("Jide",)},
        middle_share=0.6,
    ),
    "chinese": Convention(
        0.06,
        _w("Xiu Mei Li Na Ying Jing Hui Yan Fang Lan"),
        _w("Wei Jun Hao Ming Jie Lei Tao Yong Bo Chen"),
        _w("Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou"),
        family_first=0.3,
        middle_share=0.05,
    ),
    "hungarian": Convention(
        0.06,
        _w("Anna Eszter Katalin Zsófia Réka Dóra Noémi Judit"),
        _w("László István Zoltán Gábor Péter Attila Balázs Tamás"),
        _w("Nagy Kovács Tóth Szabó Horváth Varga Kiss Molnár Németh Farkas"),
        {"István": ("Istvan", "Steve"), "László": ("Laszlo", "Laci")},
        family_first=0.25,
        middle_share=0.05,
    ),
    "romanian": Convention(
        0.08,
        _w("Andreea Elena Ioana Maria Alexandra Mihaela Gabriela Cristina"),
        _w("Andrei Alexandru Ionuț Mihai Ștefan Florin Cristian Gheorghe"),
        _w("Popescu Ionescu Popa Stan Dumitru Stoica Gheorghe Matei Constantin Marin"),
        {"Ionuț": ("Ionut",), "Ștefan": ("Stefan",), "Alexandru": ("Alex",)},
        middle_share=0.1,
    ),
}

TOWNS = (
    ("Northfield", ("M14", "M20", "M21")),
    ("Eastbrook", ("LS12", "LS13")),
    ("Westhaven", ("BD10", "BD18")),
    ("Southmoor", ("OL16",)),
)
STREETS = _w(
    "Acacia Albert Beech Bridge Canal Cedar Chapel Church Elm Fern Granby Hazel Holly Ivy "
    "Kings Larch Maple Market Mill Moss Oak Park Queens Rowan Station Victoria Willow York"
)
STREET_KINDS = (("Road", "Rd"), ("Street", "St"), ("Avenue", "Ave"), ("Close", "Cl"), ("Lane", ""))


# ---- the people --------------------------------------------------------------------------


@dataclass
class Person:
    pid: str
    convention: str
    given: str
    middle: str
    surname: str  # "García López" for a double surname
    born: date
    sex: str
    household: int
    nhs: str = ""
    twin_of: str = ""


@dataclass
class Household:
    number: int
    address: tuple[str, str, str, str]  # line 1, line 2, town, full postcode
    previous: tuple[str, str, str, str] | None
    members: list[Person] = field(default_factory=list)


def _nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _birth(rng: random.Random, age_from: float, age_to: float) -> date:
    days = rng.randint(int(age_from * 365.25), int(age_to * 365.25))
    return date.fromordinal(TODAY.toordinal() - days)


class _Population:
    def __init__(self, households: int, rng: random.Random):
        self.rng = rng
        self.people: list[Person] = []
        self.households: list[Household] = []
        self.relations: list[tuple[str, str, str]] = []
        self._postcodes: dict[tuple[str, str], list[str]] = {}
        names = list(CONVENTIONS)
        weights = [CONVENTIONS[n].weight for n in names]
        for h in range(households):
            self._household(h, rng.choices(names, weights)[0])

    def _address(self) -> tuple[str, str, str, str]:
        rng = self.rng
        town, districts = rng.choice(TOWNS)
        street, kind = rng.choice(STREETS), rng.choice(STREET_KINDS)[0]
        # One street, two postcodes, in one of its town's districts.
        codes = self._postcodes.get((town, street + kind))
        if codes is None:
            district = rng.choice(districts)
            letters = "ABDEFGHJLNPQRSTUWXYZ"
            codes = [
                f"{district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
                for _ in range(2)
            ]
            self._postcodes[(town, street + kind)] = codes
        number = rng.randint(1, 120)
        line2 = f"Flat {rng.randint(1, 12)}" if rng.random() < 0.1 else ""
        return (f"{number} {street} {kind}", line2, town, codes[number % 2])

    def _person(self, h: Household, conv: str, sex: str, age: tuple[float, float], **kw) -> Person:
        c = CONVENTIONS[conv]
        rng = self.rng
        named = kw.pop("given", None)
        given = named or rng.choice(c.female if sex == "female" else c.male)
        # Parents do not give two of their children one name, nor a daughter her mother's
        # by chance: only a son named for his father (named) shares a name in a household.
        taken = {m.given for m in h.members}
        while not named and given in taken and len(taken) < len(c.female) + len(c.male):
            given = rng.choice(c.female if sex == "female" else c.male)
        middle = kw.pop("middle", None)
        if middle is None:
            pool = c.female if sex == "female" else c.male
            middle = (
                rng.choice([n for n in pool if n != given]) if rng.random() < c.middle_share else ""
            )
        if c.calling_middle and sex == "male" and not named and rng.random() < 0.5:
            # Muhammad Imran: called Imran, written either way.
            given, middle = "Muhammad", given
        born = kw.pop("born", None) or _birth(rng, *age)
        p = Person(
            pid=f"P{len(self.people) + 1:06d}",
            convention=conv,
            given=given,
            middle=middle,
            surname=kw.pop("surname"),
            born=born,
            sex=sex,
            household=h.number,
            nhs=_nhs_number(rng),
        )
        self.people.append(p)
        h.members.append(p)
        return p

    def _relate(self, a: Person, b: Person, kind: str) -> None:
        self.relations.append((a.pid, b.pid, kind))

    def _household(self, number: int, conv: str) -> None:
        rng, c = self.rng, CONVENTIONS[conv]
        h = Household(number, self._address(), self._address() if rng.random() < 0.2 else None)
        self.households.append(h)
        surname = rng.choice(c.surnames)
        if c.double_surname:
            surname = f"{surname} {rng.choice(c.surnames)}"
        shape = rng.random()
        if shape < 0.22:  # a single adult
            self._person(h, conv, rng.choice(("female", "male")), (19, 80), surname=surname)
            return
        mother_surname = rng.choice(c.surnames) + (
            f" {rng.choice(c.surnames)}" if c.double_surname else ""
        )
        two = rng.random() < 0.65
        mother = self._person(
            h, conv, "female", (20, 52), surname=mother_surname if c.double_surname else surname
        )
        father = self._person(h, conv, "male", (22, 58), surname=surname) if two else None
        if father:
            self._relate(father, mother, "partner")
        if shape < 0.3:
            return  # a couple, no children
        # Children are born when the younger parent is 17 or more; a grandparent is 18 or
        # more years older than the older parent.
        youngest_parent = max(p.born for p in (mother, father) if p)
        oldest_parent = min(p.born for p in (mother, father) if p)
        oldest_child = (TODAY - youngest_parent).days / 365.25 - 17
        child_surname = surname
        if c.double_surname and father:
            child_surname = f"{father.surname.split()[0]} {mother.surname.split()[0]}"
        children: list[Person] = []
        for _ in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4))):
            sex = rng.choice(("female", "male"))
            kw = {}
            if (
                father
                and sex == "male"
                and not any(k.given == father.given for k in children)
                and rng.random() < 0.3
            ):
                # Named for his father: given name, and often the middle name too.
                kw = {"given": father.given}
                if rng.random() < 0.6:
                    kw["middle"] = father.middle
            child = self._person(
                h, conv, sex, (0, max(1.0, min(oldest_child, 24))), surname=child_surname, **kw
            )
            children.append(child)
            if rng.random() < 0.06:  # twins: one date of birth, another name
                tsex = rng.choice(("female", "male"))
                pool = CONVENTIONS[conv].female if tsex == "female" else CONVENTIONS[conv].male
                twin = self._person(
                    h,
                    conv,
                    tsex,
                    (0, 1),
                    surname=child_surname,
                    born=child.born,
                    given=rng.choice(
                        [n for n in pool if n not in {m.given for m in h.members}] or pool
                    ),
                )
                twin.twin_of, child.twin_of = child.pid, twin.pid
                children.append(twin)
        for k in children:
            for parent, kind in ((mother, "mother"), (father, "father")):
                if parent:
                    self._relate(k, parent, kind)
        for i, a in enumerate(children):
            for b in children[i + 1 :]:
                self._relate(a, b, "sibling")
        if rng.random() < 0.1:  # a grandparent lives with them
            gp = self._person(
                h,
                conv,
                rng.choice(("female", "male")),
                (max(58, (TODAY - oldest_parent).days / 365.25 + 18), 90),
                surname=mother.surname,
            )
            self._relate(mother, gp, "mother" if gp.sex == "female" else "father")
            for k in children:
                self._relate(k, gp, "grandparent")


# ---- the sources -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShapedSource:
    code: str
    name: str
    category: str
    layout: str  # "canonical" or "family-context-cdm"
    ages: tuple[float, float]
    share: float  # of the people of those ages it holds
    copies: tuple[int, ...] = (1,)  # how many records it holds of each (drawn)
    missing: float = 1.0  # times the corpus's share of records without a date of birth/sex
    nhs: float = 0.0  # the share of its records with an NHS number
    middle: float = 0.0  # the share of middle names it records
    old_address: float = 0.3  # the share holding a previous address, where there is one
    by_household: bool = False  # takes whole households (of those ages)


SOURCES = (
    ShapedSource(
        "SCHOOL", "Schools census", "education", "canonical", (4, 18), 0.9, missing=0.1, middle=0.7
    ),
    ShapedSource(
        "GP", "GP practices", "gp", "canonical", (0, 100), 0.35, missing=0.1, nhs=0.9, middle=0.5
    ),
    ShapedSource(
        "CSC",
        "Children's social care",
        "childrens_social_care",
        "canonical",
        (0, 100),
        0.12,
        missing=0.6,
        middle=0.3,
        by_household=True,
    ),
    ShapedSource(
        "EH",
        "Early help",
        "early_help",
        "canonical",
        (0, 100),
        0.2,
        copies=(1, 1, 2, 2, 3),
        missing=1.0,
        middle=0.2,
        by_household=True,
    ),
    ShapedSource(
        "HOUSING",
        "Housing register",
        "housing",
        "family-context-cdm",
        (0, 100),
        0.35,
        copies=(1, 2, 2, 3),
        missing=1.5,
        old_address=0.5,
        by_household=True,
    ),
    ShapedSource(
        "POLICE",
        "Police safeguarding",
        "police",
        "canonical",
        (10, 100),
        0.06,
        copies=(1, 2, 2, 3, 4),
        missing=1.2,
        middle=0.4,
    ),
    ShapedSource(
        "PROBATION",
        "Probation",
        "probation",
        "family-context-cdm",
        (18, 70),
        0.06,
        copies=(1, 1, 2),
        missing=1.3,
    ),
    ShapedSource(
        "ASC",
        "Adult social care",
        "adult_social_care",
        "canonical",
        (18, 100),
        0.06,
        missing=1.0,
        nhs=0.3,
        middle=0.3,
    ),
    ShapedSource(
        "AMH",
        "Adult mental health",
        "adult_mental_health",
        "canonical",
        (18, 100),
        0.08,
        missing=1.0,
        nhs=0.4,
        middle=0.3,
    ),
)


def _age(p: Person) -> float:
    return (TODAY - p.born).days / 365.25


def _held_by(src: ShapedSource, pop: _Population, rng: random.Random) -> list[Person]:
    fits = [p for p in pop.people if src.ages[0] <= _age(p) < src.ages[1]]
    if not src.by_household:
        held = [p for p in fits if rng.random() < src.share]
        if src.category == "adult_social_care":
            # Mostly the old, some younger adults with care needs.
            held = [p for p in fits if rng.random() < (0.3 if _age(p) >= 65 else src.share)]
        return held
    chosen = {h.number for h in pop.households if rng.random() < src.share}
    if src.category in ("childrens_social_care", "early_help"):
        with_children = {p.household for p in pop.people if _age(p) < 18}
        chosen &= with_children
        chosen |= {n for n in with_children if rng.random() < src.share}
    return [p for p in fits if p.household in chosen]


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 3:
        return s
    i = rng.randrange(1, len(s) - 1)
    kind = rng.choice(("drop", "swap", "change", "double"))
    if kind == "drop":
        return s[:i] + s[i + 1 :]
    if kind == "swap":
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if kind == "double":
        return s[:i] + s[i] + s[i:]
    return s[:i] + rng.choice("aeinorst") + s[i + 1 :]


def _record(
    p: Person, src: ShapedSource, pop: _Population, missing: float, postcodes: str
) -> dict[str, str]:
    rng = pop.rng
    c = CONVENTIONS[p.convention]
    given, middle, surname = p.given, p.middle, p.surname
    if c.calling_middle and given == "Muhammad" and middle and rng.random() < 0.5:
        given, middle = middle, ""  # recorded by the name they are called
    if given in c.forms and rng.random() < 0.25:
        given = rng.choice(c.forms[given])
    if rng.random() < 0.04:
        given = _typo(rng, given)
    if c.double_surname and " " in surname:
        r = rng.random()
        if r < 0.3:
            surname = surname.split()[0]
        elif r < 0.45:
            surname = surname.replace(" ", "-")
    if rng.random() < 0.03:
        surname = _typo(rng, surname)
    if rng.random() < c.family_first:
        given, surname = surname, given
    middle = middle if middle and rng.random() < src.middle else ""
    if middle and rng.random() < 0.2:
        middle = middle[0]
    share = min(0.9, missing * src.missing)
    born = ""
    if rng.random() >= share:
        y, m, d = p.born.year, p.born.month, p.born.day
        slip = rng.random()
        if slip < 0.02 and d <= 12 and d != m:
            m, d = d, m
        elif slip < 0.04:
            y += rng.choice((-1, 1, -10, 10))
        elif slip < 0.055:
            d = min(28, max(1, d + rng.choice((-1, 1))))
        born = f"{y:04d}-{m:02d}-{d:02d}"
        if src.layout == "canonical" and rng.random() < 0.04:
            born = f"{y:04d}"
    sex = "" if rng.random() < share else p.sex
    h = pop.households[p.household]
    line1, line2, town, postcode = h.address
    if h.previous and rng.random() < src.old_address:
        line1, line2, town, postcode = h.previous
    if rng.random() < 0.3:
        for full, short in STREET_KINDS:
            if short and line1.endswith(full):
                line1 = line1[: -len(full)] + short
    if rng.random() < 0.08:
        line1 = ""
    if rng.random() < 0.02:
        postcode = _typo(rng, postcode.replace(" ", ""))
        postcode = postcode[:-3] + " " + postcode[-3:]
    if rng.random() < 0.05:
        postcode = ""
    if postcodes == "area":
        # Only the outward code (M14): one population, its postcodes saying less.
        postcode = postcode[:-4]
    return {
        "given_name": given,
        "middle_names": middle,
        "family_name": surname,
        "date_of_birth": born,
        "sex": sex,
        "nhs_number": p.nhs if rng.random() < src.nhs else "",
        "address_line1": line1,
        "address_line2": line2,
        "town": town,
        "postcode": postcode,
    }


def write_shapes(
    out: Path,
    *,
    postcodes: str = "street",
    households: int = 1200,
    missing: float = 0.4,
    seed: int = 2026,
) -> WrittenCorpus:
    """Write the population (`households` households, the share `missing` of records without
    a date of birth or sex, postcodes by `postcodes`) into `out`, with its truth."""
    if postcodes not in POSTCODE_SHAPES:
        raise ValueError(f"unknown postcodes {postcodes!r}; known: {', '.join(POSTCODE_SHAPES)}")
    if not 0 <= missing <= 1:
        raise ValueError(f"missing is a share between 0 and 1, not {missing}")
    rng = random.Random(f"familyview-shapes:{seed}")
    pop = _Population(households, rng)
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    truth: list[tuple[str, str, str, str]] = []
    codes = []
    for src in SOURCES:
        held = _held_by(src, pop, rng)
        records = [
            (p, _record(p, src, pop, missing, postcodes))
            for p in held
            for _ in range(rng.choice(src.copies))
        ]
        if not records:
            continue
        ids = _opaque_ids(len(records), f"shapes:{seed}:{postcodes}:{src.code}")
        sent = sorted(zip(ids, records, strict=True), key=lambda x: x[0])
        folder = out / src.code
        folder.mkdir(exist_ok=True)
        if src.layout == "canonical":
            _write_canonical(folder, src, sent)
        else:
            _write_family_context(folder / "extract.csv", src, sent)
        truth += [(src.code, sid, p.pid, "") for sid, (p, _) in sent]
        codes.append(src.code)
    _write_csv(out / "truth" / "records.csv", TRUTH_RECORD_COLUMNS, truth)
    _write_csv(
        out / "truth" / "relationships.csv",
        TRUTH_RELATIONSHIP_COLUMNS,
        [(a, b, kind, "", "") for a, b, kind in pop.relations],
    )
    _write_csv(
        out / "truth" / "people.csv",
        ("person_id", "twin_of"),
        [(p.pid, p.twin_of) for p in pop.people],
    )
    _write_sources_toml(out / "sources.toml", [s for s in SOURCES if s.code in codes])
    return WrittenCorpus(
        name=f"shapes-{postcodes}",
        layout="mixed",
        out=out,
        sources=tuple(codes),
        records=len(truth),
    )


def _write_canonical(folder: Path, src: ShapedSource, sent: list) -> None:
    meta = {
        "source": src.code,
        "extracted_at": f"{TODAY.isoformat()}T02:00:00Z",
        "kind": "full",
        "coverage_start": COVERAGE_START.isoformat(),
        "coverage_end": TODAY.isoformat(),
        "coverage_area": COVERAGE_AREA,
    }
    (folder / "extract.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    _write_csv(
        folder / "people.csv",
        PEOPLE_COLUMNS,
        [(sid, *(r[c] for c in PEOPLE_COLUMNS[1:])) for sid, (_, r) in sent],
    )
    _write_csv(
        folder / "involvements.csv",
        CANONICAL_INVOLVEMENT_COLUMNS,
        [(f"I{sid}", sid, src.category, "historic", src.name) for sid, _ in sent],
    )


def _write_family_context(path: Path, src: ShapedSource, sent: list) -> None:
    as_of = TODAY.isoformat()
    rows = []
    for sid, (_, r) in sent:
        address = ", ".join(
            part
            for part in (r["address_line1"], r["address_line2"], r["town"], r["postcode"])
            if part
        )
        sex = {"female": "F", "male": "M"}.get(r["sex"], "")
        born = r["date_of_birth"]
        if born:
            born = f"{born[8:10]}/{born[5:7]}/{born[:4]}"  # as the source writes dates
        rows.append(
            (
                sid,
                r["given_name"],
                r["family_name"],
                born,
                sex,
                address,
                "Historic",
                src.name,
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


def _write_sources_toml(path: Path, sources: list[ShapedSource]) -> None:
    lines = ["# A population shaped otherwise, written by familyview.identity.shapes.", ""]
    for src in sources:
        lines += [
            "[[source]]",
            f"code = {json.dumps(src.code)}",
            f"name = {json.dumps(src.name)}",
            f"authority = {json.dumps(AUTHORITY)}",
            f"service_category = {json.dumps(src.category)}",
            f"organisation = {json.dumps(src.name)}",
            "expected_every_days = 3650",
            f"mapping = {json.dumps(src.layout)}",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
