"""The front-line pages: search for a child, say why, see the family, the ecomap and
timeline, the "who to call" sheet, why the system thinks so, and "something looks wrong"
landing in the data steward's queue. Read with BeautifulSoup, the way Notify's tests do."""

import re
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from familyview.access.models import Role
from familyview.access.purpose import PurposeOfAccess, purpose_for, remember_purpose
from familyview.audit.models import AuditEvent
from familyview.families.factories import create_involvement, create_person
from familyview.identity.models import LinkedRecord, ProblemReport
from familyview.identity.search import refresh_search_entries
from familyview.sources.factories import create_person_record
from familyview.sources.models import PersonRecord

from .factories import create_staff
from .frontline_family import CHILD_LEAD, a_family
from .pages import read, text, title

pytestmark = pytest.mark.django_db

# Everything personal about the family that must never be in a URL.
PERSONAL = [
    "amelia",
    "thornbury",
    "thornbery",
    "claire",
    "2016",
    "sk4",
    "sk4 1aa",
    "sk41aa",
    "9434765919",
    "943 476 5919",
    "mill lane",
]


@pytest.fixture
def family(authority):
    return a_family(authority)


@pytest.fixture
def other_family(other_authority):
    return a_family(other_authority)


def with_purpose(client: Client, person_id: str, purpose="section_47_enquiry", ref="REF-2026-17"):
    session = client.session
    remember_purpose(session, person_id, PurposeOfAccess(purpose, "", ref))
    session.save()
    return client


def age_on_today(year: int, month: int, day: int) -> int:
    today = timezone.localdate()
    return today.year - year - ((today.month, today.day) < (month, day))


def events(action: str | None = None) -> list[AuditEvent]:
    found = AuditEvent.objects.order_by("sequence")
    return list(found.filter(action=action) if action else found)


def search(client: Client, **fields) -> tuple:
    """POST a search; follow the redirect to its results. Returns (post, results page)."""
    posted = client.post(reverse("web:search"), fields)
    if posted.status_code != 302:
        return posted, None
    return posted, client.get(posted["Location"])


OPAQUE = re.compile(r"P[0-9A-F]{16}|(?<=results=)[^&]*")


def assert_no_personal_data_in_urls(page, *extra: str) -> None:
    urls = [a.get("href", "") for a in page.select("[href]")]
    urls += [f.get("action", "") for f in page.select("form")]
    urls += [s.get("src", "") for s in page.select("[src]")]
    for url in urls:
        # Opaque identifiers (a person's id, a results key) are random: one may hold
        # "2016" by chance, which is not a birth year.
        lowered = OPAQUE.sub("", unquote(url)).lower()
        for word in [*PERSONAL, *extra]:
            assert word not in lowered, f"{word!r} in {url!r}"


# Search


def test_the_search_page_asks_for_a_name_and_optionally_more(practitioner_client):
    page = read(practitioner_client.get(reverse("web:search")))

    assert page.select_one("title").text == title("Search for a child")
    form = page.select_one("main form")
    assert form["method"] == "post"
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    names = {i["name"] for i in form.select("input")}
    assert {
        "name",
        "date_of_birth-day",
        "date_of_birth-month",
        "date_of_birth-year",
        "postcode",
        "nhs_number",
        "source_id",
    } <= names


