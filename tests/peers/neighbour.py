"""The neighbouring councils' deployments for the cross-border tests: their records, each
written into its own database by its own process (`python -m tests.peers.neighbour
manchester`, with its DATABASE_URL and FAMILYVIEW_VAR_DIR).

Manchester:

- The father (NHS number FATHER_NHS, born FATHER_BORN) is on probation in Manchester, with a
  probation officer to call; he also has an adult mental health involvement (a sensitive
  service: held, its duty line only) and a housing involvement that ended years ago (not
  answered: only current and recently ended services are).
- The mother (MOTHER_NHS) is shielded in Manchester: answered "held" and nothing else.
- The brother's NHS number (BROTHER_NHS) is on a Manchester record with another date of
  birth: no match.

Salford: the father is known to its adult social care (SOCIAL_WORKER to call).
"""

from datetime import date

FATHER_NHS, FATHER_BORN = "9434765927", date(1986, 7, 14)
MOTHER_NHS, MOTHER_BORN = "9434765935", date(1988, 6, 4)
BROTHER_NHS, BROTHER_BORN = "9434765943", date(2012, 1, 20)
OTHER_NHS = "9434765951"
PROBATION_OFFICER = {
    "lead_name": "Pat Okafor",
    "lead_role": "Probation Officer",
    "lead_phone": "0161 496 0555",
    "lead_email": "pat.okafor@probation.example.gov.uk",
}
SOCIAL_WORKER = {
    "lead_name": "Ali Hassan",
    "lead_role": "Social Worker",
    "lead_phone": "0161 793 0100",
    "lead_email": "ali.hassan@salford.example.gov.uk",
}
COUNCIL = "Manchester City Council"
SALFORD_COUNCIL = "Salford City Council"


def seed_salford() -> None:
    from django.utils import timezone

    from familyview.access.factories import create_authority
    from familyview.families.factories import create_involvement, create_person
    from familyview.identity.search import refresh_search_entries
    from familyview.sources.factories import create_import, create_person_record, create_source

    authority = create_authority("salford", SALFORD_COUNCIL)
    source = create_source(
        authority,
        code="ASC",
        name="Adult social care system",
        service_category="adult_social_care",
        organisation="Salford adult social care",
        duty_phone="0161 793 0999",
        expected_every_days=36500,
    )
    imp = create_import(source, extracted_at=timezone.now())
    father = create_person_record(
        imp,
        given_name="Mark",
        family_name="Thornbury",
        birth_year=FATHER_BORN.year,
        birth_month=FATHER_BORN.month,
        birth_day=FATHER_BORN.day,
        nhs_number=FATHER_NHS,
    )
    create_person(father)
    create_involvement(
        imp, father, team="Salford Adults Team", start_date=date(2025, 6, 1), **SOCIAL_WORKER
    )
    refresh_search_entries()


def seed_manchester() -> None:
    from django.utils import timezone

    from familyview.access.factories import create_authority
    from familyview.families.factories import create_involvement, create_person
    from familyview.identity.search import refresh_search_entries
    from familyview.sources.factories import create_import, create_person_record, create_source

    authority = create_authority("manchester", COUNCIL)
    extracted = timezone.now()

    def source(code: str, category: str) -> object:
        made = create_source(
            authority,
            code=code,
            name=f"{code} system",
            service_category=category,
            organisation=f"Manchester {category.replace('_', ' ')}",
            duty_phone="0161 496 0888",
            expected_every_days=36500,
        )
        return create_import(made, extracted_at=extracted)

    probation = source("PROBATION", "probation")
    mental_health = source("AMH", "adult_mental_health")
    housing = source("HOUSING", "housing")
    csc = source("CSC", "childrens_social_care")

    def person(imp, nhs: str, born: date, **fields):
        record = create_person_record(
            imp,
            given_name=fields.pop("given_name", "Someone"),
            family_name="Thornbury",
            birth_year=born.year,
            birth_month=born.month,
            birth_day=born.day,
            nhs_number=nhs,
            postcode="M20 2AB",
            **fields,
        )
        create_person(record)
        return record

    father = person(probation, FATHER_NHS, FATHER_BORN, given_name="Mark")
    create_involvement(
        probation,
        father,
        team="Manchester South Probation",
        organisation="Probation Service",
        start_date=date(2026, 2, 1),
        duty_phone="0161 496 0500",
        **PROBATION_OFFICER,
    )
    create_involvement(
        mental_health, father, team="Community Mental Health Team", duty_phone="0161 496 0600"
    )
    create_involvement(
        housing,
        father,
        status="historic",
        team="Tenancy Support",
        start_date=date(2015, 1, 1),
        end_date=date(2016, 1, 1),
    )
    mother = person(csc, MOTHER_NHS, MOTHER_BORN, given_name="Claire", restricted=True)
    create_involvement(csc, mother, team="Refuge Outreach")
    brother = person(csc, BROTHER_NHS, date(2012, 1, 21), given_name="Jack")
    create_involvement(csc, brother, team="Child in Need Team North")
    other = person(csc, OTHER_NHS, date(2015, 5, 5), given_name="Other")
    create_involvement(csc, other, team="Child in Need Team North")
    refresh_search_entries()


if __name__ == "__main__":
    import sys

    import django

    django.setup()
    {"manchester": seed_manchester, "salford": seed_salford}[sys.argv[1]]()
