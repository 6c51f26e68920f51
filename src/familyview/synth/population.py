"""The true synthetic population: people, households, addresses and true relationships.

People are built a family cluster at a time (a couple and their children, the children's
grandparents at another address, an adult child who left home, a father who moved out...)
so that relationships across households are real. Storage is columnar (one list per
attribute, indexed by person number) because a county-sized population is hundreds of
thousands of people and per-person objects would cost time and memory for nothing.
"""

import random
from collections.abc import Callable
from datetime import date

from familyview.synth import names as N
from familyview.synth.identifiers import NhsNumbers, make_upn
from familyview.synth.places import (
    BLOCK_NAMES,
    POSTCODE_UNIT_LETTERS,
    SAINTS,
    STREET_NAMES,
    STREET_SUFFIXES,
    Authority,
)

TODAY = date(2026, 11, 20)
TODAY_ORD = TODAY.toordinal()
YEAR = 365.25

# Needs and service contact, as bits on each person: sources select their slice by them.
CSC = 1 << 0
EH = 1 << 1
CAMHS = 1 << 2
YJS = 1 << 3
SEN = 1 << 4
AMH = 1 << 5
SMS = 1 << 6
OFFENDER = 1 << 7
PROBATION = 1 << 8
DA_VICTIM = 1 << 9
DA_PERPETRATOR = 1 << 10
ASC = 1 << 11
POLICE_CONTACT = 1 << 12  # victim, witness or missing person
GP_REGISTERED = 1 << 13
ADOPTED = 1 << 14
KINSHIP_CARER = 1 << 15
REFUGE = 1 << 16
CARER = 1 << 17  # an informal carer of an adult with care needs

_ERA_LISTS = {("female", era): N.FEMALE_BY_ERA[era] for era in N.FEMALE_BY_ERA} | {
    ("male", era): N.MALE_BY_ERA[era] for era in N.MALE_BY_ERA
}


def iso(ordinal: int) -> str:
    """A date ordinal as YYYY-MM-DD."""
    return date.fromordinal(ordinal).isoformat()


class Population:
    """Columnar storage of the true population of one authority."""

    def __init__(self, authority: Authority) -> None:
        self.authority = authority
        # people
        self.given: list[str] = []
        self.middle: list[str] = []
        self.family: list[str] = []
        self.prev_family: list[str] = []  # e.g. a maiden name; "" when none
        self.sex: list[str] = []
        self.dob: list[int] = []  # date ordinal
        self.dod: list[int] = []  # date ordinal, 0 when alive
        self.hh: list[int] = []
        self.addr: list[int] = []
        self.addr_from: list[int] = []
        self.prev_addr: list[int] = []  # -1 when none known
        self.prev_from: list[int] = []
        self.nhs: list[str] = []
        self.upn: list[str] = []
        self.twin_of: list[int] = []  # -1 when not a twin
        self.mother: list[int] = []
        self.father: list[int] = []
        self.restricted: list[bool] = []
        self.flags: list[int] = []
        self.cluster: list[int] = []  # the extended family a person was built in
        # rels[a] holds (b, type, start, end): b is `type` to a (dates as ordinals, 0 unknown)
        self.rels: list[list[tuple[int, str, int, int]]] = []
        # households
        self.hh_members: list[list[int]] = []
        self.hh_addr: list[int] = []
        self.hh_need: list[int] = []
        self.hh_social: list[bool] = []
        self.hh_kind: list[str] = []
        self.hh_primary: list[int] = []
        self.hh_secondary: list[int] = []
        self.hh_gp: list[int] = []
        # addresses
        self.a_line1: list[str] = []
        self.a_line2: list[str] = []
        self.a_town: list[str] = []
        self.a_postcode: list[str] = []
        self.a_uprn: list[str] = []
        self.a_flat: list[str] = []  # "Flat 7" when a flat, else ""
        self.a_locality: list[int] = []
        # schools: (name, phone, establishment number, phase)
        self.schools: list[tuple[str, str, int, str]] = []
        self.practices: list[tuple[str, str]] = []  # GP practices: (name, phone)
        # pairs who are or were partners: (woman or first, other, current)
        self.couples: list[tuple[int, int, bool]] = []
        self.twin_pairs = 0

    def __len__(self) -> int:
        return len(self.given)


