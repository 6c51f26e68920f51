"""The synthetic source systems: what each one is, whom it holds and how it records them.

Each source takes its own plausible slice of the population (a school system holds pupils
and their parents; adult social care holds adults with care needs and their carers), keeps
its records with its own habits and errors (the `Noise`), and records relationships the
way that kind of system does (or does not).
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from familyview.sources.columns import PEOPLE_COLUMNS
from familyview.synth import population as P
from familyview.synth.noise import Noise
from familyview.synth.population import YEAR, Population

FC_SCHOOL_COLUMNS = (
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
)
_NO_HEALTH_IDS = tuple(c for c in PEOPLE_COLUMNS if c not in ("nhs_number", "upn"))
_NO_UPN = tuple(c for c in PEOPLE_COLUMNS if c != "upn")
AREAS = ("Central", "North", "East", "South", "West")


@dataclass(frozen=True)
class SourceSpec:
    """One source system of the synthetic authority."""

    code: str
    name: str
    category: str
    organisation: str  # may name {council}, {council_short}, {police}, {mh_trust}...
    fmt: str  # "excel" (UTF-8 with BOM, CRLF), "csv" (UTF-8, LF) or "jsonl"
    expected_every_days: int
    extracted_at: str
    coverage_start: str
    select: str  # a key of SELECTORS
    relationships: str  # a relationship-recording style (see generator)
    id_format: str  # how the source numbers its people, e.g. "EH{n:06d}"
    teams: tuple[str, ...]  # "{area}" expands into one team per area
    roles: tuple[str, ...]
    email: str  # "council", "police", "nhs", "school", "probation", "charity"
    current_share: float  # share of subjects whose latest involvement is current
    noise: Noise = field(default_factory=Noise)
    people_columns: tuple[str, ...] = _NO_UPN
    jsonl_nulls: bool = True  # JSON Lines: write null for unknown (else leave the key out)
    restricted_false: bool = False  # writes "false" rather than leaving it empty
    lead_left: float = 0.12  # current cases whose lead professional has since left
    phone_style: str = "plain"  # "plain", "compact" or "international"
    coverage_area: str = "{authority}"
    second_episode: float = 0.2
    dated_relationships: bool = False
    # Ages a source's subjects can have: a small population may leave a source with too
    # few people, and an extract with no rows would be refused, so the generator tops up.
    ages: tuple[float, float] = (0, 120)


def _spec_list() -> tuple[SourceSpec, ...]:
    excel = "excel"
    return (
        SourceSpec(
            code="CSC",
            ages=(0, 18),
            name="Children's social care case system (LCS)",
            category="childrens_social_care",
            organisation="{council_short} Children's Services",
            fmt=excel,
            expected_every_days=1,
            extracted_at="2026-11-20T02:00:00Z",
            coverage_start="2015-04-01",
            select="csc",
            relationships="family",
            id_format="{n:07d}",
            teams=(
                "Assessment Team {area}",
                "Child in Need Team {area}",
                "Child Protection Team",
                "Children Looked After Team",
                "Disabled Children's Team",
                "Multi-Agency Safeguarding Hub",
            ),
            roles=(
                "Social Worker",
                "Senior Social Worker",
                "Advanced Practitioner",
                "Team Manager",
            ),
            email="council",
            current_share=0.45,
            noise=Noise(
                nhs=0.25,
                uprn=0.7,
                restricted_known=0.95,
                duplicate=0.02,
                address_from=0.6,
                multiline_address=0.3,
            ),
            people_columns=PEOPLE_COLUMNS,
            dated_relationships=True,
        ),
        SourceSpec(
            code="EH",
            ages=(0, 18),
            name="Early help module (EHM)",
            category="early_help",
            organisation="{council_short} Early Help and Prevention",
            fmt=excel,
            expected_every_days=1,
            extracted_at="2026-11-20T02:10:00Z",
            coverage_start="2017-04-01",
            select="eh",
            relationships="family",
            id_format="EH{n:06d}",
            teams=(
                "Early Help Locality Team {area}",
                "Family Support Team",
                "Targeted Youth Support",
            ),
            roles=("Early Help Practitioner", "Family Support Worker", "Lead Professional"),
            email="council",
            current_share=0.4,
            noise=Noise(
                nickname=0.08,
                typo_family=0.02,
                dob_partial=0.015,
                uprn=0.4,
                duplicate=0.03,
                address_from=0.3,
            ),
            dated_relationships=True,
        ),
        SourceSpec(
            code="ASC",
            ages=(18, 100),
            name="Adult social care case system",
            category="adult_social_care",
            organisation="{council_short} Adult Social Care",
            fmt=excel,
            expected_every_days=7,
            extracted_at="2026-11-16T03:00:00Z",
            coverage_start="2014-04-01",
            select="asc",
            relationships="carer",
            id_format="ASC{n:07d}",
            teams=(
                "Adult Social Care {area}",
                "Reablement Team",
                "Learning Disability Team",
                "Hospital Discharge Team",
                "Safeguarding Adults Team",
            ),
            roles=(
                "Social Worker",
                "Care Coordinator",
                "Occupational Therapist",
                "Reviewing Officer",
            ),
            email="council",
            current_share=0.6,
            noise=Noise(
                nhs=0.45, uprn=0.8, multiline_address=0.5, duplicate=0.015, address_from=0.4
            ),
        ),
        SourceSpec(
            code="POLICE",
            ages=(14, 70),
            name="Police safeguarding extract",
            category="police",
            organisation="{police}",
            fmt="jsonl",
            expected_every_days=7,
            extracted_at="2026-11-18T23:30:00Z",
            coverage_start="2019-01-01",
            select="police",
            relationships="police",
            id_format="NOM{n:08d}",
            teams=(
                "Public Protection Investigation Unit",
                "Neighbourhood Policing Team {area}",
                "Missing from Home Team",
                "Domestic Abuse Safeguarding Unit",
                "Child Sexual Exploitation Team",
            ),
            roles=(
                "Detective Constable",
                "Police Constable",
                "Detective Sergeant",
                "Police Community Support Officer",
            ),
            email="police",
            current_share=0.3,
            noise=Noise(
                nickname=0.12,
                typo_given=0.02,
                typo_family=0.03,
                middle=0.5,
                dob_missing=0.02,
                dob_partial=0.02,
                dob_swap=0.01,
                old_address=0.15,
                uprn=0.05,
                ascii_only=True,
                upper_family=True,
                duplicate=0.04,
                restricted_known=0.6,
                stale_surname=0.15,
            ),
            people_columns=_NO_HEALTH_IDS,
            phone_style="compact",
        ),
        SourceSpec(
            code="YJS",
            ages=(10, 18),
            name="Youth justice case system (ChildView)",
            category="youth_justice",
            organisation="{council_short} Youth Justice Service",
            fmt=excel,
            expected_every_days=7,
            extracted_at="2026-11-17T01:00:00Z",
            coverage_start="2018-04-01",
            select="yjs",
            relationships="parents",
            id_format="YJ{n:05d}",
            teams=("Youth Justice Service", "Out of Court Disposals Team", "Court Team"),
            roles=("Youth Justice Officer", "Case Manager", "Senior Practitioner"),
            email="council",
            current_share=0.35,
            noise=Noise(nickname=0.1, uprn=0.3, duplicate=0.01),
        ),
        SourceSpec(
            # Stale on purpose: expected weekly, last delivered weeks ago.
            code="PROBATION",
            ages=(18, 70),
            name="Probation case management (nDelius) extract",
            category="probation",
            organisation="{probation}",
            fmt="csv",
            expected_every_days=7,
            extracted_at="2026-10-02T21:00:00Z",
            coverage_start="2016-06-01",
            select="probation",
            relationships="none",
            id_format="X{n:06d}",
            teams=(
                "{authority} Probation Delivery Unit",
                "Integrated Offender Management",
                "Approved Premises",
            ),
            roles=("Probation Officer", "Probation Services Officer", "Senior Probation Officer"),
            email="probation",
            current_share=0.5,
            noise=Noise(
                nickname=0.08,
                typo_family=0.02,
                middle=0.8,
                uprn=0.0,
                old_address=0.2,
                ascii_only=True,
                duplicate=0.01,
            ),
            people_columns=_NO_HEALTH_IDS,
            phone_style="international",
        ),
        SourceSpec(
            code="CAMHS",
            ages=(5, 18),
            name="Child and adolescent mental health services (RiO)",
            category="camhs",
            organisation="{mh_trust}",
            fmt="jsonl",
            expected_every_days=7,
            extracted_at="2026-11-19T04:00:00Z",
            coverage_start="2016-04-01",
            select="camhs",
            relationships="parents",
            id_format="RT2{n:07d}",
            teams=(
                "Healthy Young Minds {area}",
                "CAMHS Crisis Team",
                "Eating Disorders Service",
                "CAMHS Learning Disability Team",
            ),
            roles=(
                "CAMHS Practitioner",
                "Clinical Psychologist",
                "Mental Health Nurse",
                "Consultant Psychiatrist",
            ),
            email="nhs",
            current_share=0.45,
            noise=Noise(nhs=0.92, nhs_corrupt=0.01, uprn=0.2, duplicate=0.01, nickname=0.02),
            jsonl_nulls=False,
        ),
        SourceSpec(
            code="AMH",
            ages=(18, 90),
            name="Adult mental health services (RiO)",
            category="adult_mental_health",
            organisation="{mh_trust}",
            fmt="jsonl",
            expected_every_days=7,
            extracted_at="2026-11-19T04:30:00Z",
            coverage_start="2015-04-01",
            select="amh",
            relationships="nearest_relative",
            id_format="RT2{n:07d}",
            teams=(
                "Community Mental Health Team {area}",
                "Home Treatment Team",
                "Early Intervention in Psychosis",
                "Perinatal Mental Health Team",
            ),
            roles=(
                "Care Coordinator",
                "Community Psychiatric Nurse",
                "Consultant Psychiatrist",
                "Approved Mental Health Professional",
            ),
            email="nhs",
            current_share=0.5,
            noise=Noise(nhs=0.9, nhs_corrupt=0.01, uprn=0.3, duplicate=0.015, old_address=0.08),
        ),
        SourceSpec(
            code="SMS",
            ages=(18, 70),
            name="Drug and alcohol service case system",
            category="substance_misuse",
            organisation="{authority} Drug and Alcohol Service",
            fmt="jsonl",
            expected_every_days=30,
            extracted_at="2026-11-01T06:00:00Z",
            coverage_start="2018-04-01",
            select="sms",
            relationships="children",
            id_format="DAS-{n:06d}",
            teams=(
                "Adult Drug and Alcohol Service",
                "Young People's Substance Misuse Team",
                "Alcohol Liaison Team",
            ),
            roles=("Recovery Worker", "Keyworker", "Recovery Coordinator"),
            email="charity",
            current_share=0.45,
            noise=Noise(
                nickname=0.15,
                typo_family=0.02,
                dob_partial=0.02,
                nhs=0.4,
                uprn=0.1,
                old_address=0.12,
                duplicate=0.03,
            ),
            jsonl_nulls=True,
            phone_style="compact",
        ),
        SourceSpec(
            code="SCHOOLS",
            ages=(5, 16),
            name="Schools management information (census extract)",
            category="education",
            organisation="{council_short} Education",
            fmt=excel,
            expected_every_days=7,
            extracted_at="2026-11-14T19:00:00Z",
            coverage_start="2019-09-01",
            select="schools",
            relationships="school",
            id_format="SCH{n:07d}",
            teams=(),
            roles=("Designated Safeguarding Lead", "Head of Year", "Pastoral Lead", "SENCO"),
            email="school",
            current_share=0.97,
            noise=Noise(
                nickname=0.03,
                middle=0.8,
                uprn=0.3,
                old_address=0.06,
                duplicate=0.005,
                restricted_known=0.9,
            ),
            people_columns=PEOPLE_COLUMNS,
            second_episode=0.0,
        ),
        SourceSpec(
            code="SEND",
            ages=(2, 25),
            name="SEND and education health and care plans",
            category="send",
            organisation="{council_short} SEND Service",
            fmt=excel,
            expected_every_days=30,
            extracted_at="2026-11-03T20:00:00Z",
            coverage_start="2014-09-01",
            select="send",
            relationships="parents",
            id_format="EHCP{n:06d}",
            teams=(
                "SEND Assessment Team",
                "EHCP Coordination Team",
                "Educational Psychology Service",
                "Inclusion Service",
            ),
            roles=("EHCP Coordinator", "SEND Officer", "Educational Psychologist"),
            email="council",
            current_share=0.8,
            noise=Noise(nhs=0.15, uprn=0.5, duplicate=0.01),
            people_columns=PEOPLE_COLUMNS,
        ),
        SourceSpec(
            code="HOUSING",
            ages=(18, 90),
            name="Council housing tenancy system",
            category="housing",
            organisation="{housing}",
            fmt=excel,
            expected_every_days=7,
            extracted_at="2026-11-19T22:00:00Z",
            coverage_start="2012-04-01",
            select="housing",
            relationships="tenancy",
            id_format="T{n:07d}",
            teams=(
                "Housing Management {area}",
                "Tenancy Sustainment Team",
                "Income Recovery Team",
                "Homelessness Prevention Team",
            ),
            roles=("Housing Officer", "Tenancy Sustainment Officer", "Income Officer"),
            email="council",
            current_share=0.97,
            noise=Noise(
                nickname=0.06,
                dob_missing=0.04,
                dob_partial=0.03,
                uprn=0.98,
                postcode_missing=0.0,
                ascii_only=True,
                multiline_address=0.6,
                duplicate=0.01,
                address_from=0.9,
                sex_unknown=0.1,
                stale_surname=0.1,
            ),
            people_columns=_NO_HEALTH_IDS,
            dated_relationships=True,
            second_episode=0.05,
        ),
        SourceSpec(
            code="HV",
            ages=(0, 5),
            name="Health visiting and school nursing (SystmOne)",
            category="health_visiting",
            organisation="{community_trust}",
            fmt="csv",
            expected_every_days=7,
            extracted_at="2026-11-19T05:00:00Z",
            coverage_start="2019-04-01",
            select="hv",
            relationships="hv",
            id_format="HV{n:07d}",
            teams=(
                "Health Visiting Team {area}",
                "School Nursing Team {area}",
                "Family Nurse Partnership",
            ),
            roles=("Health Visitor", "School Nurse", "Community Nursery Nurse"),
            email="nhs",
            current_share=0.85,
            noise=Noise(
                nhs=0.95,
                nhs_corrupt=0.005,
                uprn=0.4,
                duplicate=0.01,
                dob_missing=0.002,
                dob_partial=0.0,
            ),
            people_columns=_NO_UPN,
        ),
        SourceSpec(
            code="GP",
            ages=(0, 100),
            name="GP practices (shared care record extract)",
            category="gp",
            organisation="",
            fmt="csv",
            expected_every_days=1,
            extracted_at="2026-11-20T01:00:00Z",
            coverage_start="2010-01-01",
            select="gp",
            relationships="none",
            id_format="E{n:08d}",
            teams=(),
            roles=("GP", "Practice Nurse"),
            email="nhs",
            current_share=0.95,
            noise=Noise(
                nickname=0.01,
                typo_given=0.004,
                typo_family=0.006,
                middle=0.9,
                dob_missing=0.0,
                dob_partial=0.0,
                dob_swap=0.001,
                sex_unknown=0.003,
                old_address=0.04,
                uprn=0.6,
                nhs=0.985,
                nhs_corrupt=0.002,
                duplicate=0.004,
                restricted_known=0.7,
            ),
            people_columns=_NO_UPN,
            lead_left=0.05,
            second_episode=0.0,
        ),
        SourceSpec(
            code="DA",
            ages=(18, 70),
            name="Domestic abuse service records",
            category="domestic_abuse",
            organisation="{authority} Domestic Abuse Service",
            fmt="csv",
            expected_every_days=30,
            extracted_at="2026-11-07T12:00:00Z",
            coverage_start="2020-04-01",
            select="da",
            relationships="da",
            id_format="DAS{n:05d}",
            teams=(
                "IDVA Service",
                "Community Outreach Team",
                "Refuge",
                "Children and Young People's Service",
            ),
            roles=(
                "Independent Domestic Violence Adviser",
                "Outreach Worker",
                "Refuge Support Worker",
            ),
            email="charity",
            current_share=0.5,
            noise=Noise(
                nickname=0.1,
                dob_partial=0.03,
                uprn=0.2,
                duplicate=0.01,
                restricted_known=0.98,
                old_address=0.2,
            ),
            people_columns=_NO_HEALTH_IDS,
            restricted_false=True,
        ),
    )


SOURCES: tuple[SourceSpec, ...] = _spec_list()

FC_SCHOOLS_LEGACY = SourceSpec(
    code="FC_SCHOOLS_LEGACY",
    ages=(5, 16),
    name="Schools (legacy Family Context extract)",
    category="education",
    organisation="{council_short} Education",
    fmt="excel",
    expected_every_days=30,
    extracted_at="2026-11-18T00:00:00Z",
    coverage_start="2018-09-01",
    select="fc_schools",
    relationships="none",
    id_format="{n:06d}",
    teams=(),
    roles=("Designated Safeguarding Lead", "Head of Year"),
    email="school",
    current_share=1.0,
    noise=Noise(sex_unknown=0.0, nickname=0.04, typo_family=0.01, dob_missing=0.01, duplicate=0.0),
)


# ---- whom each source holds ---------------------------------------------------------------
# A selector returns (subjects, related): subjects have involvements with the service;
# related people are held only as family members, carers or household members.

Selector = Callable[[Population, random.Random, int], tuple[list[int], list[int]]]


def _age(pop: Population, p: int, on: int) -> float:
    return (on - pop.dob[p]) / YEAR


def _alive_by(pop: Population, p: int, on: int) -> bool:
    return pop.dob[p] <= on


def _carers_at_home(pop: Population, p: int) -> list[int]:
    """The adults who look after a child at home: parents, step-parents, grandparents."""
    home = pop.hh[p]
    return [
        o
        for o, t, _s, _e in pop.rels[p]
        if pop.hh[o] == home and t in ("mother", "father", "step_parent", "grandparent")
    ]


def _family_network(pop: Population, rng: random.Random, child: int, out: list[int]) -> None:
    """A child's household, parents elsewhere and, sometimes, grandparents and half-siblings."""
    out += pop.hh_members[pop.hh[child]]
    home = pop.hh[child]
    for o, t, _s, _e in pop.rels[child]:
        if pop.hh[o] == home:
            continue
        if t in ("mother", "father"):
            if rng.random() < 0.8:
                out.append(o)
        elif t == "grandparent":
            if rng.random() < 0.25:
                out.append(o)
        elif t in ("half_sibling", "sibling") and rng.random() < 0.2:
            out.append(o)


