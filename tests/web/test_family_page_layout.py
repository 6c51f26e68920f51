"""The family pages a worker moves around: each name on the first screen a link to the
person's section (said once), each person a section that folds away with one "Report
something wrong", a way on to the next person and back to the top; phone numbers as they
are dialled; no names in titles and no jargon (model figures, rule versions, systems'
names) on a worker's page."""

from datetime import date

import pytest
from django.urls import reverse

from familyview.access.purpose import PurposeOfAccess, remember_purpose
from familyview.families.building import build_families
from familyview.families.factories import create_involvement
from familyview.identity.models import LinkedRecord
from familyview.sources.models import Source, SourceRelationship

from .frontline_family import a_family
from .pages import read, text, title

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(authority):
    return a_family(authority)


@pytest.fixture
def client(practitioner_client, family):
    session = practitioner_client.session
    remember_purpose(session, family.child, PurposeOfAccess("mash_triage", "", "MASH-1"))
    session.save()
    return practitioner_client


def family_page(client, family):
    return read(client.get(reverse("web:family", args=[family.child])))


def test_each_persons_name_on_the_first_screen_opens_their_section_once(client, family):
    page = family_page(client, family)

    first_screen = page.select_one("[data-testid=first-screen]")
    links = [(text(a), a["href"]) for a in first_screen.select("h3 a")]
    sections = [s["id"] for s in page.select("#people .govuk-accordion__section-content > div")]
    assert sorted(href for _, href in links) == sorted(f"#{s}" for s in sections)
    assert ("Amelia Thornbury", f"#person-{family.child}") in links
    # Said once: no second list of the same links ("Jump to a person") above or below.
    to_sections = [
        a
        for a in page.select("main a[href^='#person-']")
        if not a.find_parent(class_="app-member__onward")
    ]
    assert len(to_sections) == len(sections)
    assert "Jump to a person" not in text(page.select_one("main"))
    # The first screen comes before the family's first person's section.
    assert str(page).index('data-testid="first-screen"') < str(page).index('id="people"')


def test_each_person_folds_away_with_one_report_link_and_a_way_on(client, family):
    page = family_page(client, family)

    sections = page.select("#people > .govuk-accordion__section")
    assert len(sections) == 4
    # Folded as the page opens: the sections are closed (GOV.UK Frontend's script hides
    # their content until opened or jumped to) and nothing remembers them open.
    assert page.select_one("#people")["data-remember-expanded"] == "false"
    assert not page.select(".govuk-accordion__section--expanded")
    for section in sections:
        name = text(section.select_one("[data-testid=member-name]"))
        reports = section.select("a[href*='/report-problem']")
        assert [text(a) for a in reports] == [f"Report something wrong about {name}"]
        assert "?" not in reports[0]["href"]  # the fact is chosen on the report page
        assert section.select_one("a[href='#main-content']").get_text() == "Back to the top"
    onward = [s.select_one("a[href^='#person-']") for s in sections]
    assert [a["href"] for a in onward[:-1]] == [
        f"#{s.select_one('.govuk-accordion__section-content > div')['id']}" for s in sections[1:]
    ]
    # GOV.UK Frontend's script names each section's content by the accordion's id.
    contents = [s.select_one(".govuk-accordion__section-content")["id"] for s in sections]
    assert contents == [f"people-content-{n}" for n in range(1, 5)]
    assert text(onward[0]).startswith("Next: ")
    assert onward[-1] is None  # the last person has only "Back to the top"


def test_no_name_in_any_family_page_title(client, family):
    for name in ("web:family", "web:ecomap", "web:who-to-call", "web:why"):
        page = read(client.get(reverse(name, args=[family.child])))
        assert "Amelia" not in page.select_one("title").text, name
        assert "Amelia Thornbury" in text(page.select_one("main")), name
    assert family_page(client, family).select_one("title").text == title("Family and services")


