"""The data steward's identity pages: the review queue, a pair side by side with the
model's waterfall and the decision form, a person's records with merge and split, and
data quality per source."""

import logging
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client

from familyview.access.models import Role
from familyview.identity.models import LinkedRecord, Person, ReviewPair, StewardDecision
from familyview.pipeline.imports import ingest
from familyview.pipeline.linking import link
from familyview.sources.registry import load_sources
from familyview.synth.generator import generate
from tests.identity.test_stewardship import (
    a_person,
    a_record,
    a_review_pair,
    a_run,
    a_source,
)

from .factories import create_staff
from .pages import read, text, title

pytestmark = pytest.mark.django_db

PAGES = ["/steward/review", "/steward/quality"]


@pytest.fixture
def index(authority):
    """Person `big` holds a CSC and a GP record; `small` a second CSC record; one pair waits."""
    csc, gp = a_source(authority, "CSC"), a_source(authority, "GP")
    run = a_run()
    records = {
        "csc1": a_record(
            csc,
            given_name="Amelia",
            family_name="Thornbury",
            birth_year=2014,
            birth_month=3,
            birth_day=9,
            postcode="SK4 1AA",
            address_line1="12 Mill Lane",
        ),
        "gp1": a_record(
            gp,
            given_name="Amelia",
            family_name="Thornbury",
            birth_year=2014,
            birth_month=3,
            birth_day=9,
            nhs_number="9434765919",
        ),
        "csc2": a_record(
            csc,
            given_name="Amelie",
            family_name="Thornbury",
            birth_year=2014,
            birth_month=9,
            birth_day=3,
            postcode="SK4 1AA",
        ),
    }
    big = a_person(run, records["csc1"], records["gp1"])
    small = a_person(run, records["csc2"])
    pair = a_review_pair(
        run,
        records["gp1"],
        records["csc2"],
        p=0.93,
        why_not_linked="",
    )
    return {"run": run, "big": big, "small": small, "pair": pair, **records}


def names_of(index) -> set[str]:
    return {
        value.lower()
        for key in ("csc1", "gp1", "csc2")
        for value in (index[key].given_name, index[key].family_name)
    }


def links_and_actions(page) -> list[str]:
    return [a["href"] for a in page.select("a[href]")] + [
        f["action"] for f in page.select("form[action]")
    ]


def summary(page) -> dict[str, str]:
    return {
        text(row.select_one(".govuk-summary-list__key")): text(
            row.select_one(".govuk-summary-list__value")
        )
        for row in page.select(".govuk-summary-list__row")
    }


# Who may see the pages


@pytest.mark.parametrize(
    "path", [*PAGES, "/steward/review/1", "/steward/persons/P0000000000000000"]
)
def test_a_practitioner_is_refused(practitioner_client, path):
    response = practitioner_client.get(path)

    assert response.status_code == 403
    assert text(read(response).select_one("h1")) == "You do not have access to this page"


def test_a_practitioner_cannot_post_a_decision(practitioner_client, index):
    response = practitioner_client.post(
        f"/steward/review/{index['pair'].pk}", {"ruling": "same", "reason": "x"}
    )

    assert response.status_code == 403
    assert not StewardDecision.objects.exists()


@pytest.mark.parametrize("client_fixture", ["steward_client"])
@pytest.mark.parametrize(
    ("path", "heading", "page_title", "nav"),
    [
        ("/steward/review", "Records to review", "Review queue", "Review"),
        ("/steward/quality", "Data quality", "Data quality", "Data quality"),
    ],
)
def test_stewards_see_the_pages(request, client_fixture, path, heading, page_title, nav):
    response = request.getfixturevalue(client_fixture).get(path)

    assert response.status_code == 200
    page = read(response)
    assert text(page.select_one("h1")) == heading
    assert text(page.select_one("title")) == title(page_title)
    assert text(page.select_one(".govuk-service-navigation__item--active a")) == nav


def test_stewards_are_offered_review_and_data_quality(steward_client, practitioner_client):
    def nav(client):
        page = read(client.get("/"))
        return [text(a) for a in page.select(".govuk-service-navigation__list a")]

    assert nav(steward_client) == ["Imports", "Review", "Data quality", "Problems reported"]
    assert "Review" not in nav(practitioner_client)
    assert "Data quality" not in nav(practitioner_client)
    assert "Problems reported" not in nav(practitioner_client)
    assert "Search" in nav(practitioner_client)


