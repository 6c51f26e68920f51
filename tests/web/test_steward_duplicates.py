"""Duplicates within a source on the steward's pages: the source's data-quality page with
its people held twice and the CSV for the source's owner (both audited), and confirming
several within-source pairs at once from the review queue."""

import csv
import io

import pytest
from django.utils import timezone

from familyview.audit.models import AuditEvent
from familyview.families.models import FamilyLink
from familyview.identity.models import LinkedRecord, ReviewPair, StewardDecision
from tests.identity.test_stewardship import a_person, a_record, a_review_pair, a_run, a_source

from .pages import read, text, title

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


@pytest.fixture
def index(authority):
    """CSC holds `twice` in two records; GP holds no one twice; `across` has one of each."""
    csc, gp = a_source(authority, "CSC"), a_source(authority, "GP")
    run = a_run()
    r = {
        "c1": a_record(csc, source_record_id="C-1", given_name="Maisie", family_name="Oduya"),
        "c2": a_record(csc, source_record_id="C-2", given_name="Maisy", family_name="Oduya"),
        "c3": a_record(csc, source_record_id="C-3"),
        "g1": a_record(gp, source_record_id="G-1"),
    }
    twice = a_person(run, r["c1"], r["c2"])
    across = a_person(run, r["c3"], r["g1"])
    return {"run": run, "twice": twice, "across": across, "csc": csc, "gp": gp, **r}


# The source's data-quality page


def test_the_quality_page_links_each_source_and_its_duplicates(steward_client, index):
    page = read(steward_client.get("/steward/quality"))

    links = {text(a): a["href"] for a in page.select("#validity-table td a")}
    assert links["CSC"] == "/steward/quality/CSC"
    assert links["1"] == "/steward/quality/CSC#duplicates"
    assert [text(a) for a in page.select("[data-testid=duplicates-link]")] == ["1"]


def test_the_source_page_lists_the_people_it_holds_twice_and_is_audited(steward_client, index):
    response = steward_client.get("/steward/quality/CSC")

    assert response.status_code == 200
    page = read(response)
    assert text(page.select_one("h1")) == "Data quality: CSC"
    assert text(page.select_one("title")) == title("Data quality: CSC")
    assert text(page.select_one("[data-testid=duplicate-count]")) == (
        "CSC holds 1 person in more than one current record."
    )
    rows = [
        [text(td) for td in tr.select("td")] for tr in page.select("#duplicates-table tbody tr")
    ]
    assert rows == [
        [
            index["twice"].pk,
            "C-1 C-2",
            "Probabilistic match, 99.5% Probabilistic match, 99.5%",
        ]
    ]
    assert page.select_one("#duplicates-table a")["href"] == f"/steward/persons/{index['twice'].pk}"
    assert page.select_one("[data-testid=duplicates-csv]")["href"] == (
        "/steward/quality/CSC/duplicates.csv"
    )
    # Only the owner's ids, not the names.
    assert "Maisie" not in text(page.select_one("main"))
    event = AuditEvent.objects.get(action="steward.duplicates_viewed")
    assert event.subjects == [index["twice"].pk]
    assert event.details == {"source": "CSC", "page": 1, "groups_shown": 1}
    assert (event.role, event.authority_id) == ("data_steward", index["csc"].source.authority_id)


def test_a_source_holding_no_one_twice_says_so(steward_client, index):
    page = read(steward_client.get("/steward/quality/GP"))

    assert text(page.select_one("[data-testid=duplicate-count]")) == (
        "GP holds no one in more than one current record."
    )
    assert page.select_one("#duplicates-table") is None
    assert page.select_one("[data-testid=duplicates-csv]") is None
    assert AuditEvent.objects.get(action="steward.duplicates_viewed").subjects == []


def test_the_owners_csv_is_downloaded_and_audited_as_an_export(steward_client, index):
    response = steward_client.get("/steward/quality/CSC/duplicates.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="duplicates-CSC.csv"'
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1:] == [
        ["CSC", "C-1", index["twice"].pk, "2", "Probabilistic match", "0.995000"],
        ["CSC", "C-2", index["twice"].pk, "2", "Probabilistic match", "0.995000"],
    ]
    assert "Maisie" not in body
    event = AuditEvent.objects.get(action="export")
    assert event.subjects == [index["twice"].pk]
    assert event.details == {"what": "source_duplicates", "source": "CSC", "rows": 2}


def test_another_authoritys_source_is_not_found(steward_client, index, other_authority):
    a_source(other_authority, "LEEDS-CSC")

    for path in (
        "/steward/quality/LEEDS-CSC",
        "/steward/quality/LEEDS-CSC/duplicates.csv",
        "/steward/quality/NOPE",
    ):
        response = steward_client.get(path)
        assert response.status_code == 404, path
    assert not AuditEvent.objects.filter(action__in=["export", "steward.duplicates_viewed"])


@pytest.mark.parametrize("path", ["/steward/quality/CSC", "/steward/quality/CSC/duplicates.csv"])
def test_a_practitioner_is_refused(practitioner_client, index, path):
    assert practitioner_client.get(path).status_code == 403


# Confirming duplicates within a source from the review queue


