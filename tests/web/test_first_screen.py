"""The family page's first screen, read with BeautifulSoup: who to call first (services now
and safeguarding ones ended recently, with a phone number each), doubt about who is who
said plainly, the withheld card that says what it withholds, and each source's freshness
said once."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from familyview.access.purpose import PurposeOfAccess, remember_purpose
from familyview.audit.models import AuditEvent
from familyview.families.building import build_families
from familyview.families.factories import (
    create_involvement,
    create_person,
    create_police_domestic_abuse,
    create_review_pair,
)
from familyview.identity.models import LinkedRecord, ProblemReport, ReviewPair, StewardDecision
from familyview.sources.factories import create_import, create_person_record, create_source

from .frontline_family import a_family
from .pages import read, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(authority):
    return a_family(authority)


def family_page(client, family):
    session = client.session
    remember_purpose(session, family.child, PurposeOfAccess("mash_triage", "", "MASH-1"))
    session.save()
    return read(client.get(reverse("web:family", args=[family.child])))


def first_screen(page) -> dict:
    """Each person on the first screen by name: their entry."""
    return {text(p.select_one("h3")): p for p in page.select("[data-testid=first-screen-person]")}


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def record_of(person_id: str):
    return LinkedRecord.objects.filter(person_id=person_id).first().person_record


def test_the_first_screen_comes_before_anyone_s_details(practitioner_client, family):
    page = family_page(practitioner_client, family)
    block = page.select_one("[data-testid=first-screen]")
    assert text(block.select_one("h2")) == "Who to call first"
    first_member = page.select_one("[data-testid=member]")
    assert block.sourceline < first_member.sourceline
    assert page.select_one("#at-a-glance") is None


def test_a_safeguarding_involvement_ended_recently_is_there_with_whom_to_call(
    practitioner_client, family
):
    police = family.imports["POLICE"]
    ended = timezone.localdate() - timedelta(days=330)
    create_police_domestic_abuse(
        police,
        record_of(family.father),
        status="historic",
        start_date=date(2024, 12, 3),
        end_date=ended,
        lead_name="",
        lead_phone="",
        lead_email="",
        duty_phone="0161 496 0239",
    )
    # An ended involvement with a service that is not safeguarding-relevant stays below.
    create_involvement(
        family.imports["GP"], record_of(family.father), status="historic", end_date=ended
    )
    page = family_page(practitioner_client, family)
    mark = first_screen(page)["Mark Thornbury"]
    (service,) = mark.select("[data-testid=first-screen-service]")
    said = text(service)
    assert said.startswith(f"Police , ended {ended.day} ")
    assert (
        "Domestic abuse as offender (28 November 2025, 22 October 2025), as suspect "
        "(28 March 2025)."
    ) in said
    assert "No lead professional recorded: duty line 0161 496 0239" in said
    assert service.select_one("a")["href"] == "tel:+441614960239"


def test_a_sensitive_service_is_there_with_its_duty_line_and_nothing_withheld(
    practitioner_client, family
):
    page = family_page(practitioner_client, family)
    claire = first_screen(page)["Claire Thornbury"]
    mental_health = next(
        s for s in claire.select("[data-testid=first-screen-service]") if "mental" in text(s)
    )
    # Said in a worker's words: no "(when: withheld)".
    assert "Adult mental health , known to the service; its dates are not shown." in text(
        mental_health
    )
    assert "withheld)" not in text(mental_health)
    assert "Sensitive service: duty line 0161 496 0999" in text(mental_health)
    assert mental_health.select_one("a[href='tel:+441614960999']")
    assert "Dr Hidden Name" not in text(page)
    assert "Community Mental Health Team" not in text(page)


def test_a_parents_phone_number_is_a_link_on_the_first_screen(practitioner_client, family):
    page = family_page(practitioner_client, family)
    claire = first_screen(page)["Claire Thornbury"]
    housing = next(
        s for s in claire.select("[data-testid=first-screen-service]") if "Housing" in text(s)
    )
    assert "Priya Shah, Housing Officer" in text(housing)
    assert housing.select_one("a")["href"] == "tel:+441614960200"


def test_the_withheld_card_says_what_is_withheld_and_why_and_never_that_it_ended(
    practitioner_client, family
):
    page = family_page(practitioner_client, family)
    card = next(
        c for c in page.select("[data-testid=involvement]") if "Adult mental health" in text(c)
    )
    heading = text(card.select_one("h5, h4"))
    assert "Details withheld" in heading
    assert "Ended" not in heading and "Current" not in heading
    withheld = text(card.select_one("[data-testid=withheld]"))
    assert "Claire Thornbury is known to this service" in withheld
    assert "Adult mental health is a sensitive service" in withheld
    assert "whether it is current, its dates, team and lead professional are withheld" in withheld
    assert "call the service's duty line: 0161 496 0999" in text(card)
    report = card.select_one("a[href*='report-problem']")
    assert "ended" not in text(report)


def test_freshness_is_said_once_per_source_and_a_warning_only_when_overdue(
    practitioner_client, family, authority
):
    page = family_page(practitioner_client, family)
    assert "Not up to date" not in text(page)
    assert page.select("[data-testid=overdue-source]") == []
    listed = [text(li.select_one("span")) for li in page.select("[data-testid=sources] li")]
    assert len(listed) == len(set(listed))

    # A weekly source whose latest extract is 18 days old is overdue: said once.
    late = create_source(
        authority,
        code="ASC",
        name="Adult social care case system",
        service_category="adult_social_care",
        expected_every_days=7,
    )
    extract = create_import(late, extracted_at=timezone.now() - timedelta(days=18))
    record = create_person_record(extract, given_name="Claire", family_name="Thornbury")
    LinkedRecord.objects.create(
        person_record=record,
        person_id=family.mother,
        match_probability=1,
        basis="model",
        linked_by_run=LinkedRecord.objects.filter(person_id=family.mother).first().linked_by_run,
    )
    create_involvement(extract, record)
    page = family_page(practitioner_client, family)
    (overdue,) = page.select("[data-testid=overdue-source]")
    # Named by its service (it has no organisation): the system's name is the steward's.
    assert text(overdue) == "Adult social care: should be updated weekly, last update 18 days ago."
    sources = {
        text(li.select_one("span")): text(li) for li in page.select("[data-testid=sources] li")
    }
    assert "updated weekly, last update 18 days ago" in sources["Adult social care"]
    assert "Overdue." in sources["Adult social care"]
    assert "Overdue." not in sources["Children's social care, Stockport partners"]


def test_two_members_the_review_queue_holds_together_may_be_one_person(practitioner_client, family):
    create_review_pair(record_of(family.sibling), record_of(family.father))
    page = family_page(practitioner_client, family)
    people = first_screen(page)
    for name, other in (("Jack Thornbury", "Mark Thornbury"), ("Mark Thornbury", "Jack Thornbury")):
        (doubt,) = people[name].select("[data-testid=may-be-same-person]")
        assert text(doubt).startswith(f"These may be the same person: {name} and {other}.")
        assert "Being checked by a data steward." in text(doubt)
    assert people["Claire Thornbury"].select("[data-testid=may-be-same-person]") == []


# Something looks wrong: these are the same person


def report_page(client, person_id, **query):
    return read(client.get(reverse("web:report-problem", args=[person_id]), query))


def test_these_are_the_same_person_offers_the_rest_of_the_family(practitioner_client, family):
    family_page(practitioner_client, family)
    page = report_page(practitioner_client, family.sibling)

    kinds = {i["value"] for i in page.select("input[name=kind]")}
    assert "same_person" in kinds
    offered = {
        i["value"]: text(page.select_one(f"label[for={i['id']}]"))
        for i in page.select("input[name=same_as]")
    }
    assert set(offered) == {family.child, family.mother, family.father}
    assert offered[family.father].startswith("Mark Thornbury, Father")
    # Those offered are shown: the page's event names them.
    (event,) = events("problem.form")
    assert set(event.subjects) == {family.sibling, family.child, family.mother, family.father}


def test_the_may_be_the_same_person_link_opens_the_report_with_both_chosen(
    practitioner_client, family
):
    family_page(practitioner_client, family)
    page = report_page(practitioner_client, family.sibling, same_as=family.father)
    assert page.select_one("input[name=kind][value=same_person]").has_attr("checked")
    assert page.select_one(f"input[name=same_as][value={family.father}]").has_attr("checked")


def test_a_report_that_two_are_one_lands_in_the_review_queue_and_the_audit_log(
    practitioner_client, steward_client, family
):
    family_page(practitioner_client, family)
    url = reverse("web:report-problem", args=[family.sibling])
    response = practitioner_client.post(
        url,
        {"kind": "same_person", "same_as": family.father, "what": "Jack is Mark's alias."},
    )

    assert response.status_code == 302
    report = ProblemReport.objects.get()
    assert (report.kind, report.person_id, report.same_as_id) == (
        "same_person",
        family.sibling,
        family.father,
    )
    (pair,) = ReviewPair.objects.filter(reported_in=report)
    assert pair.status == "open"
    (reported,) = events("problem.reported")
    assert reported.subjects == [family.sibling, family.father]
    assert reported.details["same_as"] == family.father

    queue = read(steward_client.get(reverse("web:steward-review")))
    row = next(r for r in queue.select("#review-queue tbody tr") if f"Pair {pair.pk}" in text(r))
    assert row.select_one("[data-testid=reported]")
    shown = read(steward_client.get(reverse("web:steward-review-pair", args=[pair.pk])))
    assert f"report {report.pk}" in text(shown.select_one("[data-testid=reported]"))
    detail = read(steward_client.get(reverse("web:steward-problem", args=[report.pk])))
    assert f"pair {pair.pk}" in text(detail)


def test_these_are_the_same_person_needs_someone_chosen(practitioner_client, family):
    family_page(practitioner_client, family)
    url = reverse("web:report-problem", args=[family.sibling])
    page = read(practitioner_client.post(url, {"kind": "same_person", "what": "One man"}))
    assert [text(a) for a in page.select(".govuk-error-summary a")] == [
        "Select who in the family this is the same person as"
    ]
    assert not ProblemReport.objects.exists()


def test_without_the_family_open_there_is_no_one_to_choose(practitioner_client, family):
    page = report_page(practitioner_client, family.sibling)
    assert "same_person" not in {i["value"] for i in page.select("input[name=kind]")}
    refused = practitioner_client.post(
        reverse("web:report-problem", args=[family.sibling]),
        {"kind": "same_person", "same_as": family.father, "what": "One man"},
    )
    assert refused.status_code == 200 and not ProblemReport.objects.exists()


def test_the_ecomap_never_says_a_withheld_service_is_in_the_past(practitioner_client, family):
    family_page(practitioner_client, family)
    page = read(practitioner_client.get(reverse("web:ecomap", args=[family.child])))
    said = text(page.select_one("main"))
    assert "Adult mental health (whether now or in the past is withheld)" in said
    assert "was known to Adult mental health" not in said
    assert "Adult mental health (past)" not in said


def test_the_ecomaps_text_version_never_lists_a_withheld_service_as_past(
    practitioner_client, family
):
    family_page(practitioner_client, family)
    page = read(practitioner_client.get(reverse("web:ecomap", args=[family.child])))
    table = page.select_one("#ecomap-text ~ table")
    head = [text(th) for th in table.select("thead th")]
    rows = {
        text(tr.select_one("td")): dict(
            zip(head, (text(td) for td in tr.select("td")), strict=True)
        )
        for tr in table.select("tbody tr")
    }
    mother = rows["Claire Thornbury"]
    assert "Adult mental health" not in mother["Past services"]
    assert "Adult mental health" not in mother["Services now"]
    assert mother["Details withheld"] == "Adult mental health (ask the duty line)"
    assert rows["Amelia Thornbury"]["Details withheld"] == "None"


def test_the_sheet_to_print_is_the_first_screen(practitioner_client, family):
    ended = timezone.localdate() - timedelta(days=200)
    create_involvement(
        family.imports["POLICE"],
        record_of(family.father),
        status="historic",
        end_date=ended,
        team="Neighbourhood Policing Team West",
        details={"offences": [{"date": "2025-11-28", "type": "domestic abuse"}]},
    )
    family_page(practitioner_client, family)
    page = read(practitioner_client.get(reverse("web:who-to-call", args=[family.child])))
    people = [text(h.contents[0]) for h in page.select("h2[id^=call-]")]
    assert people[:2] == ["Claire Thornbury", "Mark Thornbury"]  # at home, then elsewhere
    claire = page.select_one(f"#call-{family.mother}").find_parent("div")
    assert "Adult mental health" in text(claire) and claire.select_one(
        "a[href='tel:+441614960999']"
    )
    mark = text(page.select_one(f"#call-{family.father}").find_parent("div"))
    assert "Neighbourhood Policing Team West" in mark
    assert f"Ended {ended.day} " in mark
    # The offences the first screen shows are on the sheet too.
    assert "Domestic abuse (28 November 2025)." in mark


def test_the_sheet_to_print_says_an_overdue_source_once_not_on_every_row(
    practitioner_client, family, authority
):
    late = create_source(
        authority,
        code="ASC",
        name="Adult social care case system",
        service_category="adult_social_care",
        expected_every_days=7,
    )
    extract = create_import(late, extracted_at=timezone.now() - timedelta(days=18))
    record = create_person_record(extract, given_name="Claire", family_name="Thornbury")
    LinkedRecord.objects.create(
        person_record=record,
        person_id=family.mother,
        match_probability=1,
        basis="model",
        linked_by_run=LinkedRecord.objects.filter(person_id=family.mother).first().linked_by_run,
    )
    create_involvement(extract, record)
    create_involvement(extract, record, team="Second team")
    family_page(practitioner_client, family)
    page = read(practitioner_client.get(reverse("web:who-to-call", args=[family.child])))
    assert "not up to date" not in text(page).lower()
    (overdue,) = page.select("[data-testid=overdue-source]")
    assert text(overdue) == "Adult social care: should be updated weekly, last update 18 days ago."


def test_two_who_look_like_one_person_are_said_to_be_so_with_a_way_to_tell(
    practitioner_client, family
):
    csc = family.imports["CSC"]
    twin = create_person_record(
        csc,
        given_name="Claire",
        family_name="Baxter",
        birth_year=1988,
        birth_month=6,
        birth_day=4,
        address_line1="12 Mill Lane",
        postcode="SK4 1AA",
    )
    baxter = create_person(twin)
    build_families()
    page = family_page(practitioner_client, family)
    (doubt,) = first_screen(page)["Claire Thornbury"].select("[data-testid=may-be-same-person]")
    assert text(doubt).startswith(
        "These may be the same person: Claire Thornbury and Claire Baxter. They share a date "
        "of birth and an address, and their names are alike."
    )
    link = doubt.select_one("a")["href"]
    assert link == (reverse("web:report-problem", args=[family.mother]) + f"?same_as={baxter.pk}")
    assert first_screen(page)["Claire Baxter"].select("[data-testid=may-be-same-person]")


def test_two_who_look_like_one_person_but_a_steward_kept_apart_are_not_said_to_be(
    practitioner_client, family
):
    twin = create_person_record(
        family.imports["CSC"],
        given_name="Claire",
        family_name="Baxter",
        birth_year=1988,
        birth_month=6,
        birth_day=4,
        address_line1="12 Mill Lane",
        postcode="SK4 1AA",
    )
    create_person(twin)
    build_families()
    steward = get_user_model().objects.create(username="steward")
    StewardDecision.objects.create(
        record_a=twin,
        record_b=record_of(family.mother),
        ruling=StewardDecision.Ruling.DIFFERENT,
        reason="Two women, checked with the school",
        decided_by=steward,
    )

    people = first_screen(family_page(practitioner_client, family))

    assert people["Claire Thornbury"].select("[data-testid=may-be-same-person]") == []
    assert people["Claire Baxter"].select("[data-testid=may-be-same-person]") == []