def test_no_jargon_on_a_workers_family_pages(client, family):
    # The systems' own names ("Children's social care case system (Stockport)") are the
    # data steward's; a worker reads the service and who runs it.
    systems = [source.name for source in Source.objects.all()]
    for name in ("web:family", "web:who-to-call"):
        main = text(read(client.get(reverse(name, args=[family.child]))).select_one("main"))
        for jargon in ("Display rules", "rules version", "Probabilistic", "UPRN", "%", *systems):
            assert jargon not in main, (name, jargon)
    # The model's figures are on the "why" page.
    why = text(read(client.get(reverse("web:why", args=[family.child]))).select_one("main"))
    assert "%" in why


def test_phone_numbers_are_grouped_and_dialled_internationally_however_sent(client, family):
    mother = LinkedRecord.objects.filter(person_id=family.mother).first().person_record
    create_involvement(
        family.imports["POLICE"],
        mother,
        team="Public Protection Unit",
        lead_phone="01614960239",  # as the police extract sends them
        duty_phone="(0161) 496-0240",
        start_date=date(2026, 2, 1),
        details={
            "offences": [{"date": "2026-02-01", "type": "domestic abuse", "involvement": "victim"}]
        },
    )

    for name in ("web:family", "web:who-to-call"):
        page = read(client.get(reverse(name, args=[family.child])))
        phones = {text(a): a["href"] for a in page.select("main a[href^='tel:']")}
        assert phones["0161 496 0239"] == "tel:+441614960239", name
        assert phones["0161 496 0240"] == "tel:+441614960240", name
        assert all(
            a.get("class") == ["govuk-link", "app-phone"] for a in page.select("a[href^='tel:']")
        )


def test_two_numbers_in_one_field_are_two_links_and_words_are_no_link(client, family):
    mother = LinkedRecord.objects.filter(person_id=family.mother).first().person_record
    create_involvement(
        family.imports["POLICE"],
        mother,
        team="Public Protection Unit",
        lead_phone="0161 496 0239 / 07700 900123",  # a desk and a mobile, in one field
        duty_phone="ask reception",
        start_date=date(2026, 2, 1),
        details={
            "offences": [{"date": "2026-02-01", "type": "domestic abuse", "involvement": "victim"}]
        },
    )

    for name in ("web:family", "web:who-to-call"):
        page = read(client.get(reverse(name, args=[family.child])))
        phones = {text(a): a["href"] for a in page.select("main a.app-phone")}
        assert phones["0161 496 0239"] == "tel:+441614960239", name
        assert phones["07700 900123"] == "tel:+447700900123", name
        assert "ask reception" not in phones, name
        assert all(a["href"] != "tel:" for a in page.select("main a[href^='tel:']")), name
        assert "ask reception" in text(page.select_one("main")), name


def test_a_team_that_is_also_the_organisation_is_named_once(client, family):
    child = LinkedRecord.objects.filter(person_id=family.child).first().person_record
    create_involvement(
        family.imports["GP"],
        child,
        team="Heaton Chapel Medical Practice",
        organisation="Heaton Chapel Medical Practice",
    )

    page = family_page(client, family)

    teams = [
        text(row.select_one("dd"))
        for row in page.select("[data-testid=involvement] .govuk-summary-list__row")
        if text(row.select_one("dt")) == "Team"
    ]
    assert "Heaton Chapel Medical Practice" in teams
    assert not [t for t in teams if t.count("Heaton Chapel") > 1]


def test_a_relationships_dates_are_said_once(client, family):
    # "since 22 January 2021 (from 22 January 2021)" said it twice.
    child = LinkedRecord.objects.filter(person_id=family.child).first().person_record
    sibling = LinkedRecord.objects.filter(person_id=family.sibling).get().person_record
    SourceRelationship.objects.filter(person_record=child, related_record=sibling).update(
        start_date=date(2021, 1, 22)
    )
    build_families()

    page = family_page(client, family)

    jack = next(
        m
        for m in page.select("[data-testid=member]")
        if text(m.select_one("[data-testid=member-name]")) == "Jack Thornbury"
    )
    assert "Recorded by Children's social care, since 22 January 2021;" in text(jack)
    assert text(jack).count("22 January 2021") == 1
