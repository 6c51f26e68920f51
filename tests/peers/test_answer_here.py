"""Answering in this process (on either database): a neighbour's signed question about a
child known here, the signed answer, and the privacy officer's subject access report
finding the inbound lookup among the child's viewings."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from familyview.access.factories import create_authority, create_staff
from familyview.access.models import Role
from familyview.access.policy import staff_for
from familyview.audit.models import AuditEvent
from familyview.identity.search import refresh_search_entries
from familyview.peers import keys, protocol
from familyview.peers.keys import peer_key
from familyview.peers.registry import add_peer
from familyview.privacy.subject_access import subject_access_report
from familyview.sources.models import PersonRecord
from tests.peers.conftest import Key
from tests.web.frontline_family import CHILD_LEAD, a_family

pytestmark = pytest.mark.django_db

CHILD_NHS, CHILD_BORN = "9434765919", "2016-03-09"
CHILD = {"nhs_number": CHILD_NHS, "date_of_birth": CHILD_BORN}
MOTHER_NHS, BROTHER_NHS = "9434765935", "9434765943"


@pytest.fixture
def asked(stockport):
    """Stockport (this process) registered Manchester, which asks about Amelia."""
    family = a_family(create_authority("stockport", "Stockport Council"))
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


def _ask(
    key: Key,
    date_of_birth: str = CHILD_BORN,
    purpose: str = "Section 47 enquiry",
    subjects: list[dict] | None = None,
):
    payload = {
        **protocol.request_claims("manchester", "stockport"),
        "worker": {"name": "Pat Lee", "role": "social worker", "council": "Manchester"},
        "purpose": purpose,
        "case_reference": "MCR-77",
        "subjects": subjects or [{"nhs_number": CHILD_NHS, "date_of_birth": date_of_birth}],
    }
    token = protocol.sign(payload, key.okp, kid="manchester", typ=protocol.REQUEST_TYPE)
    return Client().post(protocol.LOOKUP_PATH, token, content_type=protocol.CONTENT_TYPE)


def test_the_childs_social_worker_is_answered_and_the_subject_access_report_lists_it(
    asked, stockport
):
    family, manchester = asked

    response = _ask(manchester)

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == protocol.CONTENT_TYPE
    envelope = protocol.open_envelope(response.content)
    answer = protocol.read_message(
        protocol.checked_payload(envelope, peer_key(stockport.public)), protocol.LookupAnswer
    )
    (child,) = answer.answers
    social_care = [s for s in child.services if s.category == "childrens_social_care"]
    assert [s.lead_professional.name for s in social_care] == [CHILD_LEAD["lead_name"]]
    assert social_care[0].team == "Child in Need Team West"
    # The ended 2022 assessment is not "recent": not answered.
    assert "Assessment Team West" not in [s.team for s in child.services]
    assert b"Amelia" not in response.content and b"Mill Lane" not in response.content

    officer = create_staff(Role.PRIVACY_OFFICER, family.authority)
    report = subject_access_report(family.child, staff_for(officer), "SAR-1")
    inbound = [v for v in report.viewings if v.action == "peer.lookup_answered"]
    assert [(v.username, v.case_reference, v.authority) for v in inbound] == [
        ("peer:manchester", "MCR-77", "Stockport Council")
    ]
    # The alert rules read events of every level, a neighbour's (no member of staff) too.
    call_command("alerts", "run")


def test_the_same_number_with_another_date_of_birth_is_no_one(asked):
    _family, manchester = asked

    response = _ask(manchester, "2016-03-10")

    assert response.status_code == 200
    payload = protocol.jws.extract_compact(response.content).payload
    assert protocol.read_message(payload, protocol.LookupAnswer).answers[0].services == []


def test_a_purpose_in_a_workers_own_words_is_answered(asked):
    _family, manchester = asked
    # The longest purpose a worker can give: "Other: " and 200 characters of their own.
    purpose = "Other: " + "a" * 200

    response = _ask(manchester, purpose=purpose)

    assert response.status_code == 200, response.content


def test_the_answer_reads_a_fixed_number_of_queries_however_many_are_matched(asked):
    family, manchester = asked
    records = PersonRecord.objects.filter(source__authority=family.authority)
    # As an import would change them (a new row hash: the search entries are made again).
    records.filter(given_name="Claire").update(nhs_number=MOTHER_NHS, row_hash="c" * 32)
    records.filter(given_name="Jack").update(nhs_number=BROTHER_NHS, row_hash="d" * 32)
    refresh_search_entries()
    mother = {"nhs_number": MOTHER_NHS, "date_of_birth": "1988-06-04"}
    brother = {"nhs_number": BROTHER_NHS, "date_of_birth": "2012-01-20"}

    counts = []
    for subjects in ([CHILD], [CHILD, mother, brother]):
        with CaptureQueriesContext(connection) as queries:
            response = _ask(manchester, subjects=subjects)
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
    matched = AuditEvent.objects.filter(action="peer.lookup_answered").order_by("sequence")
    assert [e.details["matched"] for e in matched] == [1, 3]


def test_no_name_means_no_answer(asked, settings):
    _family, manchester = asked
    settings.FAMILYVIEW_PEER_NAME = ""

    response = _ask(manchester)

    assert response.status_code == 404
    assert response.json()["type"] == "/peer/v1/lookup/problems/not-set-up"


def test_a_key_that_cannot_be_used_is_a_503_and_nothing_is_read(asked, settings):
    _family, manchester = asked
    keys.key_file().chmod(0o644)

    response = _ask(manchester)

    assert response.status_code == 503
    assert response.json()["type"] == "/peer/v1/lookup/problems/cannot-sign"
    assert list(AuditEvent.objects.values_list("action", "outcome")) == [
        ("admin.peer_added", "allowed"),
        ("peer.lookup_refused", "refused"),
    ]


def test_a_request_naming_a_neighbour_but_not_signed_by_it_is_not_recorded_as_theirs(asked):
    """Anyone can write "manchester" in a header: until the signature checks, the refusal
    is recorded as from an unknown deployment (the name it claimed kept as a claim), never
    as Manchester's (docs/peers.md, "Audit at both ends")."""
    family, _manchester = asked

    response = _ask(Key.new())  # kid "manchester", signed with someone else's key

    assert response.status_code == 401
    assert response.json()["type"].endswith("/problems/bad-signature")
    (event,) = AuditEvent.objects.filter(action="peer.lookup_refused")
    assert event.username == "peer:unknown"
    assert "peer" not in event.details
    assert event.details["claimed"] == "manchester"
    # Still the privacy officer's of the council the name is registered for.
    assert event.authority_id == family.authority.pk
