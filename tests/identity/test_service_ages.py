"""What a record's own involvements say of age (identity/service_ages.py): the latest year
it shows the person in a service for children only."""

from datetime import date

import pytest
from django.utils import timezone

from familyview.access.factories import create_authority
from familyview.families.factories import create_involvement
from familyview.identity.service_ages import child_service_years
from familyview.sources.factories import create_import, create_person_record, create_source

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)


def test_the_latest_year_a_record_shows_its_person_in_a_service_for_children():
    authority = create_authority("stockport")
    school = create_import(create_source(authority, "SCHOOL", service_category="education"))
    housing = create_import(create_source(authority, "HOUSING", service_category="housing"))

    def undated(extract_import):
        return create_person_record(extract_import, given_name="Jacob", family_name="Taylor")

    on_roll = undated(school)
    create_involvement(school, on_roll, status="current", start_date=date(2019, 9, 2))
    left = undated(school)
    create_involvement(
        school, left, status="historic", start_date=date(1991, 9, 2), end_date=date(1998, 7, 20)
    )
    last_seen = undated(school)
    create_involvement(
        school,
        last_seen,
        status="not_recorded",
        start_date=date(2001, 9, 3),
        last_contact_date=date(2004, 3, 1),
    )
    no_dates = undated(school)
    create_involvement(school, no_dates, status="historic", start_date=None)
    parent_contact = undated(school)  # a parent on the school's system: no involvement
    tenant = undated(housing)
    create_involvement(housing, tenant, status="current")
    # A youth offending team's involvement held by another source counts by its category.
    youth_justice = undated(housing)
    create_involvement(
        housing,
        youth_justice,
        "youth_justice",
        status="historic",
        start_date=date(2012, 5, 1),
        end_date=None,
    )
    removed = undated(school)
    create_involvement(school, removed, status="current", ended_at=timezone.now())

    everyone = [on_roll, left, last_seen, no_dates, parent_contact, tenant, youth_justice, removed]
    years = child_service_years([r.pk for r in everyone], TODAY)
    assert years == {on_roll.pk: 2026, left.pk: 1998, last_seen.pk: 2004, youth_justice.pk: 2012}
    # Only the records asked about.
    assert child_service_years([left.pk], TODAY) == {left.pk: 1998}
