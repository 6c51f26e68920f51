"""Subject access: one person's records with every field, involvements, relationships,
sources and link history, and everyone who viewed them; only within the officer's
authorities; producing the report is audited; the CSV is safe to open in a spreadsheet."""

import csv
import io
from datetime import date

import pytest

from familyview.access.models import Role
from familyview.access.policy import staff_for
from familyview.audit.events import Level, record_event
from familyview.audit.models import AuditEvent
from familyview.identity.models import IdentityChange, LinkedRecord, LinkRun
from familyview.identity.search import PersonQuery, refresh_search_entries
from familyview.privacy.subject_access import (
    SubjectAccessRefused,
    SubjectNotFound,
    find_subjects,
    report_csv_lines,
    report_rows,
    subject_access_report,
)
from tests.web.factories import create_authority, create_staff

from .holdings import a_person, a_record, a_relationship, a_source, an_involvement

pytestmark = pytest.mark.django_db


@pytest.fixture
def authority():
    return create_authority("stockport", "Stockport")


@pytest.fixture
def officer(authority):
    return create_staff(Role.PRIVACY_OFFICER, authority, first_name="Iris", last_name="Grant")


@pytest.fixture
def worker(authority):
    return create_staff(Role.PRACTITIONER, authority, first_name="Sam", last_name="Patel")


@pytest.fixture
def held(authority):
    """Amelia: a CSC record and a GP record; her mother; a police involvement with
    details; a merge that retired her old identifier."""
    csc = a_source(authority, "CSC", service_category="childrens_social_care")
    gp = a_source(authority, "GP", service_category="gp")
    csc_record = a_record(
        csc,
        source_record_id="CSC-1",
        given_name="Amelia",
        family_name="Thornbury",
        birth_year=2014,
        birth_month=3,
        birth_day=9,
        address_line1="12 Mill Lane",
        postcode="SK4 1AA",
        uprn="100012345678",
    )
    gp_record = a_record(
        gp,
        source_record_id="GP-77",
        given_name="Amelia",
        middle_names="Rose",
        family_name="Thornbury",
        birth_year=2014,
        birth_month=3,
        birth_day=9,
        nhs_number="9434765919",
    )
    mother_record = a_record(
        csc, source_record_id="CSC-2", given_name="Jo", family_name="Thornbury"
    )
    amelia = a_person(csc_record, gp_record)
    mother = a_person(mother_record)
    a_relationship(csc, csc_record, mother_record, "mother", start_date=date(2014, 3, 9))
    a_relationship(csc, mother_record, csc_record, "child")
    an_involvement(
        csc,
        csc_record,
        source_involvement_id="REF-9",
        status="historic",
        end_date=date(2024, 5, 1),
        details={"offences": [{"type": '=HYPERLINK("x")', "nature": "victim"}]},
    )
    an_involvement(gp, gp_record, source_involvement_id="GP-REG-1", team="Heaton Surgery")
    IdentityChange.objects.create(
        kind="merge",
        person=amelia,
        other_persons=["P0000000000000OLD"],
        records=[gp_record.pk],
        reason="Same NHS number",
    )
    return {
        "amelia": amelia.pk,
        "mother": mother.pk,
        "csc": csc,
        "gp": gp,
        "csc_record": csc_record,
        "gp_record": gp_record,
    }


def facts(items) -> dict[str, str]:
    return dict(items)


def test_the_report_holds_every_record_with_all_its_fields(held, officer):
    report = subject_access_report(held["amelia"], staff_for(officer), " SAR-2026-14 ")

    assert report.person_id == held["amelia"]
    assert report.reference == "SAR-2026-14"
    assert report.authorities == ["Stockport"]
    assert [(r.source_code, r.source_record_id) for r in report.records] == [
        ("CSC", "CSC-1"),
        ("GP", "GP-77"),
    ]
    csc, gp = (facts(r.facts) for r in report.records)
    assert csc["Given name"] == "Amelia"
    assert csc["Date of birth"] == "9 March 2014"
    assert csc["Address line 1"] == "12 Mill Lane"
    assert csc["Property reference (UPRN)"] == "100012345678"
    assert csc["NHS number"] == "Not recorded"
    assert gp["Middle names"] == "Rose"
    assert gp["NHS number"] == "9434765919"
    assert gp["No longer sent by the source since"] == "Still sent"
    assert facts(report.records[0].linked)["How it was linked"] == "Probabilistic match"
    assert [(s.code, s.records) for s in report.sources] == [("CSC", 1), ("GP", 1)]
    assert all(s.data_current_as_of is not None for s in report.sources)


def test_the_report_holds_involvements_relationships_and_link_history(held, officer):
    report = subject_access_report(held["amelia"], staff_for(officer), "SAR-1")

    assert [i.source_involvement_id for i in report.involvements] == ["REF-9", "GP-REG-1"]
    police = facts(report.involvements[0].facts)
    assert police["Status"] == "Historic"
    assert police["Ended"] == "1 May 2024"
    assert police["Details: offences 1: type"] == '=HYPERLINK("x")'
    assert police["Details: offences 1: nature"] == "victim"
    assert facts(report.involvements[1].facts)["Team"] == "Heaton Surgery"
    assert [r.description for r in report.relationships] == [
        f"Person {held['mother']} is their mother",
        f"They are the child of person {held['mother']}",
    ]
    assert facts(report.relationships[0].facts)["Since"] == "9 March 2014"
    # The other person is a third party: their identifier only, never their name.
    assert all("Jo" not in str(r) for r in report.relationships)
    assert report.former_ids == ["P0000000000000OLD"]
    [change] = report.link_history
    assert change.what == f"Person P0000000000000OLD merged into person {held['amelia']}"
    assert change.reason == "Same NHS number"