def test_another_authoritys_pair_and_person_are_not_found(steward_client, other_authority):
    leeds = a_source(other_authority, "LEEDS-CSC")
    run = a_run()
    a, b = a_record(leeds), a_record(leeds)
    theirs = a_review_pair(run, a, b)
    person = a_person(run, a)

    for path in (
        f"/steward/review/{theirs.pk}",
        f"/steward/persons/{person.pk}",
        "/steward/review/999999",
        "/steward/persons/P0000000000000000",
    ):
        response = steward_client.get(path)
        assert response.status_code == 404, path
        assert text(read(response).select_one("h1")) == "Page not found"
    assert (
        steward_client.post(
            f"/steward/review/{theirs.pk}", {"ruling": "same", "reason": "x"}
        ).status_code
        == 404
    )
    assert (
        steward_client.post(
            f"/steward/persons/{person.pk}/split", {"records": [a.pk], "split_reason": "x"}
        ).status_code
        == 404
    )
    assert not StewardDecision.objects.exists()


def test_their_pairs_are_not_in_our_queue(steward_client, index, other_authority):
    leeds = a_source(other_authority, "LEEDS-CSC")
    a_review_pair(index["run"], a_record(leeds), a_record(leeds))

    page = read(steward_client.get("/steward/review"))

    rows = page.select("#review-queue tbody tr")
    assert [row.select_one("a")["href"] for row in rows] == [f"/steward/review/{index['pair'].pk}"]


# The review queue


def test_the_queue_shows_open_pairs_strongest_first_then_not_sure(steward_client, index, authority):
    run = index["run"]
    src = a_source(authority, "HOUSING")
    weaker = a_review_pair(run, index["csc1"], a_record(src), p=0.61)
    strongest = a_review_pair(run, index["gp1"], a_record(src), p=0.97)
    not_sure = a_review_pair(run, index["csc2"], a_record(src), p=0.99, status="not_sure")
    a_review_pair(run, index["csc1"], a_record(src), p=0.99, status="decided")

    page = read(steward_client.get("/steward/review"))

    rows = page.select("#review-queue tbody tr")
    assert [row.select_one("a")["href"].rsplit("/", 1)[1] for row in rows] == [
        str(strongest.pk),
        str(index["pair"].pk),
        str(weaker.pk),
        str(not_sure.pk),
    ]
    first = [text(td) for td in rows[0].select("td")]
    # Every record here is a child's (born 2012 or 2014): each pair carries the tag.
    assert first[0] == f"Pair {strongest.pk} Child or family"
    assert first[3] == "97%"
    assert first[5] == "Waiting"
    assert text(rows[-1].select("td")[-1]) == "Not sure"
    assert text(page.select_one("[data-testid=queue-counts]")) == (
        "3 pairs waiting, 1 looked at but not sure."
    )


def test_the_queue_is_paginated(steward_client, authority):
    src = a_source(authority, "CSC")
    run = a_run()
    records = [a_record(src) for _ in range(52)]
    for i in range(51):
        a_review_pair(run, records[i], records[i + 1], p=0.9 - i / 1000)

    first = read(steward_client.get("/steward/review"))
    second = read(steward_client.get("/steward/review", {"page": 2}))

    assert len(first.select("#review-queue tbody tr")) == 50
    assert first.select_one(".govuk-pagination a[rel=next]")["href"] == "?page=2"
    assert len(second.select("#review-queue tbody tr")) == 1


def test_an_empty_queue_says_so(steward_client):
    page = read(steward_client.get("/steward/review"))

    assert "There are no pairs to review." in text(page.select_one("main"))


# One pair


def test_the_pair_is_shown_side_by_side(steward_client, index):
    page = read(steward_client.get(f"/steward/review/{index['pair'].pk}"))

    assert text(page.select_one("h1")) == "Are these records the same person?"
    assert text(page.select_one("title")) == title(f"Review pair {index['pair'].pk}")
    rows = {
        text(row.select_one("th")): [text(td) for td in row.select("td")]
        for row in page.select("#side-by-side tbody tr")
    }
    assert rows["Given name"] == ["Amelia", "Amelie"]
    assert rows["Date of birth"] == ["9 March 2014", "3 September 2014"]
    assert rows["NHS number"] == ["943 476 5919", "Not recorded"]
    assert rows["Source"][0].endswith("(GP)")
    assert rows["Person in the index"][0].startswith(index["big"].pk)
    assert rows["Person in the index"][1] == f"{index['small'].pk} No other record matched"
    assert text(page.select_one("[data-testid=why-not-linked]")) == (
        "The model's probability (93%) is below the 99% needed to link records without a steward."
    )
    # No model is saved in this index: the page says so instead of a waterfall.
    assert "No linkage model has been trained yet" in text(page.select_one("main"))
    assert page.select_one("input[name=csrfmiddlewaretoken]")
    assert [i["value"] for i in page.select("input[name=ruling]")] == [
        "same",
        "different",
        "not_sure",
    ]