class _Builder:
    """Builds a Population from one random stream, a cluster at a time."""

    def __init__(self, people: int, rng: random.Random, authority: Authority) -> None:
        self.target = people
        self.rng = rng
        self.pop = Population(authority)
        self.nhs = NhsNumbers(random.Random(rng.random()))
        self.authority = authority
        self._uprn = authority.uprn_base + rng.randrange(1000)
        self._streets: list[list[list]] = []  # per locality: [name, postcodes, next_no]
        self._blocks: list[list[list]] = []  # per locality: [block, street, postcode, next]
        self._upn_serial: dict[tuple[int, int], int] = {}
        self._primaries: list[list[int]] = []  # per locality: school indices
        self._secondary: list[int] = []  # per locality: its secondary school
        self._practices: list[list[int]] = []  # per locality: GP practice indices
        self._make_places()

    # ---- places -------------------------------------------------------------------

    def _make_places(self) -> None:
        rng = self.rng
        a = self.authority
        n_loc = len(a.localities)
        streets_per_loc = max(6, self.target // (45 * n_loc))
        land = a.landline_prefix
        for li, (locality, district, _town) in enumerate(a.localities):
            combos = [f"{s} {x}" for s in STREET_NAMES for x in STREET_SUFFIXES[2:]]
            rng.shuffle(combos)
            streets = []
            for k in range(streets_per_loc):
                name = combos[k % len(combos)]
                postcodes = [self._postcode(district) for _ in range(rng.randint(1, 3))]
                streets.append([name, postcodes, rng.randint(1, 12)])
            self._streets.append(streets)
            self._blocks.append([])
            self._primaries.append([])
            self._practices.append([])
            # schools and GP practices for this locality
            for k in range(rng.randint(2, 3)):
                if k == 0:
                    name = f"{locality} Primary School"
                elif rng.random() < 0.5:
                    faith = rng.choice(("Catholic", "C of E"))
                    name = f"St {rng.choice(SAINTS)}'s {faith} Primary School"
                else:
                    name = f"{rng.choice(STREET_NAMES)} Primary School"
                estab = 2000 + len(self.pop.schools)
                self._primaries[li].append(len(self.pop.schools))
                self.pop.schools.append((name, f"{land}{rng.randrange(1000):03d}", estab, "P"))
            kind = rng.choice(("High School", "Academy", "School"))
            estab = 4000 + len(self.pop.schools)
            self._secondary.append(len(self.pop.schools))
            self.pop.schools.append(
                (f"{locality} {kind}", f"{land}{rng.randrange(1000):03d}", estab, "S")
            )
            for k in range(rng.randint(1, 2)):
                pname = (
                    f"{locality} Medical Practice"
                    if k == 0
                    else f"{rng.choice(STREET_NAMES)} {rng.choice(('Surgery', 'Health Centre'))}"
                )
                self._practices[li].append(len(self.pop.practices))
                self.pop.practices.append((pname, f"{land}{rng.randrange(1000):03d}"))
        self._n_loc = n_loc

    def _postcode(self, district: str) -> str:
        rng = self.rng
        letters = POSTCODE_UNIT_LETTERS
        return f"{district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"

    def new_address(self, locality: int = -1) -> int:
        """A new address (a house, or a flat in a block) in a locality; returns its index."""
        rng = self.rng
        pop = self.pop
        if locality < 0:
            locality = rng.randrange(self._n_loc)
        loc_name, _district, town = self.authority.localities[locality]
        streets = self._streets[locality]
        if rng.random() < 0.14:
            blocks = self._blocks[locality]
            if not blocks or blocks[-1][3] > blocks[-1][4]:
                street = rng.choice(streets)
                bname = f"{street[0].split(' ')[0]} {rng.choice(BLOCK_NAMES)}"
                blocks.append([bname, street[0], rng.choice(street[1]), 1, rng.randint(8, 60)])
            block = blocks[-1]
            flat = f"Flat {block[3]}"
            block[3] += 1
            line1 = f"{flat} {block[0]}"
            line2 = f"{block[1]}, {loc_name}"
            postcode = block[2]
        else:
            street = rng.choice(streets)
            number = street[2]
            street[2] += rng.randint(1, 3)
            flat = ""
            line1 = f"{number} {street[0]}"
            line2 = loc_name
            postcode = street[1][(number // 40) % len(street[1])]
        self._uprn += rng.randint(1, 60)
        pop.a_line1.append(line1)
        pop.a_line2.append(line2)
        pop.a_town.append(town)
        pop.a_postcode.append(postcode)
        pop.a_uprn.append(str(self._uprn))
        pop.a_flat.append(flat)
        pop.a_locality.append(locality)
        return len(pop.a_line1) - 1

    # ---- households and people -------------------------------------------------

    def new_household(self, kind: str, need: int, locality: int = -1) -> int:
        """A household at a new address, which it may have moved to recently."""
        rng = self.rng
        pop = self.pop
        addr = self.new_address(locality)
        loc = pop.a_locality[addr]
        social = rng.random() < (0.10, 0.33, 0.55)[need]
        pop.hh_members.append([])
        pop.hh_addr.append(addr)
        pop.hh_need.append(need)
        pop.hh_social.append(social)
        pop.hh_kind.append(kind)
        pop.hh_primary.append(rng.choice(self._primaries[loc]))
        # Most children go to their locality's secondary; some travel to a neighbour's.
        sec = loc if rng.random() < 0.8 else rng.randrange(self._n_loc)
        pop.hh_secondary.append(self._secondary[sec])
        pop.hh_gp.append(rng.choice(self._practices[loc]))
        return len(pop.hh_addr) - 1

    def _given(self, sex: str, dob: int) -> str:
        year = date.fromordinal(dob).year
        return self.rng.choice(_ERA_LISTS[(sex, N.era_of(year))])

    def person(
        self,
        sex: str,
        dob: int,
        family: str,
        hh: int,
        given: str = "",
        mother: int = -1,
        father: int = -1,
    ) -> int:
        """Adds one person living in household `hh`; returns their number."""
        rng = self.rng
        pop = self.pop
        i = len(pop.given)
        pop.given.append(given or self._given(sex, dob))
        r = rng.random()
        pop.middle.append(
            ""
            if r < 0.35
            else self._given(sex, dob)
            if r < 0.93
            else f"{self._given(sex, dob)} {self._given(sex, dob)}"
        )
        pop.family.append(family)
        pop.prev_family.append("")
        pop.sex.append(sex)
        pop.dob.append(dob)
        pop.dod.append(0)
        pop.hh.append(hh)
        addr = pop.hh_addr[hh]
        pop.addr.append(addr)
        # Known at this address since a move-in date no earlier than birth.
        since = TODAY_ORD - rng.randrange(60, 365 * 12)
        pop.addr_from.append(max(since, dob))
        pop.prev_addr.append(-1)
        pop.prev_from.append(0)
        pop.nhs.append(self.nhs.next())
        pop.upn.append("")
        pop.twin_of.append(-1)
        pop.mother.append(mother)
        pop.father.append(father)
        pop.restricted.append(False)
        pop.flags.append(0)
        pop.cluster.append(self.cluster_id)
        pop.rels.append([])
        pop.hh_members[hh].append(i)
        return i

    def rel(self, a: int, b: int, t_ab: str, t_ba: str, start: int = 0, end: int = 0) -> None:
        """b is t_ab to a, and a is t_ba to b."""
        if start and end and start > end:
            start = 0  # never a relationship that ends before it began
        self.pop.rels[a].append((b, t_ab, start, end))
        self.pop.rels[b].append((a, t_ba, start, end))

    def surname(self) -> str:
        rng = self.rng
        if rng.random() < 0.03:
            return f"{rng.choice(N.SURNAMES)}-{rng.choice(N.SURNAMES)}"
        return rng.choice(N.SURNAMES)

    def adult_dob(self, lo: float, hi: float) -> int:
        return TODAY_ORD - self.rng.randrange(int(lo * YEAR), int(hi * YEAR))

    def moved(self, hh: int, p: float) -> None:
        """With probability p, the household moved here from an earlier address."""
        rng = self.rng
        if rng.random() >= p:
            return
        pop = self.pop
        old = self.new_address(pop.a_locality[pop.hh_addr[hh]] if rng.random() < 0.6 else -1)
        move = TODAY_ORD - rng.randrange(30, 365 * 5)
        for m in pop.hh_members[hh]:
            if pop.dob[m] < move - 60:
                pop.prev_addr[m] = old
                pop.prev_from[m] = max(pop.dob[m], move - rng.randrange(365, 365 * 10))
            pop.addr_from[m] = max(move, pop.dob[m])

    def children(
        self,
        mother_dob: int,
        n: int,
        family: str,
        hh: int,
        mother: int,
        father: int,
        first_after: int = 0,
        force_twins: bool = False,
    ) -> list[int]:
        """Up to n children born to a mother, oldest first, none born in the future."""
        rng = self.rng
        kids: list[int] = []
        born = max(mother_dob + int(rng.uniform(18, 34) * YEAR), first_after)
        while len(kids) < n and born < TODAY_ORD:
            sex = "female" if rng.random() < 0.49 else "male"
            twins = force_twins or rng.random() < 0.016
            force_twins = False
            if twins:
                if rng.random() < 0.35:
                    (g1, s1), (g2, s2) = rng.choice(N.SIMILAR_TWIN_NAMES)
                else:
                    s1 = sex
                    s2 = sex if rng.random() < 0.6 else ("male" if sex == "female" else "female")
                    g1 = self._given(s1, born)
                    g2 = self._given(s2, born)
                    while g2 == g1:
                        g2 = self._given(s2, born)
                a = self.person(s1, born, family, hh, g1, mother, father)
                b = self.person(s2, born, family, hh, g2, mother, father)
                self.pop.twin_of[a] = b
                self.pop.twin_of[b] = a
                self.pop.twin_pairs += 1
                kids += [a, b]
            else:
                kids.append(self.person(sex, born, family, hh, "", mother, father))
            born += int(rng.uniform(1.0, 5.5) * YEAR)
        return kids

    # ---- family clusters -------------------------------------------------------------

    def need(self, base: tuple[float, float]) -> int:
        r = self.rng.random()
        return 2 if r < base[1] else 1 if r < base[0] + base[1] else 0

    def leave_home(self, kids: list[int], need: int) -> None:
        """Adult children (18+) may have left home: alone, with a partner, or with a baby."""
        rng = self.rng
        pop = self.pop
        for k in kids:
            age = (TODAY_ORD - pop.dob[k]) / YEAR
            if age < 18 or rng.random() > min(0.92, (age - 17.5) * 0.18):
                continue
            if pop.twin_of[k] >= 0 and rng.random() < 0.3:
                continue  # twins often stay together at home a while longer
            old_hh = pop.hh[k]
            hh = self.new_household(
                "left_home", need, -1 if rng.random() < 0.5 else pop.a_locality[pop.hh_addr[old_hh]]
            )
            pop.hh_members[old_hh].remove(k)
            pop.hh_members[hh].append(k)
            pop.hh[k] = hh
            pop.prev_addr[k] = pop.hh_addr[old_hh]
            pop.prev_from[k] = pop.addr_from[k]
            pop.addr[k] = pop.hh_addr[hh]
            pop.addr_from[k] = TODAY_ORD - rng.randrange(30, int(max(60, (age - 18) * YEAR)))
            r = rng.random()
            if r < 0.4 and age >= 20:
                psex = "male" if pop.sex[k] == "female" else "female"
                if rng.random() < 0.05:
                    psex = pop.sex[k]
                partner = self.person(
                    psex, pop.dob[k] + rng.randrange(-1500, 1500), self.surname(), hh
                )
                since = TODAY_ORD - rng.randrange(60, 365 * 4)
                self.rel(k, partner, "partner", "partner", since)
                pop.couples.append((k, partner, True))
                if r < 0.2 and age >= 21:
                    woman = k if pop.sex[k] == "female" else partner
                    man = partner if woman == k else k
                    fam = pop.family[man] if pop.sex[man] == "male" else pop.family[woman]
                    self.children(
                        pop.dob[woman],
                        rng.randint(1, 2),
                        fam,
                        hh,
                        woman,
                        man,
                        first_after=TODAY_ORD - int(3 * YEAR),
                    )

    def grandparents(self, parent: int, need: int) -> None:
        """The parents of `parent`, living together (or one widowed) at another address."""
        rng = self.rng
        pop = self.pop
        hh = self.new_household(
            "grandparents", need, -1 if rng.random() < 0.3 else pop.a_locality[pop.addr[parent]]
        )
        gm_dob = pop.dob[parent] - rng.randrange(int(20 * YEAR), int(38 * YEAR))
        if gm_dob < TODAY_ORD - int(98 * YEAR):
            return
        fam = pop.prev_family[parent] or pop.family[parent]
        gm = self.person("female", gm_dob, fam, hh)
        pop.prev_family[gm] = self.surname() if rng.random() < 0.8 else ""
        pop.mother[parent] = gm
        if rng.random() < 0.6:
            gf = self.person("male", gm_dob - rng.randrange(-900, 2500), fam, hh)
            pop.father[parent] = gf
            self.rel(gm, gf, "partner", "partner", gm_dob + int(rng.uniform(19, 30) * YEAR))
            pop.couples.append((gm, gf, True))
        self.moved(hh, 0.1)

    def nuclear(self, force_twins: bool) -> None:
        rng = self.rng
        pop = self.pop
        need = self.need((0.16, 0.05))
        hh = self.new_household("couple_with_children", need)
        m_dob = self.adult_dob(20, 62)
        dad_surname = self.surname()
        married = rng.random() < 0.55
        mum_surname = self.surname()
        mum = self.person("female", m_dob, dad_surname if married else mum_surname, hh)
        if married:
            pop.prev_family[mum] = mum_surname
        dad = self.person("male", m_dob - rng.randrange(-700, 2500), dad_surname, hh)
        since = m_dob + int(rng.uniform(18, 30) * YEAR)
        self.rel(mum, dad, "partner", "partner", min(since, TODAY_ORD - 400))
        pop.couples.append((mum, dad, True))
        r = rng.random()
        kid_name = (
            dad_surname
            if married or r < 0.7
            else mum_surname
            if r < 0.85
            else f"{mum_surname}-{dad_surname}"
        )
        n = rng.choices((1, 2, 3, 4, 5), (35, 38, 17, 8, 2))[0]
        kids = self.children(m_dob, n, kid_name, hh, mum, dad, force_twins=force_twins)
        if kids and rng.random() < 0.025:
            k = kids[-1]
            pop.flags[k] |= ADOPTED
            pop.restricted[k] = True
        self.moved(hh, 0.2)
        self.leave_home(kids, need)
        if rng.random() < 0.35:
            self.grandparents(mum, need)
        if rng.random() < 0.2:
            self.grandparents(dad, need)

    def separated(self) -> None:
        rng = self.rng
        pop = self.pop
        need = self.need((0.3, 0.14))
        hh = self.new_household("single_parent", need)
        m_dob = self.adult_dob(21, 50)
        dad_surname = self.surname()
        mum_surname = self.surname()
        married = rng.random() < 0.4
        mum = self.person("female", m_dob, mum_surname, hh)
        if married:
            # she took his name, and has since gone back to her own (or kept his)
            if rng.random() < 0.5:
                pop.prev_family[mum] = dad_surname
            else:
                pop.family[mum] = dad_surname
                pop.prev_family[mum] = mum_surname
        dad_hh = self.new_household("separated_parent", need)
        dad = self.person("male", m_dob - rng.randrange(-700, 2500), dad_surname, dad_hh)
        kid_name = dad_surname if rng.random() < 0.75 else mum_surname
        n = rng.choices((1, 2, 3, 4), (40, 35, 18, 7))[0]
        kids = self.children(m_dob, n, kid_name, hh, mum, dad)
        if not kids:
            kids = self.children(m_dob - int(6 * YEAR), 1, kid_name, hh, mum, dad)
        last_birth = max(pop.dob[k] for k in kids) if kids else TODAY_ORD - 2000
        split = min(TODAY_ORD - 30, last_birth + rng.randrange(100, 365 * 6))
        together = last_birth - rng.randrange(300, 365 * 8)
        self.rel(mum, dad, "ex_partner", "ex_partner", together, split)
        pop.couples.append((mum, dad, False))
        self.moved(hh, 0.3)
        # The father moved out of the family home: sources may still hold him there.
        pop.prev_addr[dad] = pop.addr[mum] if pop.prev_addr[mum] < 0 else pop.prev_addr[mum]
        pop.prev_from[dad] = together
        pop.addr_from[dad] = min(TODAY_ORD - 20, split + rng.randrange(0, 200))
        if rng.random() < 0.45:
            pdob = pop.dob[dad] + rng.randrange(-1500, 3000)
            partner = self.person("female", pdob, self.surname(), dad_hh)
            since = min(TODAY_ORD - 30, split + rng.randrange(100, 900))
            self.rel(dad, partner, "partner", "partner", since)
            pop.couples.append((partner, dad, True))
            if rng.random() < 0.5:
                # His new children are half-siblings of the first family's children.
                self.children(
                    pdob,
                    rng.randint(1, 2),
                    dad_surname,
                    dad_hh,
                    partner,
                    dad,
                    first_after=since + 300,
                )
        self.leave_home(kids, need)
        if rng.random() < 0.4:
            self.grandparents(mum, need)

    def blended(self) -> None:
        rng = self.rng
        pop = self.pop
        need = self.need((0.3, 0.12))
        hh = self.new_household("blended", need)
        m_dob = self.adult_dob(24, 50)
        mum_surname = self.surname()
        ex_surname = self.surname()
        step_surname = self.surname()
        mum = self.person("female", m_dob, mum_surname, hh)
        ex_hh = self.new_household("separated_parent", need)
        ex = self.person("male", m_dob - rng.randrange(-700, 2500), ex_surname, ex_hh)
        her_kids = self.children(m_dob, rng.randint(1, 3), ex_surname, hh, mum, ex)
        if not her_kids:
            return
        split = min(TODAY_ORD - 400, max(pop.dob[k] for k in her_kids) + rng.randrange(100, 1500))
        together = min(m_dob + int(20 * YEAR), pop.dob[her_kids[0]] - rng.randrange(200, 1500))
        self.rel(mum, ex, "ex_partner", "ex_partner", together, split)
        pop.couples.append((mum, ex, False))
        pop.prev_addr[ex] = pop.addr[mum]
        pop.prev_from[ex] = pop.dob[her_kids[0]]
        pop.addr_from[ex] = split
        step = self.person("male", m_dob - rng.randrange(-1500, 2500), step_surname, hh)
        since = min(TODAY_ORD - 200, split + rng.randrange(100, 1000))
        if rng.random() < 0.4:
            pop.prev_family[mum] = mum_surname
            pop.family[mum] = step_surname
        self.rel(mum, step, "partner", "partner", since)
        pop.couples.append((mum, step, True))
        for k in her_kids:
            self.rel(k, step, "step_parent", "child", since)
        his_kids: list[int] = []
        if rng.random() < 0.35:
            # His child from an earlier relationship lives here too: step-siblings.
            his_ex_hh = self.new_household("separated_parent", need)
            his_ex = self.person(
                "female", pop.dob[step] + rng.randrange(-1500, 1500), self.surname(), his_ex_hh
            )
            his_kids = self.children(pop.dob[his_ex], 1, step_surname, hh, his_ex, step)
            self.rel(step, his_ex, "ex_partner", "ex_partner", 0, since - 200)
            pop.couples.append((his_ex, step, False))
            for hk in his_kids:
                self.rel(hk, mum, "step_parent", "child", since)
                for k in her_kids:
                    self.rel(hk, k, "step_sibling", "step_sibling", since)
        self.children(
            m_dob,
            rng.choices((0, 1, 2), (35, 45, 20))[0],
            step_surname,
            hh,
            mum,
            step,
            first_after=since + 300,
        )
        self.moved(hh, 0.3)
        self.leave_home(her_kids + his_kids, need)

    def kinship(self) -> None:
        """Grandparents bringing up their grandchildren; the mother lives elsewhere."""
        rng = self.rng
        pop = self.pop
        need = self.need((0.4, 0.45))
        hh = self.new_household("kinship", need)
        gm_dob = self.adult_dob(48, 72)
        fam = self.surname()
        gm = self.person("female", gm_dob, fam, hh)
        pop.prev_family[gm] = self.surname()
        if rng.random() < 0.5:
            gf = self.person("male", gm_dob - rng.randrange(-700, 2000), fam, hh)
            self.rel(gm, gf, "partner", "partner", gm_dob + int(22 * YEAR))
            pop.couples.append((gm, gf, True))
        else:
            gf = -1
        mum_hh = self.new_household("single_adult", 2)
        m_dob = gm_dob + rng.randrange(int(18 * YEAR), int(28 * YEAR))
        mum = self.person("female", m_dob, fam, mum_hh, mother=gm, father=gf)
        pop.flags[mum] |= AMH if rng.random() < 0.6 else 0
        pop.flags[mum] |= SMS if rng.random() < 0.5 else 0
        kid_name = fam
        dad = -1
        if rng.random() < 0.5:
            dad_hh = self.new_household("single_adult", 2)
            kid_name = self.surname()
            dad = self.person("male", m_dob - rng.randrange(-700, 2500), kid_name, dad_hh)
            self.rel(mum, dad, "ex_partner", "ex_partner")
            pop.couples.append((mum, dad, False))
        kids = self.children(
            m_dob, rng.randint(1, 3), kid_name, hh, mum, dad, first_after=TODAY_ORD - int(16 * YEAR)
        )
        kids = [k for k in kids if TODAY_ORD - pop.dob[k] < 18 * YEAR]
        for k in kids:
            pop.prev_addr[k] = pop.addr[mum]
            pop.prev_from[k] = pop.dob[k]
            pop.addr_from[k] = max(pop.dob[k], TODAY_ORD - rng.randrange(60, 365 * 6))
        pop.flags[gm] |= KINSHIP_CARER
        if gf >= 0:
            pop.flags[gf] |= KINSHIP_CARER
        if rng.random() < 0.12:
            # The mother has died; her children stay with their grandparents.
            pop.dod[mum] = TODAY_ORD - rng.randrange(30, 365 * 5)

    def single_parent(self) -> None:
        """A lone parent whose children's other parent is not known to any source."""
        rng = self.rng
        need = self.need((0.3, 0.1))
        hh = self.new_household("single_parent", need)
        sex = "female" if rng.random() < 0.9 else "male"
        p_dob = self.adult_dob(18, 50)
        fam = self.surname()
        p = self.person(sex, p_dob, fam, hh)
        mum, dad = (p, -1) if sex == "female" else (-1, p)
        kids = self.children(p_dob, rng.choices((1, 2, 3), (50, 35, 15))[0], fam, hh, mum, dad)
        self.moved(hh, 0.25)
        self.leave_home(kids, need)
        if rng.random() < 0.3:
            self.grandparents(p, need)

    def parent_and_child(self) -> None:
        """A mother and her one child: exactly two people."""
        rng = self.rng
        need = self.need((0.3, 0.15))
        hh = self.new_household("single_parent", need)
        m_dob = self.adult_dob(22, 45)
        fam = self.surname()
        mum = self.person("female", m_dob, fam, hh)
        born = min(TODAY_ORD - 30, m_dob + int(rng.uniform(18, 30) * YEAR))
        born = max(born, TODAY_ORD - int(17 * YEAR))
        self.person("male" if rng.random() < 0.5 else "female", born, fam, hh, mother=mum)
        self.moved(hh, 0.25)

    def couple(self) -> None:
        rng = self.rng
        pop = self.pop
        need = self.need((0.1, 0.03))
        hh = self.new_household("couple", need)
        a_dob = self.adult_dob(20, 92)
        fam = self.surname()
        married = rng.random() < 0.6
        own = self.surname()
        a = self.person("female", a_dob, fam if married else own, hh)
        if married:
            pop.prev_family[a] = own
        b_sex = "male" if rng.random() < 0.95 else "female"
        b = self.person(b_sex, a_dob - rng.randrange(-900, 2500), fam, hh)
        self.rel(a, b, "partner", "partner", min(TODAY_ORD - 100, a_dob + int(25 * YEAR)))
        pop.couples.append((a, b, True))
        self.moved(hh, 0.15)

    def single(self) -> None:
        rng = self.rng
        need = self.need((0.12, 0.05))
        hh = self.new_household("single_adult", need)
        sex = "female" if rng.random() < 0.52 else "male"
        self.person(sex, self.adult_dob(18, 96), self.surname(), hh)
        self.moved(hh, 0.2)

    def shared_house(self) -> None:
        rng = self.rng
        pop = self.pop
        hh = self.new_household("shared", self.need((0.2, 0.05)))
        people = []
        for _ in range(rng.randint(2, 4)):
            sex = "female" if rng.random() < 0.5 else "male"
            people.append(self.person(sex, self.adult_dob(19, 45), self.surname(), hh))
        for x in range(len(people)):
            for y in range(x + 1, len(people)):
                self.rel(
                    people[x],
                    people[y],
                    "household_member",
                    "household_member",
                    pop.addr_from[people[y]],
                )

    # ---- derived relationships and needs ------------------------------------------

    def derive_relationships(self, first: int) -> None:
        """Parent, grandparent and sibling relationships among a cluster's people."""
        pop = self.pop
        members = range(first, len(pop.given))
        by_parent: dict[int, list[int]] = {}
        for x in members:
            for par in (pop.mother[x], pop.father[x]):
                if par < 0:
                    continue
                self.rel(x, par, "mother" if pop.sex[par] == "female" else "father", "child")
                by_parent.setdefault(par, []).append(x)
                for gp in (pop.mother[par], pop.father[par]):
                    if gp >= 0:
                        self.rel(x, gp, "grandparent", "other_relative")
        seen: set[tuple[int, int]] = set()
        for kids in by_parent.values():
            for i, a in enumerate(kids):
                for b in kids[i + 1 :]:
                    if (a, b) in seen:
                        continue
                    seen.add((a, b))
                    full = pop.mother[a] == pop.mother[b] and pop.father[a] == pop.father[b]
                    t = "sibling" if full else "half_sibling"
                    self.rel(a, b, t, t)

    def assign_needs(self) -> None:
        """Service contact per person, from their household's need, age and sex."""
        rng = self.rng
        pop = self.pop
        for hh, members in enumerate(pop.hh_members):
            need = pop.hh_need[hh]
            kids = [m for m in members if TODAY_ORD - pop.dob[m] < 18 * YEAR]
            kinship = pop.hh_kind[hh] == "kinship"
            if kids:
                # Children's social care and early help work with the whole family.
                r = rng.random()
                csc = r < ((0.003, 0.04, 0.45)[need] if not kinship else 0.6)
                eh = not csc and rng.random() < (0.015, 0.4, 0.3)[need]
                eh_hist = csc and rng.random() < 0.35
                for k in kids:
                    if csc:
                        pop.flags[k] |= CSC
                    if eh or eh_hist:
                        pop.flags[k] |= EH
            for m in members:
                f = pop.flags[m]
                if pop.dod[m]:
                    pop.flags[m] = f | (GP_REGISTERED if rng.random() < 0.5 else 0)
                    continue
                age = (TODAY_ORD - pop.dob[m]) / YEAR
                male = pop.sex[m] == "male"
                if rng.random() < 0.88:
                    f |= GP_REGISTERED
                if age < 18:
                    if age >= 5 and rng.random() < 0.02 + 0.05 * need:
                        f |= CAMHS
                    if age >= 10 and rng.random() < (0.004 + 0.03 * need) * (1.6 if male else 0.5):
                        f |= YJS | (POLICE_CONTACT if rng.random() < 0.7 else 0)
                    if age >= 2 and rng.random() < 0.025 + 0.02 * need:
                        f |= SEN
                    if age >= 13 and rng.random() < 0.01 + 0.04 * need:
                        f |= POLICE_CONTACT
                else:
                    if age < 25 and rng.random() < 0.01:
                        f |= SEN
                    if rng.random() < 0.03 + 0.07 * need:
                        f |= AMH
                    if age < 70 and rng.random() < 0.008 + 0.04 * need:
                        f |= SMS
                    if age < 70 and rng.random() < (
                        0.02 + 0.06 * need if male else 0.006 + 0.02 * need
                    ):
                        f |= OFFENDER
                        if rng.random() < 0.4:
                            f |= PROBATION
                    p_asc = 0.22 if age >= 75 else 0.06 if age >= 65 else 0.012 + 0.01 * need
                    if rng.random() < p_asc:
                        f |= ASC
                pop.flags[m] = f
        # Domestic abuse within couples and ex-couples; a few victims are in a refuge.
        for a, b, current in pop.couples:
            need = max(pop.hh_need[pop.hh[a]], pop.hh_need[pop.hh[b]])
            if rng.random() >= (0.015 + 0.05 * need) * (1.0 if current else 2.0):
                continue
            victim, perp = (a, b) if pop.sex[a] == "female" or rng.random() < 0.15 else (b, a)
            pop.flags[victim] |= DA_VICTIM | (POLICE_CONTACT if rng.random() < 0.8 else 0)
            pop.flags[perp] |= DA_PERPETRATOR | (OFFENDER if rng.random() < 0.6 else 0)
            if not current and rng.random() < 0.3:
                self.to_refuge(victim)
        # Informal carers of adults with care needs: a partner or an adult child.
        for m in range(len(pop.given)):
            if pop.flags[m] & ASC and rng.random() < 0.6:
                for other, t, _s, _e in pop.rels[m]:
                    if t in ("partner", "child") and TODAY_ORD - pop.dob[other] > 18 * YEAR:
                        pop.flags[other] |= CARER
                        break

    def to_refuge(self, victim: int) -> None:
        """The victim and her children under 18 move to a refuge: shielded, at a new address.

        Other adults (a new partner, a lodger) stay behind at the old address.
        """
        pop = self.pop
        rng = self.rng
        old_hh = pop.hh[victim]
        movers = [
            m
            for m in pop.hh_members[old_hh]
            if m == victim
            or (TODAY_ORD - pop.dob[m] < 18 * YEAR and victim in (pop.mother[m], pop.father[m]))
        ]
        hh = self.new_household("refuge", 2)
        pop.hh_social[hh] = False
        move = TODAY_ORD - rng.randrange(20, 700)
        new = pop.hh_addr[hh]
        for m in movers:
            pop.hh_members[old_hh].remove(m)
            pop.hh_members[hh].append(m)
            pop.hh[m] = hh
            pop.prev_addr[m] = pop.addr[m]
            pop.prev_from[m] = pop.addr_from[m]
            pop.addr[m] = new
            pop.addr_from[m] = max(move, pop.dob[m])
            pop.restricted[m] = True
            pop.flags[m] |= REFUGE

    def assign_upns(self) -> None:
        """A UPN for everyone of school age (4 to 19), from the school they first joined."""
        pop = self.pop
        la = self.authority.la_code
        for m in range(len(pop.given)):
            age = (TODAY_ORD - pop.dob[m]) / YEAR
            if 4 <= age < 20:
                school = pop.schools[pop.hh_primary[pop.hh[m]]]
                year = date.fromordinal(pop.dob[m]).year + 5
                key = (school[2], year)
                serial = self._upn_serial.get(key, 0) + 1
                self._upn_serial[key] = serial
                pop.upn[m] = make_upn(la, school[2], year, serial % 1000)

    def build(self, report: Callable[[int], None]) -> Population:
        rng = self.rng
        pop = self.pop
        kinds = (
            self.nuclear,
            self.separated,
            self.blended,
            self.kinship,
            self.single_parent,
            self.couple,
            self.single,
            self.shared_house,
        )
        weights = (24, 9, 5, 2.5, 6, 17, 27, 2.5)
        self.cluster_id = 0
        reported = 0
        while len(pop.given) < self.target:
            first = len(pop.given)
            remaining = self.target - first
            if remaining < 40:
                # Top up with clusters of one or two so the population is exactly the size
                # asked (and a tiny population still has some children).
                if remaining >= 2 and rng.random() < 0.4:
                    self.parent_and_child()
                else:
                    self.single()
            else:
                kind = rng.choices(kinds, weights)[0]
                if kind == self.nuclear:
                    self.nuclear(force_twins=pop.twin_pairs == 0)
                else:
                    kind()
            self.derive_relationships(first)
            self.cluster_id += 1
            if len(pop.given) - reported >= 20_000:
                report(len(pop.given) - reported)
                reported = len(pop.given)
        self.assign_needs()
        self.assign_upns()
        report(len(pop.given) - reported)
        return pop


def build_population(
    people: int,
    seed: int,
    authority: Authority,
    report: Callable[[int], None] | None = None,
) -> Population:
    """The true population of `people` people for a seed (same seed, same population).

    `report`, when given, is called with the number of people built since its last call.
    """
    rng = random.Random(f"familyview-synth:{seed}:population")
    return _Builder(people, rng, authority).build(report or (lambda _n: None))


def school_year(dob: int, on: int) -> int:
    """The school year group on a day: 0 is Reception, 13 is the last of sixth form.

    Negative before Reception. Children born September to August start school together,
    in the September after they turn four.
    """
    born = date.fromordinal(dob)
    day = date.fromordinal(on)
    start_year = born.year + 4 + (1 if born.month >= 9 else 0)
    return day.year - start_year - (1 if day.month < 9 else 0)