def test_a_search_with_a_typo_finds_the_child_and_shows_enough_to_tell_people_apart(
    practitioner_client, family
):
    posted, results = search(practitioner_client, name="Amelia Thornbery")

    # The criteria are posted, and the results are under an opaque key.
    assert posted.status_code == 302
    assert re.fullmatch(r"/search\?results=[\w-]+", posted["Location"])
    assert "thornb" not in posted["Location"].lower()
    page = read(results)
    assert page.select_one("title").text == title("Search results")
    first = page.select_one("[data-testid=result]")
    assert text(first.select_one("h3")) == "Amelia Thornbury"
    assert first.select_one("h3 a")["href"] == reverse("web:purpose", args=[family.child])
    facts = text(first)
    assert "years old" in facts
    assert "Mill Lane, SK4" in facts
    # Known to the services, in words: the systems' own names are for the steward.
    assert "Known to Children's social care, GP" in facts
    assert "(Stockport)" not in facts
    # No more than needed: no date of birth, full postcode, house number or NHS number.
    for withheld in ("9 March 2016", "SK4 1AA", "12 Mill Lane", "9434765919", "943 476 5919"):
        assert withheld not in facts
    assert_no_personal_data_in_urls(page)

    event = events("search")[-1]
    assert event.level == "results"
    assert family.child in event.subjects
    assert event.details["criteria"] == {"name": "Amelia Thornbery"}


def test_a_search_by_date_of_birth_year_and_postcode_finds_the_child(practitioner_client, family):
    _, results = search(
        practitioner_client, **{"date_of_birth-year": "2016", "postcode": "sk4 1aa"}
    )

    names = [text(h) for h in read(results).select("[data-testid=result] h3")]
    assert "Amelia Thornbury" in names


def test_search_withholds_the_address_of_anyone_living_where_a_shielded_person_does(
    practitioner_client, family
):
    # A refuge's address must not show through the child living there with her mother.
    shelter = family.imports["GP"]
    create_person(
        create_person_record(
            shelter,
            given_name="Rose",
            family_name="Hidden",
            birth_year=1990,
            address_line1="12 Mill Lane",
            postcode="SK4 1AA",
            restricted=True,
        )
    )
    refresh_search_entries()

    _, results = search(practitioner_client, name="Amelia Thornbury")

    first = read(results).select_one("[data-testid=result]")
    assert "Address withheld" in text(first)
    assert "Mill Lane" not in text(first)


def test_a_search_finding_no_one_is_recorded_as_a_search(practitioner_client, family):
    _, results = search(practitioner_client, name="Zebedee Quintrell")

    page = read(results)
    assert text(page.select_one("#results")) == "No one found"
    event = events("search")[-1]
    assert (event.level, event.subjects) == ("search", [])


