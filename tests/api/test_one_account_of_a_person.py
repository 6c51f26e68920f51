"""One account of a person: a child whose records disagree (three dates of birth written
"2016-03-09", "2016" and "2016", a fourth record with none; the name written two ways,
as many records each) has the same name, date of birth and age on the family page, in
the search results, in Family View's API, in the reference API and in a privacy alert."""

from datetime import date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from familyview.access.factories import create_staff
from familyview.access.models import Role
from familyview.families.factories import create_person
from familyview.identity.search import refresh_search_entries
from familyview.involvements.display import AgeBounds
from familyview.privacy.alerts.runs import run_alert_rules
from familyview.privacy.models import AlertRule, PrivacyAlert
from familyview.sources.factories import create_import, create_person_record
from familyview.sources.models import Source
from tests.web.pages import read, text

from .world import PURPOSE, client_headers

pytestmark = pytest.mark.django_db


def a_child_whose_records_disagree(council) -> str:
    """Amelia Hart as children's social care and her school write her (the oldest
    imports), Millie Hart as housing and the police do (the newest)."""
    sources = {s.service_category: s for s in Source.objects.filter(authority=council.authority)}
    written = (
        ("childrens_social_care", "Amelia", (2016, 3, 9)),
        ("education", "Amelia", (2016, None, None)),
        ("housing", "Millie", (2016, None, None)),
        ("police", "Millie", (None, None, None)),
    )
    records = []
    for day, (category, given, (year, month, day_of_month)) in enumerate(written, start=1):
        extract = create_import(
            sources[category], extracted_at=timezone.make_aware(datetime(2026, 11, 20 + day))
        )
        records.append(
            create_person_record(
                extract,
                given_name=given,
                family_name="Hart",
                birth_year=year,
                birth_month=month,
                birth_day=day_of_month,
                sex="female",
                address_line1="3 Vale Road",
                postcode="SK4 2BB",
            )
        )
    person = create_person(*records).pk
    refresh_search_entries()
    return person


def test_the_page_the_search_and_the_api_give_one_name_and_date_of_birth(api, world):
    child = a_child_whose_records_disagree(world["own"])
    page = Client()
    page.force_login(get_user_model().objects.get(username=world["own"].usernames["practitioner"]))
    headers = client_headers(world["own"], "practitioner", **PURPOSE)
    # Two records of four say Millie Hart, the newest of them; every record that gives a
    # year agrees with 9 March 2016.
    name, born, age = (
        "Millie Hart",
        date(2016, 3, 9),
        AgeBounds.from_birth(2016, 3, 9, timezone.localdate()).youngest,
    )

    page.post(reverse("web:purpose", args=[child]), PURPOSE)
    family = read(page.get(reverse("web:family", args=[child])))
    member = family.select_one("[data-testid=member]")
    searched = page.post(reverse("web:search"), {"name": "Amelia Hart"})
    results = read(page.get(searched["Location"])).select("[data-testid=result]")
    [result] = [r for r in results if r.select_one("h3 a")["href"].endswith(f"/{child}/purpose")]
    own = api.get(f"/api/v1/people/{child}", headers=headers).json()
    reference = api.get(f"/api/person/detail/{child}", headers=headers).json()
    [found] = [
        p
        for p in api.post(
            "/api/v1/people/search", {"name": "Amelia Hart"}, "application/json", headers=headers
        ).json()["items"]
        if p["person_id"] == child
    ]

    assert text(member.select_one("[data-testid=member-name]")) == name
    assert f"{age} years old (born 9 March 2016)" in text(member)
    assert text(result.select_one("h3")) == name
    assert f"{age} years old" in text(result)
    assert (own["name"], own["given_name"], own["family_name"]) == (name, "Millie", "Hart")
    assert (own["date_of_birth"], own["age"]) == (born.isoformat(), age)
    assert (reference["firstName"], reference["lastName"]) == ("Millie", "Hart")
    assert reference["dateOfBirth"] == born.isoformat()
    assert (found["name"], found["age"]) == (name, age)


def test_a_privacy_alert_and_the_family_page_give_one_name_and_date_of_birth(world):
    child = a_child_whose_records_disagree(world["own"])
    namesake = Client()
    namesake.force_login(
        create_staff(Role.PRACTITIONER, world["own"].authority, first_name="Sam", last_name="Hart")
    )
    officer = Client()
    officer.force_login(
        get_user_model().objects.get(username=world["own"].usernames["privacy_officer"])
    )

    namesake.post(reverse("web:purpose", args=[child]), PURPOSE)
    family = read(namesake.get(reverse("web:family", args=[child])))
    run_alert_rules()
    alert = PrivacyAlert.objects.get(rule=AlertRule.SAME_SURNAME)
    page = read(officer.get(reverse("web:privacy-alert", args=[alert.pk])))

    member = family.select_one("[data-testid=member]")
    [concerned] = [
        p for p in page.select("[data-testid=person-concerned]") if child in text(p.select_one("a"))
    ]
    assert text(member.select_one("[data-testid=member-name]")) == "Millie Hart"
    assert "(born 9 March 2016)" in text(member)
    assert text(concerned.select_one("[data-testid=person-name]")) == "Millie Hart"
    assert " ".join(concerned.get_text().split()).endswith(": Millie Hart, born 9 March 2016")