def test_a_restricted_record_never_shows_its_address(steward_client, index):
    index["csc2"].restricted = True
    index["csc2"].save()

    page = read(steward_client.get(f"/steward/review/{index['pair'].pk}"))

    rows = {
        text(row.select_one("th")): [text(td) for td in row.select("td")]
        for row in page.select("#side-by-side tbody tr")
    }
    assert rows["Postcode"][1] == "Withheld (restricted record)"
    assert "SK4 1AA" not in text(page.select_one("main"))


def test_a_decision_needs_a_reason(steward_client, index):
    response = steward_client.post(f"/steward/review/{index['pair'].pk}", {"ruling": "same"})

    assert response.status_code == 200
    page = read(response)
    assert text(page.select_one("title")).startswith("Error: ")
    errors = page.select(".govuk-error-summary__list a")
    assert [(text(a), a["href"]) for a in errors] == [
        ("Enter the reason for your decision", "#reason")
    ]
    assert page.select_one("#reason")
    assert "Enter the reason for your decision" in text(page.select_one(".govuk-error-message"))
    assert page.select_one("input[name=ruling][value=same]").has_attr("checked")
    assert not StewardDecision.objects.exists()


def test_a_decision_needs_a_ruling(steward_client, index):
    page = read(steward_client.post(f"/steward/review/{index['pair'].pk}", {"reason": "x"}))

    errors = page.select(".govuk-error-summary__list a")
    assert [(text(a), a["href"]) for a in errors] == [
        ("Select whether these records are the same person", "#ruling")
    ]
    assert page.select_one("#ruling")
    assert text(page.select_one("#reason")) == "x"


def test_a_decision_is_saved_and_the_next_pair_shown_with_a_banner(
    steward_client, index, authority, caplog
):
    src = a_source(authority, "HOUSING")
    following = a_review_pair(index["run"], index["csc1"], a_record(src), p=0.7)

    with caplog.at_level(logging.INFO, logger="familyview"):
        response = steward_client.post(
            f"/steward/review/{index['pair'].pk}",
            {"ruling": "same", "reason": "Amelie is a typo: same school and GP"},
        )

    assert response.status_code == 302
    assert response["Location"] == f"/steward/review/{following.pk}"
    decision = StewardDecision.objects.get()
    assert (decision.ruling, decision.reason) == ("same", "Amelie is a typo: same school and GP")
    assert LinkedRecord.objects.get(person_record=index["csc2"]).person_id == index["big"].pk
    page = read(steward_client.get(response["Location"]))
    banner = page.select_one(".govuk-notification-banner--success")
    assert f"Pair {index['pair'].pk}: Decision saved" in text(banner)
    # Names never reach the address bar or the logs.
    logged = caplog.text.lower()
    for name in names_of(index):
        assert name not in response["Location"].lower()
        assert name not in logged


def test_after_the_last_pair_the_queue_is_shown(steward_client, index):
    response = steward_client.post(
        f"/steward/review/{index['pair'].pk}", {"ruling": "different", "reason": "twins"}
    )

    assert response["Location"] == "/steward/review"
    page = read(steward_client.get("/steward/review"))
    assert "There are no pairs to review." in text(page.select_one("main"))


def test_not_sure_keeps_the_pair_waiting(steward_client, index):
    steward_client.post(
        f"/steward/review/{index['pair'].pk}",
        {"ruling": "not_sure", "reason": "Asked the school, no answer yet"},
    )

    index["pair"].refresh_from_db()
    assert index["pair"].status == ReviewPair.Status.NOT_SURE
    page = read(steward_client.get("/steward/review"))
    assert text(page.select_one("#review-queue tbody td:last-child")) == "Not sure"
    # The next steward to open it sees who looked, when, and why they were not sure.
    pair_page = read(steward_client.get(f"/steward/review/{index['pair'].pk}"))
    looked = text(pair_page.select_one("[data-testid=not-sure]"))
    assert "Asked the school, no answer yet" in looked
    assert index["pair"].not_sure_by.get_full_name() in looked