def select_csc(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Children in need, on plans or looked after, with their family network."""
    subjects = [p for p in range(len(pop)) if pop.flags[p] & P.CSC and _alive_by(pop, p, as_of)]
    related: list[int] = []
    for p in subjects:
        _family_network(pop, rng, p, related)
    return subjects, related


def select_eh(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Children with early help, their households and some parents living elsewhere."""
    subjects = [p for p in range(len(pop)) if pop.flags[p] & P.EH and _alive_by(pop, p, as_of)]
    related: list[int] = []
    for p in subjects:
        related += pop.hh_members[pop.hh[p]]
        for o, t, _s, _e in pop.rels[p]:
            if t in ("mother", "father") and pop.hh[o] != pop.hh[p] and rng.random() < 0.5:
                related.append(o)
    return subjects, related


def select_asc(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Adults with care needs, and the partners or adult children who care for them."""
    subjects = [p for p in range(len(pop)) if pop.flags[p] & P.ASC]
    related = [
        o
        for p in subjects
        for o, t, _s, _e in pop.rels[p]
        if pop.flags[o] & P.CARER and t in ("partner", "child")
    ]
    return subjects, related


def select_police(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Offenders, domestic abuse victims and perpetrators, missing or exploited teens."""
    wanted = P.OFFENDER | P.DA_VICTIM | P.DA_PERPETRATOR | P.POLICE_CONTACT
    subjects = [
        p
        for p in range(len(pop))
        if pop.flags[p] & wanted
        and _age(pop, p, as_of) >= 10
        and (pop.flags[p] & ~P.DA_VICTIM & wanted or rng.random() < 0.8)
    ]
    related: list[int] = []
    for p in subjects:
        if pop.flags[p] & P.DA_VICTIM:
            # Children present at a domestic incident are recorded with the victim.
            related += [
                m
                for m in pop.hh_members[pop.hh[p]]
                if _age(pop, m, as_of) < 18 and _alive_by(pop, m, as_of) and rng.random() < 0.6
            ]
    return subjects, related


def select_yjs(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Children who offended, with the adults who care for them at home."""
    subjects = [p for p in range(len(pop)) if pop.flags[p] & P.YJS]
    related = [c for p in subjects for c in _carers_at_home(pop, p)]
    return subjects, related


def select_probation(
    pop: Population, rng: random.Random, as_of: int
) -> tuple[list[int], list[int]]:
    """Adults on probation; nobody else."""
    return [p for p in range(len(pop)) if pop.flags[p] & P.PROBATION], []


def select_camhs(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Children in mental health services, with their parents or carers."""
    subjects = [p for p in range(len(pop)) if pop.flags[p] & P.CAMHS]
    related = [c for p in subjects for c in _carers_at_home(pop, p) if rng.random() < 0.85]
    return subjects, related


def select_amh(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Adults in mental health services; now and then a nearest relative."""
    subjects = [p for p in range(len(pop)) if pop.flags[p] & P.AMH]
    related = [
        o
        for p in subjects
        for o, t, _s, _e in pop.rels[p]
        if t in ("partner", "mother") and pop.dod[o] == 0 and rng.random() < 0.15
    ]
    return subjects, related


def select_sms(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Adults in drug and alcohol treatment, and some of their children (hidden harm)."""
    subjects = [p for p in range(len(pop)) if pop.flags[p] & P.SMS]
    related = [
        o
        for p in subjects
        for o, t, _s, _e in pop.rels[p]
        if t == "child"
        and _age(pop, o, as_of) < 18
        and _alive_by(pop, o, as_of)
        and rng.random() < 0.5
    ]
    return subjects, related


def _school_age(pop: Population, p: int, as_of: int) -> bool:
    # Reception to Year 13; a quick age test first, as this runs for everyone.
    return 3.9 <= _age(pop, p, as_of) < 19.1 and 0 <= P.school_year(pop.dob[p], as_of) <= 13


def select_schools(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Pupils in Reception to Year 13, and their parents and carers as contacts."""
    subjects = [
        p
        for p in range(len(pop))
        if _school_age(pop, p, as_of) and pop.dod[p] == 0 and rng.random() < 0.96
    ]
    related: list[int] = []
    for p in subjects:
        related += _carers_at_home(pop, p)
        for o, t, _s, _e in pop.rels[p]:
            if t in ("mother", "father") and pop.hh[o] != pop.hh[p] and rng.random() < 0.35:
                related.append(o)
    return subjects, related


def select_fc_schools(
    pop: Population, rng: random.Random, as_of: int
) -> tuple[list[int], list[int]]:
    """Pupils of the schools still on the legacy system: about one school in six."""
    legacy = {i for i in range(len(pop.schools)) if i % 6 == 1}
    subjects = [
        p
        for p in range(len(pop))
        if _school_age(pop, p, as_of)
        and pop.dod[p] == 0
        and (pop.hh_primary[pop.hh[p]] in legacy or pop.hh_secondary[pop.hh[p]] in legacy)
    ]
    return subjects, []


def select_send(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Children and young people up to 25 with special needs, and their carers."""
    subjects = [p for p in range(len(pop)) if pop.flags[p] & P.SEN and _age(pop, p, as_of) < 26]
    related = [c for p in subjects for c in _carers_at_home(pop, p)]
    return subjects, related


def select_housing(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Everyone on a council or housing association tenancy."""
    subjects = [
        m
        for hh, members in enumerate(pop.hh_members)
        if pop.hh_social[hh]
        for m in members
        if _alive_by(pop, m, as_of)
    ]
    return subjects, []


def select_hv(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Under-fives, children seen by school nurses, and their mothers (some fathers)."""
    school_nursing = P.CSC | P.CAMHS | P.SEN
    subjects = [
        p
        for p in range(len(pop))
        if _alive_by(pop, p, as_of)
        and (
            (_age(pop, p, as_of) < 5 and rng.random() < 0.97)
            or (_age(pop, p, as_of) < 16 and pop.flags[p] & school_nursing and rng.random() < 0.4)
        )
    ]
    related = [
        o
        for p in subjects
        for o, t, _s, _e in pop.rels[p]
        if (t == "mother" or (t == "father" and rng.random() < 0.4)) and pop.hh[o] == pop.hh[p]
    ]
    return subjects, related


def select_gp(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Everyone registered with a GP practice in the area."""
    return [p for p in range(len(pop)) if pop.flags[p] & P.GP_REGISTERED], []


def select_da(pop: Population, rng: random.Random, as_of: int) -> tuple[list[int], list[int]]:
    """Domestic abuse victims helped by the service, their children and the abuser."""
    subjects = [p for p in range(len(pop)) if pop.flags[p] & P.DA_VICTIM and rng.random() < 0.6]
    related: list[int] = []
    for p in subjects:
        for o, t, _s, _e in pop.rels[p]:
            if (t == "child" and pop.hh[o] == pop.hh[p] and _age(pop, o, as_of) < 18) or (
                t in ("partner", "ex_partner")
                and pop.flags[o] & P.DA_PERPETRATOR
                and rng.random() < 0.7
            ):
                related.append(o)
    return subjects, related


SELECTORS: dict[str, Selector] = {
    "csc": select_csc,
    "eh": select_eh,
    "asc": select_asc,
    "police": select_police,
    "yjs": select_yjs,
    "probation": select_probation,
    "camhs": select_camhs,
    "amh": select_amh,
    "sms": select_sms,
    "schools": select_schools,
    "fc_schools": select_fc_schools,
    "send": select_send,
    "housing": select_housing,
    "hv": select_hv,
    "gp": select_gp,
    "da": select_da,
}