@pytest.mark.parametrize(
    ("fields", "message", "anchor"),
    [
        ({}, "Enter the child's name, date of birth, postcode, NHS number", "#name"),
        (
            {"date_of_birth-day": "9", "date_of_birth-month": "3"},
            "must include a year",
            "#date_of_birth-year",
        ),
        (
            {"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "2016"},
            "must be a real date",
            "#date_of_birth-day",
        ),
        ({"date_of_birth-year": "16"}, "Year must include 4 numbers", "#date_of_birth-year"),
        ({"date_of_birth-year": "2999"}, "must be in the past", "#date_of_birth-year"),
        ({"nhs_number": "123"}, "NHS number with 10 digits", "#nhs_number"),
        ({"nhs_number": "943 476 5918"}, "Enter a real NHS number", "#nhs_number"),
        ({"postcode": "not a postcode"}, "Enter a full UK postcode", "#postcode"),
    ],
)
def test_a_search_that_cannot_be_made_says_what_to_correct(
    practitioner_client, fields, message, anchor
):
    response, _ = search(practitioner_client, **fields)

    assert response.status_code == 200
    page = read(response)
    assert page.select_one("title").text.startswith("Error: ")
    summary = page.select_one(".govuk-error-summary")
    assert message in text(summary)
    assert summary.select_one("a")["href"] == anchor
    assert message in text(page.select_one(".govuk-error-message"))
    assert events("search") == []


def test_results_stay_in_the_session_that_made_the_search(practitioner_client, family, authority):
    posted, _ = search(practitioner_client, name="Amelia Thornbury")
    stranger = Client()
    stranger.force_login(create_staff(Role.PRACTITIONER, authority))

    page = read(stranger.get(posted["Location"]))

    assert page.select("[data-testid=result]") == []


def test_search_never_shows_another_authoritys_people(practitioner_client, family, other_family):
    _, results = search(practitioner_client, name="Amelia Thornbury")

    links = [a["href"] for a in read(results).select("[data-testid=result] a")]
    assert links[0] == reverse("web:purpose", args=[family.child])
    theirs = {other_family.child, other_family.mother, other_family.father, other_family.sibling}
    assert not [link for link in links if any(p in link for p in theirs)]
    assert len(links) == 4  # Amelia and her family of the same name, all Stockport's


# Purpose of access


def test_the_family_is_not_shown_before_a_purpose_is_given(practitioner_client, family):
    for name in ("web:family", "web:ecomap", "web:ecomap-svg", "web:who-to-call", "web:why"):
        response = practitioner_client.get(reverse(name, args=[family.child]))
        assert response.status_code == 302
        assert response["Location"] == reverse("web:purpose", args=[family.child])
    assert [e for e in events() if e.level == "service_detail"] == []


def test_the_purpose_page_shows_who_was_chosen_and_asks_why(practitioner_client, family):
    page = read(practitioner_client.get(reverse("web:purpose", args=[family.child])))

    assert page.select_one("title").text == title("Why are you looking at this family?")
    assert "Amelia Thornbury" in text(page.select_one(".govuk-summary-list"))
    assert "Known to Children's social care, GP" in text(page.select_one(".govuk-summary-list"))
    radios = {i["value"] for i in page.select("input[name=purpose]")}
    assert radios == {
        "early_help_assessment",
        "section_17_assessment",
        "section_47_enquiry",
        "mash_triage",
        "other",
    }
    # "Other" reveals a text box for the worker's own words.
    other = page.select_one("input[name=purpose][value=other]")
    assert page.select_one(f"#{other['aria-controls']} input[name=other_purpose]")
    assert page.select_one("input[name=case_reference]")
    event = events("person.summary")[-1]
    assert (event.level, event.subjects) == ("summary", [family.child])


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, ["Select why you are looking at this family", "Enter the case or referral reference"]),
        (
            {"purpose": "other", "case_reference": "R1"},
            ["Enter why you are looking at this family"],
        ),
        (
            {"purpose": "curiosity", "case_reference": "R1"},
            ["Select why you are looking at this family"],
        ),
        (
            {"purpose": "mash_triage", "case_reference": "R" * 51},
            ["The case or referral reference must be 50 characters or fewer"],
        ),
    ],
)
def test_the_purpose_must_be_given_properly(practitioner_client, family, fields, errors):
    response = practitioner_client.post(reverse("web:purpose", args=[family.child]), fields)

    assert response.status_code == 200
    page = read(response)
    assert [text(a) for a in page.select(".govuk-error-summary a")] == errors
    assert purpose_for(practitioner_client.session, family.child) is None