def test_a_decided_pair_shows_the_decision_instead_of_the_form(steward_client, index):
    steward_client.post(
        f"/steward/review/{index['pair'].pk}", {"ruling": "different", "reason": "Twins"}
    )

    page = read(steward_client.get(f"/steward/review/{index['pair'].pk}"))

    assert page.select_one("input[name=ruling]") is None
    shown = summary(page)
    assert shown["Decision"] == "Different people"
    assert shown["Decided by"] == "Sam Patel"
    assert shown["Reason"] == "Twins"
    again = steward_client.post(
        f"/steward/review/{index['pair'].pk}", {"ruling": "same", "reason": "x"}
    )
    assert "This pair has already been decided" in text(
        read(again).select_one(".govuk-error-summary")
    )


def test_the_form_needs_its_csrf_token(authority, index):
    client = Client(enforce_csrf_checks=True)
    client.force_login(create_staff(Role.DATA_STEWARD, authority))

    response = client.post(f"/steward/review/{index['pair'].pk}", {"ruling": "same", "reason": "x"})

    assert response.status_code == 403
    assert not StewardDecision.objects.exists()


# A person


def test_a_person_shows_its_records_and_actions(steward_client, index):
    response = steward_client.get(f"/steward/persons/{index['big'].pk}")

    assert response.status_code == 200
    page = read(response)
    assert text(page.select_one("h1")) == index["big"].pk
    rows = page.select("#person-records tbody tr")
    assert [text(row.select("td")[1]) for row in rows] == [
        index["csc1"].source_record_id,
        index["gp1"].source_record_id,
    ]
    assert page.select_one(f"form[action='/steward/persons/{index['big'].pk}/split']")
    assert page.select_one(f"form[action='/steward/persons/{index['big'].pk}/merge']")
    assert [c["value"] for c in page.select("input[name=records]")] == [
        str(index["csc1"].pk),
        str(index["gp1"].pk),
    ]
    for address in links_and_actions(page):
        for name in names_of(index):
            assert name not in address.lower()


def test_merge_from_the_person_page(steward_client, index):
    response = steward_client.post(
        f"/steward/persons/{index['big'].pk}/merge",
        {"other_person": index["small"].pk.lower(), "merge_reason": "Same child"},
    )

    assert response["Location"] == f"/steward/persons/{index['big'].pk}"
    assert LinkedRecord.objects.get(person_record=index["csc2"]).person_id == index["big"].pk
    page = read(steward_client.get(response["Location"]))
    assert f"Person {index['small'].pk} was merged into this person" in text(
        page.select_one(".govuk-notification-banner--success")
    )
    history = [text(td) for td in page.select("#history ~ .app-table-container tbody td")]
    assert history[1:] == [f"Merged in {index['small'].pk} (1 record)", "Sam Patel", "Same child"]


def test_merge_errors_are_summarised(steward_client, index):
    page = read(
        steward_client.post(
            f"/steward/persons/{index['big'].pk}/merge",
            {"other_person": "P0000000000000000", "merge_reason": ""},
        )
    )

    errors = [(text(a), a["href"]) for a in page.select(".govuk-error-summary__list a")]
    assert errors == [("Enter the reason for your decision", "#merge_reason")]
    page = read(
        steward_client.post(
            f"/steward/persons/{index['big'].pk}/merge",
            {"other_person": "P0000000000000000", "merge_reason": "x"},
        )
    )
    errors = [(text(a), a["href"]) for a in page.select(".govuk-error-summary__list a")]
    assert errors == [
        ("There is no person P0000000000000000 in your authority's index", "#other_person")
    ]
    assert page.select_one("#other_person")["value"] == "P0000000000000000"


def test_split_from_the_person_page(steward_client, index):
    response = steward_client.post(
        f"/steward/persons/{index['big'].pk}/split",
        {"records": [str(index["gp1"].pk)], "split_reason": "A cousin"},
    )

    assert response["Location"] == f"/steward/persons/{index['big'].pk}"
    new = LinkedRecord.objects.get(person_record=index["gp1"]).person_id
    assert new != index["big"].pk
    assert Person.objects.filter(pk=new).exists()
    page = read(steward_client.get(response["Location"]))
    assert f"1 record moved to a new person, {new}" in text(
        page.select_one(".govuk-notification-banner--success")
    )
    assert StewardDecision.objects.get().ruling == "different"


