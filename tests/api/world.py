"""Two councils' people for the API tests: in each, a child with a mother, a father and
a brother (the mother known to housing, police and adult mental health, a sensitive
service), and a shielded child with a shielded mother; API clients and staff per role."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from familyview.access.factories import create_authority, create_staff
from familyview.access.models import Authority, Role
from familyview.api.clients import issue_client
from familyview.families.building import build_families
from familyview.families.factories import create_involvement, create_person, create_relationship
from familyview.identity.search import refresh_search_entries
from familyview.sources.factories import create_import, create_person_record, create_source

SENSITIVE_LEAD = "Dr Hidden Name"
EXTRACTED = datetime(2026, 11, 20, 2, 0)


@dataclass
class Council:
    authority: Authority
    child: str
    mother: str
    sibling: str
    shielded_child: str
    shielded_mother: str
    token: str = ""
    usernames: dict[str, str] = field(default_factory=dict)
    involvements: dict[str, int] = field(default_factory=dict)

    @property
    def people(self) -> list[str]:
        return [self.child, self.mother, self.sibling, self.shielded_child, self.shielded_mother]


def a_council(code: str, name: str, family_name: str) -> Council:
    """One council with its families, one API client and one member of staff per role."""
    authority = create_authority(code, name)
    extracted = timezone.make_aware(EXTRACTED)
    imports = {}
    for key, category in (
        ("CSC", "childrens_social_care"),
        ("HOUSING", "housing"),
        ("AMH", "adult_mental_health"),
        ("POLICE", "police"),
        ("SCHOOL", "education"),
    ):
        source = create_source(
            authority,
            code=f"{code.upper()}-{key}",
            name=f"{name} {key.lower()}",
            service_category=category,
            duty_phone="0161 496 0999",
            expected_every_days=36500,
        )
        imports[key] = create_import(
            source,
            extracted_at=extracted,
            coverage_start=date(2015, 1, 1),
            coverage_area=name,
        )
    csc = imports["CSC"]

    def record(given: str, year: int, **fields):
        return create_person_record(
            csc,
            given_name=given,
            family_name=family_name,
            birth_year=year,
            birth_month=fields.pop("month", 3),
            birth_day=fields.pop("day", 9),
            sex=fields.pop("sex", "female"),
            address_line1=fields.pop("address_line1", "12 Mill Lane"),
            postcode=fields.pop("postcode", "SK4 1AA"),
            **fields,
        )

    child, mother = record("Amelia", 2016), record("Claire", 1988)
    father, brother = record("Mark", 1986, sex="male"), record("Jack", 2012, sex="male")
    hidden_child = record("Robin", 2015, restricted=True, postcode="M1 1AE", address_line1="")
    hidden_mother = record("Jess", 1990, restricted=True, postcode="M1 1AE", address_line1="")
    persons = {r: create_person(r) for r in (child, mother, father, brother)}
    persons |= {r: create_person(r) for r in (hidden_child, hidden_mother)}
    for related, kind in ((mother, "mother"), (father, "father"), (brother, "sibling")):
        create_relationship(csc, child, related, kind)
    create_relationship(csc, hidden_child, hidden_mother, "mother")
    involvements = {
        "child": create_involvement(csc, child, team="Child in Need Team").pk,
        "school": create_involvement(
            imports["SCHOOL"],
            child,
            organisation="Heaton Primary",
            details={"school_name": "Heaton Primary", "admission_type": "Full time"},
        ).pk,
        "housing": create_involvement(
            imports["HOUSING"], mother, details={"rent_arrears": "yes"}
        ).pk,
        "sensitive": create_involvement(
            imports["AMH"], mother, lead_name=SENSITIVE_LEAD, lead_phone="0161 496 0300"
        ).pk,
        "police": create_involvement(
            imports["POLICE"],
            mother,
            team="Public Protection Unit",
            details={
                "offences": [
                    {"date": "2026-05-01", "type": "domestic abuse", "involvement": "victim"}
                ]
            },
        ).pk,
        "shielded": create_involvement(csc, hidden_child, team="Child Protection Team").pk,
    }
    council = Council(
        authority=authority,
        child=persons[child].pk,
        mother=persons[mother].pk,
        sibling=persons[brother].pk,
        shielded_child=persons[hidden_child].pk,
        shielded_mother=persons[hidden_mother].pk,
        involvements=involvements,
    )
    council.token = issue_client(authority, "Case management system").token
    for role in Role:
        user = create_staff(role, authority, username=f"{code}.{role.value}")
        council.usernames[role.value] = user.get_username()
    return council


def build_world() -> dict[str, Council]:
    """Stockport (the callers' own council) and Surrey (another)."""
    world = {
        "own": a_council("stockport", "Stockport", "Thornbury"),
        "other": a_council("surrey", "Surrey", "Ashdown"),
    }
    build_families()
    refresh_search_entries()
    return world


def client_headers(council: Council, role: str, **purpose: str) -> dict[str, str]:
    """Headers for a call by the council's API client acting for its member of staff
    with this role (and a purpose of access, given as purpose=..., case_reference=...)."""
    headers = {
        "Authorization": f"Bearer {council.token}",
        "X-Acting-User": council.usernames[role],
    }
    if purpose:
        headers["X-Purpose"] = purpose["purpose"]
        headers["X-Case-Reference"] = purpose["case_reference"]
        if purpose.get("other"):
            headers["X-Purpose-Other"] = purpose["other"]
    return headers


PURPOSE = {"purpose": "section_17_assessment", "case_reference": "CIN-2026-0042"}
