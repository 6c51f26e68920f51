"""The neighbouring council's deployment for the cross-border tests: Manchester's records,
written into its own database by its own process (`python -m tests.peers.neighbour`, with
its DATABASE_URL and FAMILYVIEW_VAR_DIR).

- The father (NHS number FATHER_NHS, born FATHER_BORN) is on probation in Manchester, with a
  probation officer to call; he also has an adult mental health involvement (a sensitive
  service: held, its duty line only) and a housing involvement that ended years ago (not
  answered: only current and recently ended services are).
- The mother (MOTHER_NHS) is shielded in Manchester: answered "held" and nothing else.
- The brother's NHS number (BROTHER_NHS) is on a Manchester record with another date of
  birth: no match.
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
DUTY_LINE = "0161 496 0777"
COUNCIL = "Manchester City Council"


def seed() -> None:
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
    import django

    django.setup()
    seed()