def test_split_errors_are_summarised(steward_client, index):
    page = read(
        steward_client.post(f"/steward/persons/{index['big'].pk}/split", {"split_reason": "x"})
    )
    assert [(text(a), a["href"]) for a in page.select(".govuk-error-summary__list a")] == [
        ("Select the records to split off", "#records")
    ]
    page = read(
        steward_client.post(
            f"/steward/persons/{index['big'].pk}/split",
            {"records": [str(index["csc1"].pk), str(index["gp1"].pk)], "split_reason": "x"},
        )
    )
    assert "Leave at least one record with this person" in text(
        page.select_one(".govuk-error-summary")
    )
    assert all(c.has_attr("checked") for c in page.select("input[name=records]"))


# Data quality


def test_data_quality_shows_each_sources_figures(steward_client, index):
    page = read(steward_client.get("/steward/quality"))

    completeness = {
        text(row.select_one("td .govuk-\\!-font-weight-bold")): {
            td["data-field"]: text(td) for td in row.select("td[data-field]")
        }
        for row in page.select("#completeness-table tbody tr")
    }
    assert completeness["CSC"]["postcode"] == "100%"
    assert completeness["CSC"]["nhs_number"] == "0%"
    assert completeness["GP"]["nhs_number"] == "100%"
    assert completeness["GP"]["full_date_of_birth"] == "100%"
    freshness = {
        text(row.select_one("td .govuk-\\!-font-weight-bold")): [
            text(td) for td in row.select("td")
        ]
        for row in page.select("#freshness-table tbody tr")
    }
    assert freshness["CSC"][2] == "2"
    assert freshness["CSC"][3] == "50% (1)"  # csc1 shares its person with a GP record
    assert "No extract loaded yet" in freshness["GP"][1]


# With a real index: the model's waterfall


@pytest.fixture(scope="module")
def synthetic_authority(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("authority")
    generate(people=300, seed=5, out=out)
    return out


def linked(folder: Path) -> None:
    for source in load_sources(folder / "sources.toml"):
        if (folder / source.code).is_dir():
            assert ingest(source.code, [folder / source.code], "tests").ok
    link()


def waterfall(page) -> dict[str, list[str]]:
    return {
        text(row.select_one("th")): [text(td) for td in row.select("td")]
        for row in page.select(".app-waterfall tbody tr")
    }


@pytest.mark.slow
def test_the_waterfall_explains_a_real_pair_and_person(steward_client, synthetic_authority):
    linked(synthetic_authority)
    # Address evidence about shielded people is withheld (tests/identity/test_explain.py),
    # so the weights add up on a pair of ordinary records.
    pair = (
        ReviewPair.objects.filter(
            status="open", record_a__restricted=False, record_b__restricted=False
        )
        .exclude(explanation=[])
        .order_by("pk")
        .first()
    )

    page = read(steward_client.get(f"/steward/review/{pair.pk}"))

    rows = waterfall(page)
    assert list(rows) == [
        "Starting point",
        "Given name",
        "Family name",
        "Date of birth",
        "Address, postcode and property (UPRN)",
        "Sex",
        "NHS number",
        "Middle name",
        *(["How common the values are"] if "How common the values are" in rows else []),
        "Total match weight",
    ]
    assert rows["Starting point"][-1].startswith("\N{MINUS SIGN}")
    assert rows["Given name"][0] == (pair.record_a.given_name or "Not recorded")
    assert rows["Total match weight"][2].startswith("Probability they are the same person: ")
    weights = [
        float(cells[-1].replace("\N{MINUS SIGN}", "-").replace("+", "")) for cells in rows.values()
    ]
    assert sum(weights[:-1]) == pytest.approx(weights[-1], abs=0.5)
    assert "Scored by the link run that found the pair" in text(page.select_one("main"))

    sizes = Counter(LinkedRecord.objects.values_list("person_id", flat=True))
    person = next(pid for pid, n in sorted(sizes.items()) if n == 3)
    page = read(steward_client.get(f"/steward/persons/{person}"))
    explained = page.select(".app-pair-explanation")
    assert len(explained) == 3
    assert "without term frequency adjustment" in text(explained[0])
    assert "Total match weight" in waterfall(explained[0])


@pytest.mark.parametrize("path", ["/steward/review", "/steward/quality", "/imports"])
def test_administrators_see_no_family_data(administrator_client, path):
    assert administrator_client.get(path).status_code == 403
