"""The data steward's Imports pages: sources, import history and quarantined rows."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from familyview.sources.factories import (
    create_import,
    create_person_record,
    create_quarantined_row,
    create_source,
)
from familyview.sources.models import ExtractImport

from .pages import read, text, title

pytestmark = pytest.mark.django_db

Status = ExtractImport.Status


def source_rows(page) -> dict[str, object]:
    """The sources table's rows, by source code."""
    rows = page.select("#sources ~ .app-table-container")[0].select("tbody tr")
    return {text(row.select_one("td .govuk-\\!-font-weight-bold")): row for row in rows}


def history_rows(page):
    return page.select("#history ~ .app-table-container")[0].select("tbody tr")


# Who may see the pages


def test_a_practitioner_is_refused(practitioner_client, authority):
    response = practitioner_client.get("/imports")

    assert response.status_code == 403
    page = read(response)
    assert text(page.select_one("h1")) == "You do not have access to this page"
    assert text(page.select_one("title")) == title("You do not have access")


def test_a_practitioner_cannot_open_an_import_either(practitioner_client, authority):
    imp = create_import(create_source(authority))

    assert practitioner_client.get(f"/imports/{imp.pk}").status_code == 403


def test_a_practitioner_is_not_offered_the_imports_page(practitioner_client):
    page = read(practitioner_client.get("/"))

    nav = [text(a) for a in page.select(".govuk-service-navigation__list a")]
    assert "Imports" not in nav
    assert page.select_one("main a[href='/imports']") is None


@pytest.mark.parametrize("client_fixture", ["steward_client"])
def test_data_stewards_see_the_page(request, client_fixture):
    client = request.getfixturevalue(client_fixture)

    response = client.get("/imports")

    assert response.status_code == 200
    page = read(response)
    assert text(page.select_one("h1")) == "Sources and imports"
    assert text(page.select_one("title")) == title("Imports")
    current = page.select_one(".govuk-service-navigation__item--active a")
    assert text(current) == "Imports"


def test_only_the_users_own_authoritys_sources_and_imports_are_shown(
    steward_client, authority, other_authority
):
    ours = create_source(authority, code="CSC")
    theirs = create_source(other_authority, code="LEEDS-CSC")
    create_import(ours)
    create_import(theirs)

    page = read(steward_client.get("/imports"))

    assert list(source_rows(page)) == ["CSC"]
    assert [text(row.select("td")[1]) for row in history_rows(page)] == ["CSC"]


def test_another_authoritys_import_is_not_found(steward_client, other_authority):
    imp = create_import(create_source(other_authority))

    response = steward_client.get(f"/imports/{imp.pk}")

    assert response.status_code == 404
    assert text(read(response).select_one("h1")) == "Page not found"


def test_a_missing_import_is_not_found(steward_client):
    assert steward_client.get("/imports/999999").status_code == 404


# Sources


def test_a_source_overdue_for_an_extract_is_marked_stale(steward_client, authority):
    now = timezone.now()
    overdue = create_source(authority, code="POLICE", expected_every_days=7)
    fresh = create_source(authority, code="SCHOOLS", expected_every_days=7)
    create_import(overdue, extracted_at=now - timedelta(days=8))
    create_import(fresh, extracted_at=now - timedelta(days=2))

    rows = source_rows(read(steward_client.get("/imports")))

    assert text(rows["POLICE"].select_one(".govuk-tag--red")) == "Stale"
    assert rows["SCHOOLS"].select_one(".govuk-tag") is None
    assert "Every 7 days" in text(rows["SCHOOLS"])


def test_a_source_never_loaded_is_stale(steward_client, authority):
    create_source(authority, code="NEW")

    row = source_rows(read(steward_client.get("/imports")))["NEW"]

    assert "No extract loaded yet" in text(row)
    assert text(row.select_one(".govuk-tag")) == "Stale"


