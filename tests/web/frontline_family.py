"""A child's family as the front-line pages and the browser tests see it: source systems
with loaded extracts, person records linked into persons, the relationships a case system
records, service involvements, and the family links `familyview families build` makes."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from familyview.access.models import Authority
from familyview.families.building import build_families
from familyview.families.factories import create_involvement, create_person, create_relationship
from familyview.identity.search import refresh_search_entries
from familyview.sources.factories import create_import, create_person_record, create_source
from familyview.sources.models import ExtractImport

CHILD_LEAD = {
    "lead_name": "Jo Bloggs",
    "lead_role": "Social Worker",
    "lead_phone": "0161 496 0100",
    "lead_email": "jo.bloggs@stockport.example.gov.uk",
}


@dataclass
class Family:
    authority: Authority
    child: str
    mother: str
    father: str
    sibling: str
    members: list[str] = field(default_factory=list)
    imports: dict[str, ExtractImport] = field(default_factory=dict)
    child_involvement: int = 0
    mother_involvements: dict[str, int] = field(default_factory=dict)


def _sources(authority: Authority) -> dict[str, ExtractImport]:
    code = authority.code.upper()[:3]
    extracted = timezone.make_aware(datetime(2026, 11, 20, 2, 0))
    specs = {
        "CSC": ("Children's social care case system", "childrens_social_care"),
        "GP": ("GP practice records", "gp"),
        "HOUSING": ("Council housing", "housing"),
        "AMH": ("Adult mental health trust", "adult_mental_health"),
        "POLICE": ("Police safeguarding extract", "police"),
        "SCHOOL": ("School census", "education"),
    }
    imports = {}
    for key, (name, category) in specs.items():
        source = create_source(
            authority,
            code=f"{code}-{key}",
            name=f"{name} ({authority.name})",
            service_category=category,
            organisation=f"{authority.name} partners",
            duty_phone="0161 496 0999",
            owner_email=f"{key.lower()}.owner@example.gov.uk",
            expected_every_days=36500,
        )
        imports[key] = create_import(source, extracted_at=extracted)
    return imports


def a_family(authority: Authority, extra_members: int = 0, involvements_each: int = 0) -> Family:
    """Amelia Thornbury (born 9 March 2016), her mother Claire, her father Mark and her
    brother Jack, as the children's social care system records them; with `extra_members`
    more siblings, each with `involvements_each` involvements."""
    imports = _sources(authority)
    csc, gp = imports["CSC"], imports["GP"]
    child_csc = create_person_record(
        csc,
        given_name="Amelia",
        family_name="Thornbury",
        birth_year=2016,
        birth_month=3,
        birth_day=9,
        sex="female",
        address_line1="12 Mill Lane",
        address_line2="Heaton Moor",
        postcode="SK4 1AA",
    )
    child_gp = create_person_record(
        gp,
        given_name="Amelia",
        family_name="Thornbury",
        birth_year=2016,
        birth_month=3,
        birth_day=9,
        sex="female",
        nhs_number="9434765919",
        postcode="SK4 1AA",
    )
    mother = create_person_record(
        csc,
        given_name="Claire",
        family_name="Thornbury",
        birth_year=1988,
        birth_month=6,
        birth_day=4,
        address_line1="12 Mill Lane",
        postcode="SK4 1AA",
    )
    father = create_person_record(
        csc, given_name="Mark", family_name="Thornbury", birth_year=1986, postcode="M20 2AB"
    )
    brother = create_person_record(
        csc,
        given_name="Jack",
        family_name="Thornbury",
        birth_year=2012,
        birth_month=1,
        birth_day=20,
        address_line1="12 Mill Lane",
        postcode="SK4 1AA",
    )
    child = create_person(child_csc, child_gp, probability=0.998)
    persons = {
        "mother": create_person(mother),
        "father": create_person(father),
        "sibling": create_person(brother),
    }
    create_relationship(csc, child_csc, mother, "mother")
    create_relationship(csc, child_csc, father, "father")
    create_relationship(csc, child_csc, brother, "sibling")

    child_involvement = create_involvement(
        csc,
        child_csc,
        team="Child in Need Team West",
        start_date=date(2025, 9, 1),
        last_contact_date=date(2026, 11, 2),
        **CHILD_LEAD,
    )
    create_involvement(
        csc,
        child_csc,
        status="historic",
        team="Assessment Team West",
        start_date=date(2022, 2, 1),
        end_date=date(2022, 6, 30),
    )
    mother_involvements = {
        "housing": create_involvement(
            imports["HOUSING"],
            mother,
            team="Tenancy Support",
            lead_name="Priya Shah",
            lead_role="Housing Officer",
            lead_phone="0161 496 0200",
            lead_email="priya.shah@example.gov.uk",
            details={"rent_arrears": "yes"},
        ).pk,
        "adult_mental_health": create_involvement(
            imports["AMH"],
            mother,
            team="Community Mental Health Team",
            lead_name="Dr Hidden Name",
            lead_phone="0161 496 0300",
        ).pk,
        "police": create_involvement(
            imports["POLICE"],
            mother,
            team="Public Protection Unit",
            lead_name="DC Ann Jones",
            lead_role="Detective Constable",
            details={
                "offences": [
                    {"date": "2026-05-01", "type": "domestic abuse", "involvement": "victim"}
                ]
            },
        ).pk,
    }
    members = [persons["mother"].pk, persons["father"].pk, persons["sibling"].pk]
    for n in range(extra_members):
        record = create_person_record(
            csc,
            given_name=f"Sibling{chr(65 + n)}",
            family_name="Thornbury",
            birth_year=2008 + n % 8,
            postcode="SK4 1AA",
        )
        members.append(create_person(record).pk)
        create_relationship(csc, child_csc, record, "half_sibling")
        for i in range(involvements_each):
            source = (imports["CSC"], imports["SCHOOL"], imports["GP"])[i % 3]
            create_involvement(
                source,
                record,
                status="current" if i % 2 == 0 else "historic",
                start_date=date(2015 + i % 10, 1 + i % 12, 1),
                team=f"Team {i}",
            )
    build_families()
    refresh_search_entries()
    return Family(
        authority=authority,
        child=child.pk,
        mother=persons["mother"].pk,
        father=persons["father"].pk,
        sibling=persons["sibling"].pk,
        members=members,
        imports=imports,
        child_involvement=child_involvement.pk,
        mother_involvements=mother_involvements,
    )
