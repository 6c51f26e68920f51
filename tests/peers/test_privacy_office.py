"""The answering council's privacy office (issue 20): a neighbouring council's questions in
the audit log pages (by person, by the neighbour, their details readable), the alert rules
on unusual volumes per neighbour and per asking worker and on a neighbour asking about a
shielded person, and a subject access report that lists lookups both ways. Stockport is
this process; Manchester's questions are signed with a key of its own and posted to the
answering endpoint, as they would arrive."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from familyview.access.factories import create_authority, create_staff
from familyview.access.models import Role
from familyview.access.policy import staff_for
from familyview.audit.models import AuditEvent
from familyview.identity.search import refresh_search_entries
from familyview.peers import protocol
from familyview.peers.registry import add_peer
from familyview.privacy.alerts.rules import load_alert_rules
from familyview.privacy.alerts.runs import run_alert_rules
from familyview.privacy.models import AlertRule, PrivacyAlert
from familyview.privacy.subject_access import subject_access_report
from familyview.sources.models import PersonRecord
from familyview.sources.validation import nhs_number_is_valid
from tests.peers.conftest import Key
from tests.web.frontline_family import a_family

pytestmark = pytest.mark.django_db

CHILD = {"nhs_number": "9434765919", "date_of_birth": "2016-03-09"}
MOTHER = {"nhs_number": "9434765935", "date_of_birth": "1988-06-04"}
PAT = {"name": "Pat Lee", "role": "social worker", "council": "Manchester City Council"}
JO = {"name": "Jo Khan", "role": "early help worker", "council": "Manchester City Council"}


def nhs_numbers(how_many: int) -> list[str]:
    """Valid NHS numbers no one here holds."""
    found, n = [], 400000000
    while len(found) < how_many:
        n += 1
        for check in range(10):
            number = f"{n}{check}"
            if nhs_number_is_valid(number):
                found.append(number)
                break
    return found


@pytest.fixture
def stockport_answers(stockport):
    """Stockport (this process) answers Manchester; the child's NHS number is Amelia's and
    the mother, shielded here, has hers."""
    family = a_family(create_authority("stockport", "Stockport Council"))
    records = PersonRecord.objects.filter(source__authority=family.authority)
    records.filter(given_name="Claire").update(
        nhs_number=MOTHER["nhs_number"], restricted=True, row_hash="c" * 32
    )
    refresh_search_entries()
    manchester = Key.new()
    add_peer(
        "manchester",
        "https://familyview.manchester.example.gov.uk",
        manchester.public,
        agreement="GM-ISA-2026-04",
        authority_code="stockport",
        duty_line="0161 217 6028",
        ask=False,
    )
    return family, manchester


def ask(key: Key, subjects: list[dict], worker: dict = PAT) -> None:
    payload = {
        **protocol.request_claims("manchester", "stockport"),
        "worker": worker,
        "purpose": "Section 47 enquiry",
        "case_reference": "MCR-77",
        "subjects": subjects,
    }
    token = protocol.sign(payload, key.okp, kid="manchester", typ=protocol.REQUEST_TYPE)
    response = Client().post(protocol.LOOKUP_PATH, token, content_type=protocol.CONTENT_TYPE)
    assert response.status_code == 200, response.content


def test_a_neighbour_asking_about_a_shielded_person_raises_an_alert(stockport_answers):
    family, manchester = stockport_answers

    ask(manchester, [CHILD, MOTHER])
    run_alert_rules()

    (alert,) = PrivacyAlert.objects.all()
    assert alert.rule == AlertRule.SHIELDED_PERSON
    assert (alert.username, alert.user_id) == ("peer:manchester", None)
    assert alert.authority_id == family.authority.pk
    assert alert.subjects == [family.mother]
    assert alert.explanation.startswith(
        "On "
    ) and 'the neighbouring council\'s Family View "manchester" asked about a shielded ' in (
        alert.explanation
    )
    assert "Pat Lee, social worker, Manchester City Council" in alert.explanation
    assert 'It was answered "held"' in alert.explanation
    # The privacy officer's queue and the alert's own page say so.
    officer = Client()
    officer.force_login(create_staff(Role.PRIVACY_OFFICER, family.authority))
    queue = officer.get("/privacy/alerts")
    assert queue.status_code == 200
    assert "Saw a shielded person" in queue.content.decode()
    page = officer.get(f"/privacy/alerts/{alert.pk}")
    assert page.status_code == 200
    assert "Pat Lee, social worker, Manchester City Council" in page.content.decode()


def test_a_neighbour_asking_about_ordinary_people_raises_nothing(stockport_answers):
    _family, manchester = stockport_answers

    ask(manchester, [CHILD])
    run_alert_rules()

    assert list(PrivacyAlert.objects.all()) == []


def test_unusual_volumes_per_neighbour_and_per_asking_worker_raise_alerts(
    stockport_answers, tmp_path
):
    _family, manchester = stockport_answers
    council = tmp_path / "alert_rules.toml"
    council.write_text(
        "version = 2\n[neighbour_volume]\nper_peer_per_day = 7\nper_worker_per_day = 5\n",
        encoding="utf-8",
    )
    numbers = iter(nhs_numbers(8))

    def two() -> list[dict]:
        return [{"nhs_number": next(numbers), "date_of_birth": "2015-05-05"} for _ in range(2)]

    for _ in range(3):
        ask(manchester, two(), PAT)  # 6 people: over the worker's 5
    ask(manchester, two(), JO)  # 2 people; 8 in all: over the neighbour's 7
    run_alert_rules(book=load_alert_rules(council))

    alerts = {a.rule: a for a in PrivacyAlert.objects.all()}
    assert set(alerts) == {AlertRule.PEER_VOLUME, AlertRule.PEER_WORKER_VOLUME}
    assert alerts[AlertRule.PEER_VOLUME].events.count() == 4
    assert 'Family View "manchester" asked about 8 people in 4 questions' in (
        alerts[AlertRule.PEER_VOLUME].explanation
    )
    worker = alerts[AlertRule.PEER_WORKER_VOLUME]
    assert worker.events.count() == 3
    assert worker.explanation.split(" asked about")[0].endswith(
        "Pat Lee, social worker, Manchester City Council, through the neighbouring "
        'council\'s Family View "manchester",'
    )
    assert "6 people in 3 questions, more than the 5 a day" in worker.explanation
    assert alerts[AlertRule.PEER_VOLUME].rules_version == 2


def test_the_privacy_officer_finds_a_neighbours_questions_by_person_and_by_neighbour(
    stockport_answers,
):
    family, manchester = stockport_answers
    ask(manchester, [CHILD])
    officer = Client()
    officer.force_login(create_staff(Role.PRIVACY_OFFICER, family.authority))

    by_neighbour = officer.post("/audit", {"user": "peer:manchester"})
    assert by_neighbour.status_code == 302
    assert by_neighbour["Location"] == "/audit?neighbour=manchester"
    page = BeautifulSoup(officer.get(by_neighbour["Location"]).content, "html.parser")
    rows = page.select("table tbody tr")
    assert len(rows) == 1
    who, what, people, purpose = (
        " ".join(rows[0].select("td")[i].get_text().split()) for i in (1, 2, 3, 4)
    )
    assert who == (
        "Manchester (a neighbouring council's Family View) Asked by Pat Lee, social worker, "
        "Manchester City Council"
    )
    assert what.startswith("peer.lookup_answered (service details viewed)")
    assert "agreement: GM-ISA-2026-04" in what and "returned:" in what
    assert family.child in people
    assert purpose == "Section 47 enquiryCase MCR-77"  # a line break between them
    # The search keeps the neighbour it was for, and so does its download.
    assert page.select_one("#user")["value"] == "peer:manchester"
    download = officer.get("/audit/export.csv?neighbour=manchester")
    lines = b"".join(download.streaming_content).decode().splitlines()
    assert len(lines) == 2 and "peer:manchester" in lines[1]

    by_person = BeautifulSoup(
        officer.get(f"/audit?person={family.child}").content, "html.parser"
    ).select("table tbody tr")
    assert any("peer.lookup_answered" in row.get_text() for row in by_person)


def test_a_neighbour_that_never_asked_is_no_one_to_search_for(stockport_answers):
    family, _manchester = stockport_answers
    officer = Client()
    officer.force_login(create_staff(Role.PRIVACY_OFFICER, family.authority))

    response = officer.post("/audit", {"user": "peer:salford"})

    assert response.status_code == 200
    error = BeautifulSoup(response.content, "html.parser").select_one("#user-error")
    assert "No neighbouring council of that name has asked your authority" in error.get_text()


def test_an_unregistered_neighbours_refused_question_is_the_councils_to_see(stockport_answers):
    family, _manchester = stockport_answers

    payload = {
        **protocol.request_claims("wigan", "stockport"),
        "worker": PAT,
        "purpose": "Section 47 enquiry",
        "case_reference": "MCR-77",
        "subjects": [CHILD],
    }
    token = protocol.sign(payload, Key.new().okp, kid="wigan", typ=protocol.REQUEST_TYPE)
    response = Client().post(protocol.LOOKUP_PATH, token, content_type=protocol.CONTENT_TYPE)

    assert response.status_code == 401
    refused = AuditEvent.objects.get(action="peer.lookup_refused")
    assert refused.authority_id == family.authority.pk


def test_a_subject_access_report_lists_lookups_both_ways(stockport_answers, settings):
    family, manchester = stockport_answers
    ask(manchester, [CHILD])  # inbound: Manchester asked about Amelia
    settings.FAMILYVIEW_PEERS_TIME_LIMIT = 0.5
    add_peer(
        "bury",
        "http://127.0.0.1:9",  # nothing answers there
        Key.new().public,
        agreement="GM-ISA-2026-07",
        authority_code="stockport",
        duty_line="0161 217 6028",
    )
    worker = Client()
    worker.force_login(create_staff(Role.PRACTITIONER, family.authority, username="sam.patel"))
    worker.post(
        f"/people/{family.child}/purpose",
        {"purpose": "section_17_assessment", "case_reference": "CIN-1"},
    )
    assert worker.post(f"/people/{family.child}/neighbours").status_code == 200  # outbound

    officer = create_staff(Role.PRIVACY_OFFICER, family.authority)
    report = subject_access_report(family.child, staff_for(officer), "SAR-1")

    lookups = [
        (v.action, v.username, v.case_reference)
        for v in report.viewings
        if v.action in ("peer.lookup_answered", "family.neighbours_asked")
    ]
    assert lookups == [
        ("peer.lookup_answered", "peer:manchester", "MCR-77"),
        ("family.neighbours_asked", "sam.patel", "CIN-1"),
    ]