@pytest.fixture
def queue(authority):
    """Two within-source pairs (CSC), one across sources, all of adults."""
    csc, gp = a_source(authority, "CSC"), a_source(authority, "GP")
    run = a_run()
    adult = THIS_YEAR - 40
    r = {k: a_record(csc, birth_year=adult) for k in ("c1", "c2", "c3", "c4")}
    r["g1"] = a_record(gp, birth_year=adult)
    for record in r.values():
        a_person(run, record)
    pairs = {
        "c1c2": a_review_pair(run, r["c1"], r["c2"], p=0.97),
        "c3c4": a_review_pair(run, r["c3"], r["c4"], p=0.96),
        "c1g1": a_review_pair(run, r["c1"], r["g1"], p=0.95),
    }
    return {"run": run, "pairs": pairs, "authority": authority, **r}


def test_the_queue_offers_only_within_source_pairs_for_confirming(steward_client, queue):
    page = read(steward_client.get("/steward/review"))

    form = page.select_one("form[action='/steward/review/confirm-duplicates']")
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert [c["value"] for c in form.select("input[name=pairs]")] == [
        str(queue["pairs"]["c1c2"].pk),
        str(queue["pairs"]["c3c4"].pk),
    ]
    labels = [text(label) for label in form.select("label.govuk-checkboxes__label")]
    assert labels[0] == (
        f"Pair {queue['pairs']['c1c2'].pk}: CSC records {queue['c1'].source_record_id} and "
        f"{queue['c2'].source_record_id}, 97%"
    )
    assert form.select_one("textarea[name=confirm_reason]")


def test_confirming_several_pairs_decides_each(steward_client, queue):
    pairs = queue["pairs"]

    response = steward_client.post(
        "/steward/review/confirm-duplicates",
        {
            "pairs": [str(pairs["c1c2"].pk), str(pairs["c3c4"].pk)],
            "confirm_reason": "The same clients entered twice in CSC",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/steward/review"
    decisions = StewardDecision.objects.order_by("pk")
    assert [(d.record_a_id, d.record_b_id, d.ruling, d.reason) for d in decisions] == [
        (queue["c1"].pk, queue["c2"].pk, "same", "The same clients entered twice in CSC"),
        (queue["c3"].pk, queue["c4"].pk, "same", "The same clients entered twice in CSC"),
    ]
    person = dict(LinkedRecord.objects.values_list("person_record_id", "person_id"))
    assert person[queue["c1"].pk] == person[queue["c2"].pk]
    assert person[queue["c3"].pk] == person[queue["c4"].pk]
    page = read(steward_client.get("/steward/review"))
    assert text(page.select_one(".govuk-notification-banner--success")).endswith(
        f"2 pairs confirmed as the same person: {pairs['c1c2'].pk}, {pairs['c3c4'].pk}"
    )
    assert [int(a["href"].rsplit("/", 1)[1]) for a in page.select("#review-queue tbody a")] == [
        pairs["c1g1"].pk
    ]
    assert page.select_one("form[action='/steward/review/confirm-duplicates']") is None


def test_confirming_errors_are_summarised_and_nothing_is_decided(steward_client, queue):
    pairs = queue["pairs"]
    page = read(steward_client.post("/steward/review/confirm-duplicates", {"confirm_reason": ""}))

    assert text(page.select_one("title")).startswith("Error: ")
    errors = [(text(a), a["href"]) for a in page.select(".govuk-error-summary__list a")]
    assert errors == [
        ("Select the pairs that are the same person", "#pairs"),
        ("Enter the reason for your decision", "#confirm_reason"),
    ]
    assert page.select_one("#pairs")

    page = read(
        steward_client.post(
            "/steward/review/confirm-duplicates",
            {"pairs": [str(pairs["c1c2"].pk), str(pairs["c1g1"].pk)], "confirm_reason": "x"},
        )
    )

    errors = [text(a) for a in page.select(".govuk-error-summary__list a")]
    assert errors == [
        f"Pair {pairs['c1g1'].pk} holds records of two sources: decide it on its own page"
    ]
    # What the steward selected stays selected.
    assert page.select_one(f"input[name=pairs][value='{pairs['c1c2'].pk}']").has_attr("checked")
    assert not StewardDecision.objects.exists()
    assert set(ReviewPair.objects.values_list("status", flat=True)) == {"open"}


def test_a_practitioner_cannot_confirm(practitioner_client, queue):
    response = practitioner_client.post(
        "/steward/review/confirm-duplicates",
        {"pairs": [str(queue["pairs"]["c1c2"].pk)], "confirm_reason": "x"},
    )

    assert response.status_code == 403
    assert not StewardDecision.objects.exists()


# Children and their families first


def test_the_queue_puts_a_childs_family_first(steward_client, queue, authority):
    run = queue["run"]
    src = a_source(authority, "HOUSING")
    parent_a, parent_b = a_record(src, birth_year=THIS_YEAR - 35), a_record(src, birth_year=None)
    parent = a_person(run, parent_a)
    a_person(run, parent_b)
    child = a_person(run, a_record(src, birth_year=THIS_YEAR - 6))
    FamilyLink.objects.create(
        authority=authority,
        person=parent,
        related_person=child,
        relationship_type="child",
        basis="household",
        confidence=0.9,
    )
    weak = a_review_pair(run, parent_a, parent_b, p=0.6)

    page = read(steward_client.get("/steward/review"))

    rows = page.select("#review-queue tbody tr")
    order = [int(row.select_one("a")["href"].rsplit("/", 1)[1]) for row in rows]
    assert order == [weak.pk, *(queue["pairs"][k].pk for k in ("c1c2", "c3c4", "c1g1"))]
    assert text(rows[0].select_one("[data-testid=child-or-family]")) == "Child or family"
    assert rows[1].select_one("[data-testid=child-or-family]") is None