def test_data_current_as_of_is_the_newest_loaded_extract(steward_client, authority):
    source = create_source(authority, code="CSC")
    loaded = create_import(source, extracted_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    create_import(
        source,
        status=Status.REJECTED,
        extracted_at=datetime(2026, 11, 27, 2, 0, tzinfo=UTC),
    )

    row = source_rows(read(steward_client.get("/imports")))["CSC"]

    link = row.select_one("a")
    assert text(link) == "20 November 2026 at 2am"
    assert link["href"] == f"/imports/{loaded.pk}"


def test_sources_show_their_current_records_only(steward_client, authority):
    source = create_source(authority, code="CSC", name="Children's social care")
    imp = create_import(source, extracted_at=timezone.now())
    for _ in range(3):
        create_person_record(imp)
    create_person_record(imp, ended=True)

    row = source_rows(read(steward_client.get("/imports")))["CSC"]

    assert "Children's social care" in text(row)
    assert "3 people" in text(row)
    assert "0 involvements" in text(row)


def test_the_page_needs_the_same_few_queries_however_many_sources(
    steward_client, authority, django_assert_max_num_queries
):
    for _ in range(12):
        imp = create_import(create_source(authority), extracted_at=timezone.now())
        create_person_record(imp)
        create_quarantined_row(imp)

    # A session's first page reads the member of staff's roles and keeps them in it.
    steward_client.get("/imports")
    # Session, user, session generation, sources, history count and page.
    with django_assert_max_num_queries(8):
        assert steward_client.get("/imports").status_code == 200


# Import history


def test_history_is_newest_first_with_status_counts_and_message(steward_client, authority):
    source = create_source(authority, code="CSC")
    now = timezone.now()
    older = create_import(
        source,
        started_at=now - timedelta(days=1),
        people_accepted=10,
        involvements_accepted=5,
        rows_quarantined=2,
        fields_held_back=3,
        records_ended=1,
        imported_by="ann.steward",
    )
    newer = create_import(
        source,
        status=Status.REJECTED,
        started_at=now,
        message="people.csv: the column 'source_id' is missing",
    )

    rows = history_rows(read(steward_client.get("/imports")))

    assert [row.select_one("a")["href"] for row in rows] == [
        f"/imports/{newer.pk}",
        f"/imports/{older.pk}",
    ]
    rejected = rows[0]
    assert text(rejected.select_one(".govuk-tag")) == "Rejected"
    assert "the column 'source_id' is missing" in text(rejected)
    cells = [text(td) for td in rows[1].select("td")]
    assert cells[1:8] == ["CSC", "ann.steward", "Loaded", "15", "2", "3", "1"]
    assert cells[8] == "1.2 seconds"
    head = [text(th) for th in read(steward_client.get("/imports")).select("#history ~ div th")]
    assert head[4:7] == ["Rows accepted", "Rows quarantined", "Values held back"]


@pytest.mark.parametrize(
    ("status", "words", "colour"),
    [
        (Status.LOADED, "Loaded", "govuk-tag--green"),
        (Status.UNCHANGED, "Unchanged", "govuk-tag--grey"),
        (Status.REJECTED, "Rejected", "govuk-tag--red"),
        (Status.INTERRUPTED, "Interrupted", "govuk-tag--orange"),
        (Status.RUNNING, "Running", None),
    ],
)
def test_each_status_has_its_tag(steward_client, authority, status, words, colour):
    create_import(create_source(authority), status=status)

    tag = history_rows(read(steward_client.get("/imports")))[0].select_one(".govuk-tag")

    assert text(tag) == words
    if colour:
        assert colour in tag["class"]


def test_history_is_paginated_fifty_a_page(steward_client, authority):
    source = create_source(authority)
    start = timezone.now()
    imports = [create_import(source, started_at=start - timedelta(minutes=n)) for n in range(51)]

    first = read(steward_client.get("/imports"))
    second = read(steward_client.get("/imports", {"page": 2}))

    assert len(history_rows(first)) == 50
    assert first.select_one(".govuk-pagination a[rel=next]")["href"] == "?page=2"
    assert first.select_one(".govuk-pagination__item--current a")["aria-current"] == "page"
    assert [row.select_one("a")["href"] for row in history_rows(second)] == [
        f"/imports/{imports[-1].pk}"
    ]
    assert second.select_one(".govuk-pagination a[rel=prev]")["href"] == "?page=1"
    assert second.select_one(".govuk-pagination a[rel=next]") is None


def test_a_page_number_out_of_range_shows_the_nearest_page(steward_client, authority):
    create_import(create_source(authority))

    for page_number in ("99", "nonsense"):
        response = steward_client.get("/imports", {"page": page_number})
        assert response.status_code == 200
        assert len(history_rows(read(response))) == 1


def test_no_pagination_when_it_all_fits(steward_client, authority):
    create_import(create_source(authority))

    assert read(steward_client.get("/imports")).select_one(".govuk-pagination") is None


# One import and its quarantined rows


def test_an_import_shows_its_summary(steward_client, authority):
    source = create_source(authority, code="CSC", name="Children's social care")
    imp = create_import(
        source,
        extracted_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
        coverage_area="Stockport",
        people_accepted=1200,
        files=["people.csv", "involvements.csv"],
    )

    page = read(steward_client.get(f"/imports/{imp.pk}"))

    assert text(page.select_one("h1")) == f"Import {imp.pk}"
    summary = {
        text(row.select_one(".govuk-summary-list__key")): text(
            row.select_one(".govuk-summary-list__value")
        )
        for row in page.select(".govuk-summary-list__row")
    }
    assert summary["Status"] == "Loaded"
    assert summary["Source"] == "Children's social care (CSC)"
    assert summary["Data current as of"] == "20 November 2026 at 2am"
    assert summary["Files"] == "people.csv involvements.csv"
    assert summary["Rows accepted"].startswith("1,200 people")
    assert summary["Values held back"] == "0"
    assert page.select_one(".govuk-back-link")["href"] == "/imports"
    assert "No rows were quarantined." in text(page.select_one("main"))
    assert text(page.select_one("main")).endswith("No values were held back.")


def test_quarantined_rows_are_listed_with_file_row_field_and_reason(steward_client, authority):
    imp = create_import(create_source(authority))
    create_quarantined_row(
        imp,
        file_name="people.csv",
        row_number=7,
        field="nhs_number",
        reason="nhs_number fails the modulus 11 check",
        raw="P7,Ann,Smith,1234567890",
    )

    page = read(steward_client.get(f"/imports/{imp.pk}"))

    cells = [text(td) for td in page.select("#quarantined-rows ~ .app-table-container tbody td")]
    assert cells == [
        "people.csv",
        "7",
        "nhs_number",
        "nhs_number fails the modulus 11 check",
        "P7,Ann,Smith,1234567890",
    ]


def test_a_formula_in_a_quarantined_row_is_shown_as_inert_text(steward_client, authority):
    imp = create_import(create_source(authority))
    formula = '=HYPERLINK("http://x","y")'
    create_quarantined_row(imp, raw=f"P1,{formula},<script>alert(1)</script>")

    response = steward_client.get(f"/imports/{imp.pk}")

    table = read(response).select_one("#quarantined-rows ~ .app-table-container table")
    assert table.select_one("code").get_text() == f"P1,{formula},<script>alert(1)</script>"
    assert table.select("a") == []
    assert table.select("script") == []
    assert b"<script>alert(1)" not in response.content


def test_quarantined_rows_are_paginated(steward_client, authority):
    imp = create_import(create_source(authority))
    for n in range(101):
        create_quarantined_row(imp, row_number=n + 2)

    page = read(steward_client.get(f"/imports/{imp.pk}", {"page": 2}))

    assert len(page.select("#quarantined-rows ~ .app-table-container tbody tr")) == 1
    assert page.select_one(".govuk-pagination a[rel=prev]")["href"] == "?page=1"


def held_back_cells(page) -> list[list[str]]:
    rows = page.select("#values-held-back ~ .app-table-container tbody tr")
    return [[text(td) for td in row.select("td")] for row in rows]


def test_values_held_back_are_listed_apart_from_quarantined_rows(steward_client, authority):
    imp = create_import(create_source(authority), rows_quarantined=1, fields_held_back=3)
    create_quarantined_row(imp, row_number=4, field="source_id", reason="source_id is required")
    row = "P2,Ann,Smith,1938-11-31,9434765918"
    held = [
        ("date_of_birth", "date_of_birth '1938-11-31' is not a real date", "1938-11-31"),
        ("nhs_number", "nhs_number fails the NHS number check digit (modulus 11)", "9434765918"),
    ]
    for field, reason, value in held:
        create_quarantined_row(imp, row_number=2, field=field, reason=reason, raw=row, value=value)
    status_reason = "status 'open' is not a known status (current, historic, not_recorded)"
    create_quarantined_row(
        imp,
        file_name="involvements.csv",
        record_kind="involvements",
        row_number=9,
        field="status",
        reason=status_reason,
        raw="I9,P2,childrens_social_care,open",
        value="open",
    )

    page = read(steward_client.get(f"/imports/{imp.pk}"))

    summary = {
        text(r.select_one(".govuk-summary-list__key")): text(
            r.select_one(".govuk-summary-list__value")
        )
        for r in page.select(".govuk-summary-list__row")
    }
    assert (summary["Rows quarantined"], summary["Values held back"]) == ("1", "3")
    # Which values, where and why; the row they came from loaded, so it is not repeated.
    assert held_back_cells(page) == [
        ["involvements.csv", "9", "status", status_reason, "open"],
        ["people.csv", "2", "date_of_birth", held[0][1], "1938-11-31"],
        ["people.csv", "2", "nhs_number", held[1][1], "9434765918"],
    ]
    table = page.select_one("#values-held-back ~ .app-table-container")
    assert row not in text(table)
    assert [th.get_text(strip=True) for th in table.select("thead th")] == [
        "File",
        "Row",
        "Field",
        "Reason",
        "Value as sent",
    ]
    # The quarantined rows' table holds the row quarantined whole, and only that.
    quarantined = page.select("#quarantined-rows ~ .app-table-container")[0].select("tbody tr")
    assert [text(r.select("td")[2]) for r in quarantined] == ["source_id"]


def test_values_held_back_are_paginated_apart_from_quarantined_rows(steward_client, authority):
    imp = create_import(create_source(authority))
    create_quarantined_row(imp, row_number=2)
    for n in range(101):
        create_quarantined_row(imp, row_number=n + 3, field="sex", reason="sex 'F?'", value="F?")

    first = read(steward_client.get(f"/imports/{imp.pk}"))
    second = read(steward_client.get(f"/imports/{imp.pk}", {"held_page": 2}))

    assert len(held_back_cells(first)) == 100
    assert "Showing 1 to 100 of 101." in text(first.select_one("#values-held-back + p"))
    assert first.select_one(".govuk-pagination a[rel=next]")["href"] == "?held_page=2"
    assert len(held_back_cells(second)) == 1
    assert len(second.select("#quarantined-rows ~ .app-table-container")[0].select("tbody tr")) == 1