def test_a_purpose_given_opens_the_family_and_is_recorded_with_the_view(
    practitioner_client, family
):
    response = practitioner_client.post(
        reverse("web:purpose", args=[family.child]),
        {"purpose": "other", "other_purpose": "Court report", "case_reference": " CR-88 "},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("web:family", args=[family.child])
    practitioner_client.get(response["Location"])
    event = events("family.view")[-1]
    assert event.level == "service_detail"
    assert (event.purpose, event.case_reference) == ("Other: Court report", "CR-88")
    assert event.subjects[0] == family.child
    assert set(event.subjects) == {family.child, *family.members}


def test_moving_to_a_family_member_under_the_same_case_does_not_ask_again(
    practitioner_client, family
):
    with_purpose(practitioner_client, family.child)
    practitioner_client.get(reverse("web:family", args=[family.child]))

    response = practitioner_client.get(reverse("web:family", args=[family.sibling]))

    assert response.status_code == 200
    event = events("family.view")[-1]
    assert event.subjects[0] == family.sibling
    assert event.case_reference == "REF-2026-17"


# The family view


def test_the_family_view_shows_the_child_then_each_member_with_services_and_contacts(
    practitioner_client, family
):
    with_purpose(practitioner_client, family.child)

    page = read(practitioner_client.get(reverse("web:family", args=[family.child])))

    # No name in the title (it lands in the browser's history); the name is in the h1.
    assert page.select_one("title").text == title("Family and services")
    assert text(page.select_one("h1")) == "Amelia Thornbury's family"
    assert "Section 47 enquiry" in text(page.select_one("[data-testid=purpose]"))
    assert "REF-2026-17" in text(page.select_one("[data-testid=purpose]"))
    members = [
        text(m.select_one("[data-testid=member-name]")) for m in page.select("[data-testid=member]")
    ]
    assert members[0] == "Amelia Thornbury"
    assert set(members[1:]) == {"Claire Thornbury", "Mark Thornbury", "Jack Thornbury"}
    # Each person a section of one accordion, with a summary that shows while folded.
    assert page.select_one("#people.govuk-accordion[data-module=govuk-accordion]")
    summaries = [text(s) for s in page.select("[data-testid=member-summary]")]
    assert summaries[0].startswith(f"The child, {age_on_today(2016, 3, 9)}. Services now:")
    # What else there is, said as what it is: "1 other" read as another service now.
    assert (
        f"Mother, {age_on_today(1988, 6, 4)}. Services now: Housing, Police. "
        "1 more with its details withheld." in summaries
    )
    # Who to call first: the mother at home, the father elsewhere, then the children.
    first = page.select("[data-testid=first-screen-person]")
    assert [text(p.select_one("h3")) for p in first] == [
        "Claire Thornbury",
        "Mark Thornbury",
        "Amelia Thornbury",
        "Jack Thornbury",
    ]
    claire, _mark, amelia, _jack = first
    mother_age = age_on_today(1988, 6, 4)
    assert text(claire.select_one("p")) == f"Mother, {mother_age}, lives with the child"
    assert text(amelia.select_one("p")) == f"The child, {age_on_today(2016, 3, 9)}"
    services = claire.select("[data-testid=first-screen-service] strong")
    assert [text(s) for s in services] == [
        "Police",
        "Adult mental health",
        "Housing",
    ]

    child = page.select("[data-testid=member]")[0]
    services = child.select("[data-testid=involvement]")
    # Current first, then ended.
    assert ["Current" in text(s) for s in services] == [True, False]
    current = services[0]
    assert "Child in Need Team West" in text(current)
    assert "1 September 2025" in text(current)
    assert "2 November 2026" in text(current)  # last contact
    assert f"{CHILD_LEAD['lead_name']}, {CHILD_LEAD['lead_role']}" in text(current)
    assert current.select_one("a[href^='tel:']")["href"] == "tel:+441614960100"
    assert current.select_one("a[href^='mailto:']")["href"] == f"mailto:{CHILD_LEAD['lead_email']}"
    assert "Duty line" in text(current)
    # The source by its service and who runs it: its system's name is the steward's.
    assert "Source: Children's social care, Stockport partners." in text(current)
    # Which services' records, how sure in words (the figures are on the "why" page).
    assert "2 records, from Children's social care, GP. Very sure they are one person." in text(
        child
    )
    assert child.select_one(f"a[href='{reverse('web:why', args=[family.child])}']")
    assert "%" not in text(page.select_one("main"))
    assert "Display rules" not in text(page.select_one("main"))


def test_sensitive_services_show_only_that_they_exist_and_the_duty_line(
    practitioner_client, family
):
    with_purpose(practitioner_client, family.child)

    page = read(practitioner_client.get(reverse("web:family", args=[family.child])))

    mother = next(
        m
        for m in page.select("[data-testid=member]")
        if "Claire" in text(m.select_one("[data-testid=member-name]"))
    )
    assert "Mother" in text(mother)
    mental_health = next(
        s for s in mother.select("[data-testid=involvement]") if "mental health" in text(s)
    )
    assert "Dr Hidden Name" not in text(page)
    assert "duty line" in text(mental_health)
    assert mental_health.select_one("a[href='tel:+441614960999']")
    assert "Community Mental Health Team" not in text(mental_health)
    # Police: the safeguarding offence, with its date and the nature of involvement.
    police = next(s for s in mother.select("[data-testid=involvement]") if "Police" in text(s))
    assert "1 May 2026: domestic abuse (victim)" in text(police)


def test_each_fact_names_its_source_and_the_relationship_its_provenance(
    practitioner_client, family
):
    with_purpose(practitioner_client, family.child)

    page = read(practitioner_client.get(reverse("web:family", args=[family.child])))

    for service in page.select("[data-testid=involvement]"):
        assert "Source:" in text(service)
    mother = next(
        m
        for m in page.select("[data-testid=member]")
        if "Claire" in text(m.select_one("[data-testid=member-name]"))
    )
    # Recorded by the service, in words: "case system (Stockport)" is the system's name.
    assert "Recorded by Children's social care; data current as of" in text(mother)
    sources = {
        text(li.select_one("span")): text(li) for li in page.select("[data-testid=sources] li")
    }
    csc = sources["Children's social care, Stockport partners"]
    assert "updated every 100 years, last update" in csc and "(20 November 2026)" in csc


def test_the_family_view_of_a_large_family_takes_a_fixed_number_of_queries(
    practitioner_client, authority, django_assert_max_num_queries
):
    big = a_family(authority, extra_members=7, involvements_each=7)
    # 3 + 7 = 10 members; the child's 2, the mother's 3 and 7 * 7 more: 54 involvements.
    assert len(big.members) == 10
    practitioner_client.post(
        reverse("web:purpose", args=[big.child]),
        {"purpose": "mash_triage", "case_reference": "MASH-1"},
    )

    # 17: the one door reads the child's standing (their authority, whether shielded)
    # before a row of their family is read, on the page as through the API; the
    # family's details ask for the restricted records at their addresses in the
    # authority, not only the shielded among them (identity/persons.py); and the page
    # names the services that know each person (web/known_to.py). The member of staff's
    # roles are remembered in their session, not read again (access/policy.py).
    with django_assert_max_num_queries(17) as captured:
        response = practitioner_client.get(reverse("web:family", args=[big.child]))

    assert response.status_code == 200
    page = read(response)
    assert len(page.select("[data-testid=member]")) == 11
    assert len(page.select("[data-testid=involvement]")) >= 40
    print(f"family view of 11 people: {len(captured)} queries")


def test_a_search_takes_a_fixed_number_of_queries(
    practitioner_client, authority, django_assert_max_num_queries
):
    big = a_family(authority, extra_members=7, involvements_each=7)
    refresh_search_entries()
    practitioner_client.get(reverse("web:search"))  # the session remembers the roles

    # The POST: the session, the user, the account's generation (access/sessions.py),
    # and the criteria written to the session (2 more: the write's savepoint).
    with django_assert_max_num_queries(6):
        posted = practitioner_client.post(
            reverse("web:search"), {"name": "Amelia Thornbery", "date_of_birth-year": "2016"}
        )
    # The results: the session, the user, the generation; the search's look-ups (close,
    # broad and trigrams here, where the close ones find few) and the candidates'
    # persons; the people shown (2: identity/persons.py); the audit event (4, and 2 for
    # its savepoint); the services' names.
    with django_assert_max_num_queries(16):
        page = read(practitioner_client.get(posted["Location"]))

    assert big.child in {
        a["href"].split("/")[2] for a in page.select("[data-testid=result] a") if "href" in a.attrs
    }


def test_a_shielded_childs_family_needs_break_glass_and_shows_no_address_or_contacts(
    practitioner_client, family
):
    PersonRecord.objects.filter(link__person_id=family.child).update(restricted=True)
    purpose_page = read(practitioner_client.get(reverse("web:purpose", args=[family.child])))
    assert "This person is shielded" in text(purpose_page.select_one(".govuk-warning-text"))
    practitioner_client.post(
        reverse("web:purpose", args=[family.child]),
        {"purpose": "section_47_enquiry", "case_reference": "S47-9"},
    )

    refused = practitioner_client.get(reverse("web:family", args=[family.child]))
    assert refused["Location"] == reverse("web:break-glass", args=[family.child])
    assert events("family.view") == []
    practitioner_client.post(
        reverse("web:break-glass", args=[family.child]),
        {"justification": "Child protection strategy meeting at 10am today"},
    )
    page = read(practitioner_client.get(reverse("web:family", args=[family.child])))

    child = page.select("[data-testid=member]")[0]
    assert "Withheld: this person is shielded" in text(child)
    assert "Mill Lane" not in text(child)
    assert child.select("a[href^='mailto:']") == []
    assert CHILD_LEAD["lead_name"] not in text(child)
    assert events("family.view")[-1].details["shielded_shown"] == [family.child]


def test_every_link_and_form_on_the_pages_keeps_personal_data_out_of_urls(
    practitioner_client, family
):
    with_purpose(practitioner_client, family.child)
    _, results = search(practitioner_client, name="Amelia Thornbury", postcode="SK4 1AA")
    pages = [results] + [
        practitioner_client.get(reverse(name, args=[family.child]))
        for name in (
            "web:purpose",
            "web:family",
            "web:ecomap",
            "web:who-to-call",
            "web:why",
            "web:report-problem",
        )
    ]
    for response in pages:
        assert response.status_code == 200
        assert_no_personal_data_in_urls(read(response))


def test_another_authoritys_person_is_answered_as_if_absent(practitioner_client, other_family):
    with_purpose(practitioner_client, other_family.child)
    for name in (
        "web:purpose",
        "web:family",
        "web:ecomap",
        "web:ecomap-svg",
        "web:who-to-call",
        "web:why",
        "web:report-problem",
    ):
        response = practitioner_client.get(reverse(name, args=[other_family.child]))
        assert response.status_code == 404, name
    response = practitioner_client.post(
        reverse("web:report-problem", args=[other_family.child]),
        {"kind": "other", "what": "Testing"},
    )
    assert response.status_code == 404
    assert ProblemReport.objects.count() == 0
    assert [e for e in events() if e.level] == []


@pytest.mark.parametrize("role", [Role.DATA_STEWARD, Role.PRIVACY_OFFICER, Role.ADMINISTRATOR])
def test_staff_who_do_not_work_cases_cannot_search_or_see_families(role, authority, family):
    client = Client()
    client.force_login(create_staff(role, authority))
    with_purpose(client, family.child)

    assert client.get(reverse("web:search")).status_code == 403
    assert client.get(reverse("web:family", args=[family.child])).status_code == 403


# Ecomap, timeline and who to call


def test_the_ecomap_page_draws_the_family_with_a_text_equivalent_and_a_timeline(
    practitioner_client, family
):
    with_purpose(practitioner_client, family.child)

    page = read(practitioner_client.get(reverse("web:ecomap", args=[family.child])))

    svg = page.select_one("figure svg")
    assert svg["role"] == "img"
    labelled_by = svg["aria-labelledby"].split()
    assert text(page.select_one(f"#{labelled_by[0]}")) == "Ecomap of Amelia Thornbury's family"
    assert page.select_one("title").text == title("Ecomap and timeline")
    description = text(page.select_one(f"#{labelled_by[1]}"))
    assert "Claire Thornbury (Mother)" in description
    drawn = text(svg)
    for name in ("Amelia Thornbury", "Claire Thornbury", "Mark Thornbury", "Jack Thornbury"):
        assert name in drawn
    assert "Housing" in drawn
    rows = [
        [text(td) for td in tr.select("td")] for tr in page.select("#ecomap-text ~ table tbody tr")
    ]
    assert ["Claire Thornbury", "Mother"] in [r[:2] for r in rows]
    timeline = [
        [text(td) for td in tr.select("td")] for tr in page.select("#timeline ~ table tbody tr")
    ]
    starts = [r[0] for r in timeline]
    assert "1 September 2025" in starts
    assert "1 February 2022" in starts
    assert starts.index("1 September 2025") < starts.index("1 February 2022")
    event = events("family.ecomap")[-1]
    assert event.level == "service_detail"


def test_the_ecomap_downloads_as_an_svg_picture(practitioner_client, family):
    with_purpose(practitioner_client, family.child)

    response = practitioner_client.get(reverse("web:ecomap-svg", args=[family.child]))

    assert response["Content-Type"].startswith("image/svg+xml")
    body = response.content.decode()
    assert body.startswith("<?xml")
    assert "<title" in body and "<desc" in body
    # Opened by itself, its title is what the browser's tab and history show: no name.
    assert '<title id="ecomap-title">Ecomap of a family (Family View)</title>' in body
    assert "Dr Hidden Name" not in body


def test_the_who_to_call_sheet_lists_current_contacts_with_the_purpose_and_who_printed_it(
    practitioner_client, family
):
    with_purpose(practitioner_client, family.child)

    page = read(practitioner_client.get(reverse("web:who-to-call", args=[family.child])))

    assert page.select_one("title").text == title("Who to call")
    details = text(page.select_one("[data-testid=sheet-details]"))
    assert "Section 47 enquiry" in details
    assert "REF-2026-17" in details
    assert "Sam Patel" in details
    assert "Printed on" in details
    body = text(page.select_one("main"))
    assert "Jo Bloggs, Social Worker" in body
    assert page.select_one("a[href='tel:+441614960100']")
    assert "Assessment Team West" not in body  # an ended involvement
    assert "Dr Hidden Name" not in body
    assert events("family.who_to_call")[-1].case_reference == "REF-2026-17"


# Why


def test_the_why_page_explains_the_match_without_more_personal_data(practitioner_client, family):
    with_purpose(practitioner_client, family.child)

    page = read(practitioner_client.get(reverse("web:why", args=[family.child])))

    sources = [text(tr.select_one("td")) for tr in page.select("#records ~ div tbody tr")]
    assert sorted(sources) == [
        "Children's social care case system (Stockport)",
        "GP practice records (Stockport)",
    ]
    body = text(page.select_one("main"))
    for withheld in ("9434765919", "943 476 5919", "9 March 2016", "SK4 1AA", "Mill Lane"):
        assert withheld not in body
    assert events("person.why")[-1].level == "summary"


# Something looks wrong


def test_a_report_about_an_involvement_reaches_the_stewards_queue(
    practitioner_client, steward_client, family
):
    with_purpose(practitioner_client, family.child)
    url = reverse("web:report-problem", args=[family.child])
    # One link per person on the family page; the fact is chosen on the form, the one
    # the link named chosen already.
    form_page = read(practitioner_client.get(url, {"involvement": family.child_involvement}))
    choices = {
        i["value"]: text(form_page.select_one(f"label[for={i['id']}]"))
        for i in form_page.select("input[name=involvement]")
    }
    assert choices[""] == ("Amelia Thornbury: name, age, address, records or place in the family")
    assert choices[str(family.child_involvement)] == "Children's social care, current"
    assert len(choices) == 3  # the person, and her two services
    chosen = form_page.select_one("input[name=involvement]:checked")
    assert chosen["value"] == str(family.child_involvement)
    assert events("problem.form")[-1].level == "service_detail"

    response = practitioner_client.post(
        url,
        {
            "involvement": family.child_involvement,
            "kind": "wrong_detail",
            "what": "The social worker changed last week.",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("web:family", args=[family.child])
    report = ProblemReport.objects.get()
    assert (report.person_id, report.involvement_id) == (family.child, family.child_involvement)
    assert report.seen_in_family_of == family.child
    assert events("problem.reported")[-1].subjects == [family.child]

    queue = read(steward_client.get(reverse("web:steward-problems")))
    row = queue.select_one("#problem-reports tbody tr")
    assert "Sam Patel" in text(row)
    assert family.child in text(row)
    assert "A detail is wrong or out of date" in text(row)
    detail = read(steward_client.get(reverse("web:steward-problem", args=[report.pk])))
    assert "The social worker changed last week." in text(detail)
    assert detail.select_one("a[href='mailto:csc.owner@example.gov.uk']")

    resolved = steward_client.post(
        reverse("web:steward-problem", args=[report.pk]), {"note": "Told the CSC team."}
    )

    assert resolved.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.resolution_note) == ("resolved", "Told the CSC team.")
    assert events("steward.problem_resolved")[-1].subjects == [family.child]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, ["Select what looks wrong", "Describe what looks wrong"]),
        ({"kind": "other", "what": "   "}, ["Describe what looks wrong"]),
        (
            {"kind": "other", "what": "x" * 1201},
            ["Describe what looks wrong in 1200 characters or fewer"],
        ),
    ],
)
def test_a_report_must_say_what_looks_wrong(practitioner_client, family, fields, errors):
    response = practitioner_client.post(reverse("web:report-problem", args=[family.child]), fields)

    assert response.status_code == 200
    assert [text(a) for a in read(response).select(".govuk-error-summary a")] == errors
    assert ProblemReport.objects.count() == 0