def test_the_report_lists_everyone_who_viewed_the_person_and_itself(held, officer, worker):
    record_event(
        staff_for(worker),
        "family.view",
        level=Level.SUMMARY,
        subjects=[held["mother"], held["amelia"]],
        purpose="Section 47 enquiry (child protection)",
        case_reference="CP-12",
    )
    record_event(
        staff_for(worker), "person.summary", level=Level.SUMMARY, subjects=["P0000000000000OLD"]
    )
    record_event(
        staff_for(worker), "person.summary", level=Level.SUMMARY, subjects=[held["mother"]]
    )

    report = subject_access_report(held["amelia"], staff_for(officer), "SAR-1")

    assert [(v.sequence, v.who, v.role, v.as_person_id) for v in report.viewings] == [
        (1, "Sam Patel", "Practitioner", held["amelia"]),
        (2, "Sam Patel", "Practitioner", "P0000000000000OLD"),
        (4, "Iris Grant", "Privacy officer", held["amelia"]),
    ]
    first = report.viewings[0]
    assert (first.purpose, first.case_reference, first.level, first.authority) == (
        "Section 47 enquiry (child protection)",
        "CP-12",
        "Person summary viewed",
        "Stockport",
    )
    assert report.event_sequence == 4


def test_producing_the_report_is_audited(held, officer):
    subject_access_report(held["amelia"], staff_for(officer), "SAR-7", output="csv")

    event = AuditEvent.objects.get(action="subject_access.report")
    assert event.user_id == officer.pk
    assert event.subjects == [held["amelia"]]
    assert (event.level, event.case_reference, event.purpose) == (
        "service_detail",
        "SAR-7",
        "Subject access request",
    )
    assert (event.role, event.details) == ("privacy_officer", {"output": "csv"})


def test_a_request_reference_is_required(held, officer):
    with pytest.raises(SubjectAccessRefused, match="Enter the subject access request reference"):
        subject_access_report(held["amelia"], staff_for(officer), "  ")
    with pytest.raises(SubjectAccessRefused, match="100 characters or fewer"):
        subject_access_report(held["amelia"], staff_for(officer), "x" * 101)
    assert not AuditEvent.objects.exists()


def test_another_authoritys_person_is_not_found(held):
    leeds_officer = create_staff(Role.PRIVACY_OFFICER, create_authority("leeds", "Leeds"))

    with pytest.raises(SubjectNotFound) as refused:
        subject_access_report(held["amelia"], staff_for(leeds_officer), "SAR-1")

    assert refused.value.merged_into is None
    assert not AuditEvent.objects.exists()


def test_a_practitioner_cannot_produce_a_report(held, worker):
    with pytest.raises(SubjectNotFound):
        subject_access_report(held["amelia"], staff_for(worker), "SAR-1")


def test_a_merged_identifier_says_where_the_person_went(held, officer):
    with pytest.raises(SubjectNotFound) as moved:
        subject_access_report("P0000000000000OLD", staff_for(officer), "SAR-1")

    assert moved.value.merged_into == held["amelia"]


def test_only_the_officers_authoritys_records_are_reported(held, officer, authority):
    leeds = create_authority("leeds", "Leeds")
    elsewhere = a_record(a_source(leeds, "LEEDS-CSC"), given_name="Amelia")
    LinkedRecord.objects.create(
        person_record=elsewhere,
        person_id=held["amelia"],
        match_probability=1.0,
        basis="alone",
        linked_by_run=LinkRun.objects.create(mode="full"),
    )

    report = subject_access_report(held["amelia"], staff_for(officer), "SAR-1")

    assert [r.source_code for r in report.records] == ["CSC", "GP"]
    assert report.other_authorities_records == 1


def test_the_csv_has_one_fact_a_row_and_no_formulas(held, officer):
    report = subject_access_report(held["amelia"], staff_for(officer), "=SAR-1")

    text = "".join(report_csv_lines(report))
    rows = list(csv.reader(io.StringIO(text)))

    assert rows[0] == ["Section", "Item", "What", "Value"]
    assert ["Report", "", "Request reference", "'=SAR-1"] in rows
    assert ["Source records", "GP GP-77", "NHS number", "9434765919"] in rows
    assert [
        "Involvements",
        "CSC REF-9",
        "Details: offences 1: type",
        '\'=HYPERLINK("x")',
    ] in rows
    assert ["Viewed by", "Audit event 1", "Who", "Iris Grant"] in rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)
    assert len(rows) == 1 + len(list(report_rows(report)))


def test_a_search_finds_the_person_and_is_audited(held, officer):
    refresh_search_entries()

    found = find_subjects(staff_for(officer), PersonQuery(name="Amelia Thornbury"))

    assert found[0].person_id == held["amelia"]
    assert found[0].names == ["Amelia Thornbury", "Amelia Rose Thornbury"]
    assert found[0].dates_of_birth == ["9 March 2014"]
    assert found[0].sources == ["CSC system", "GP system"]
    event = AuditEvent.objects.get(action="subject_access.search")
    assert event.level == "results"
    assert held["amelia"] in event.subjects
    assert event.details["criteria"] == {"name": "Amelia Thornbury"}


def test_an_empty_search_is_refused(officer):
    with pytest.raises(SubjectAccessRefused, match="Enter a name"):
        find_subjects(staff_for(officer), PersonQuery())