def test_a_report_about_someone_elses_involvement_is_refused(practitioner_client, family):
    response = practitioner_client.get(
        reverse("web:report-problem", args=[family.father]),
        {"involvement": family.child_involvement},
    )

    assert response.status_code == 404


def test_a_report_about_an_involvement_the_rules_hide_is_refused(practitioner_client, family):
    # Jack is 14: police involvements are shown from 18, so his is not (nor its source).
    jack = LinkedRecord.objects.filter(person_id=family.sibling).get().person_record
    hidden = create_involvement(
        family.imports["POLICE"],
        jack,
        details={"offences": [{"date": "2026-01-01", "type": "assault", "involvement": "suspect"}]},
    )
    url = reverse("web:report-problem", args=[family.sibling])

    shown = practitioner_client.get(url, {"involvement": hidden.pk})
    posted = practitioner_client.post(
        url, {"involvement": hidden.pk, "kind": "other", "what": "Guessing"}
    )

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert ProblemReport.objects.count() == 0


def test_a_steward_cannot_resolve_without_a_note_or_see_another_authoritys_reports(
    practitioner_client, steward_client, family, other_family, other_authority
):
    practitioner_client.post(
        reverse("web:report-problem", args=[family.child]), {"kind": "other", "what": "Odd"}
    )
    report = ProblemReport.objects.get()
    other_steward = Client()
    other_steward.force_login(create_staff(Role.DATA_STEWARD, other_authority))

    empty = steward_client.post(reverse("web:steward-problem", args=[report.pk]), {"note": ""})
    hidden = other_steward.get(reverse("web:steward-problem", args=[report.pk]))

    assert [text(a) for a in read(empty).select(".govuk-error-summary a")] == [
        "Enter what you did about the report"
    ]
    assert hidden.status_code == 404
    assert (
        read(other_steward.get(reverse("web:steward-problems"))).select("#problem-reports tbody tr")
        == []
    )
    assert practitioner_client.get(reverse("web:steward-problems")).status_code == 403
