"""A refused read is audited: a member of staff asking for another council's person (a
page or the API), opening something their role does not allow, or asking for a family
without saying why, leaves one refused event that their privacy officer finds by
searching for them. The event names no one: the identifier asked for is in its details,
and the reason never says whether it is a person elsewhere."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from familyview.access.models import Role
from familyview.access.policy import staff_for
from familyview.access.purpose import PurposeOfAccess, remember_purpose
from familyview.audit.actions import Action, ReadRefusal
from familyview.audit.models import AuditEvent
from familyview.audit.queries import AuditSearch, search_events
from familyview.identity.models import ProblemReport
from familyview.privacy.log_scope import scope_for
from familyview.sources.models import ExtractImport
from tests.api.world import PURPOSE, build_world, client_headers

from .factories import create_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.FAMILYVIEW_API_RATE_PER_MINUTE = 100_000
    settings.FAMILYVIEW_API_BURST = 100_000
    return build_world()


def user(council, role: str):
    return get_user_model().objects.get(username=council.usernames[role])


def one_refusal_found_by_user(council, worker, request) -> AuditEvent:
    """Make the request; exactly one event is written, refused, and the privacy officer of
    the worker's council finds it by searching for the worker."""
    before = AuditEvent.objects.count()
    request()
    new = list(AuditEvent.objects.order_by("sequence")[before:])
    assert len(new) == 1, [e.action for e in new]
    [event] = new
    assert (event.outcome, event.user_id, event.subjects) == ("refused", worker.pk, [])
    privacy_officer = staff_for(create_staff(Role.PRIVACY_OFFICER, council.authority))
    found = search_events(scope_for(privacy_officer), AuditSearch(user_id=worker.pk))
    assert event.sequence in {e.sequence for e in found}
    return event


@pytest.mark.parametrize(
    "page",
    [
        "purpose",
        "family",
        "ecomap",
        "ecomap.svg",
        "who-to-call",
        "why",
        "break-glass",
        "report-problem",
    ],
)
def test_another_councils_person_on_a_page_is_a_refused_read(world, page):
    own, other = world["own"], world["other"]
    worker = user(own, "practitioner")
    client = Client()
    client.force_login(worker)
    session = client.session
    remember_purpose(session, other.child, PurposeOfAccess("mash_triage", "", "REF-1"))
    session.save()

    def request():
        assert client.get(f"/people/{other.child}/{page}").status_code == 404

    event = one_refusal_found_by_user(own, worker, request)
    assert event.action == Action.READ_REFUSED
    assert event.details["why"] == ReadRefusal.NOT_FOUND
    assert event.details["person_asked_for"] == other.child
    assert event.authority_id == own.authority.pk


@pytest.mark.parametrize(
    "path",
    [
        "v1/people/{}",
        "v1/people/{}/family",
        "v1/people/{}/involvements",
        "v1/people/{}/ecomap.svg",
        "person/detail/{}",
        "person/detail/{}/service",
        "person/detail/{}/service/police",
    ],
)
def test_another_councils_person_through_the_api_is_a_refused_read(world, path):
    own, other = world["own"], world["other"]
    worker = user(own, "practitioner")
    headers = client_headers(own, "practitioner", **PURPOSE)
    api = Client(raise_request_exception=False)

    def request():
        url = "/api/" + path.format(other.child)
        assert api.get(url, headers=headers).status_code == 404

    event = one_refusal_found_by_user(own, worker, request)
    assert (event.action, event.details["why"]) == (Action.READ_REFUSED, ReadRefusal.NOT_FOUND)
    assert event.details["person_asked_for"] == other.child
    assert event.details["via"] == "api-client"


def test_a_missing_permission_is_a_refusal_the_privacy_officer_finds(world):
    own = world["own"]
    steward = user(own, "data_steward")
    client = Client()
    client.force_login(steward)

    def request():
        assert client.get(f"/people/{own.child}/family").status_code == 403

    event = one_refusal_found_by_user(own, steward, request)
    assert event.action == Action.ACCESS_REFUSED
    assert event.details == {"url_name": "web:family", "why": "needs the view_family permission"}


def test_a_family_asked_for_without_a_purpose_is_a_refused_read(world):
    own = world["own"]
    worker = user(own, "practitioner")
    client = Client()
    client.force_login(worker)

    def page():
        response = client.get(f"/people/{own.child}/family")
        assert response.headers["Location"] == f"/people/{own.child}/purpose"

    event = one_refusal_found_by_user(own, worker, page)
    assert (event.action, event.details["why"]) == (Action.READ_REFUSED, ReadRefusal.NO_PURPOSE)

    api = Client(raise_request_exception=False)
    headers = client_headers(own, "practitioner")

    def call():
        assert api.get(f"/api/v1/people/{own.child}/family", headers=headers).status_code == 400

    event = one_refusal_found_by_user(own, worker, call)
    assert (event.action, event.details["why"]) == (Action.READ_REFUSED, ReadRefusal.NO_PURPOSE)
    assert event.details["person_asked_for"] == own.child


def test_another_councils_person_on_a_steward_page_is_a_refused_read(world):
    own, other = world["own"], world["other"]
    steward = user(own, "data_steward")
    client = Client()
    client.force_login(steward)

    def request():
        assert client.get(f"/steward/persons/{other.child}").status_code == 404

    event = one_refusal_found_by_user(own, steward, request)
    assert (event.action, event.details["why"]) == (Action.READ_REFUSED, ReadRefusal.NOT_FOUND)
    assert event.details["person_asked_for"] == other.child


def test_another_councils_problem_report_is_a_refused_read(world):
    own, other = world["own"], world["other"]
    report = ProblemReport.objects.create(
        authority=other.authority,
        person_id=other.child,
        reported_by=user(other, "practitioner"),
        kind=ProblemReport.Kind.WRONG_DETAIL,
        what="Her date of birth is wrong",
    )
    steward = user(own, "data_steward")
    client = Client()
    client.force_login(steward)

    def request():
        assert client.get(f"/steward/problems/{report.pk}").status_code == 404

    event = one_refusal_found_by_user(own, steward, request)
    assert (event.action, event.details["why"]) == (Action.READ_REFUSED, ReadRefusal.NOT_FOUND)
    assert event.details["report_asked_for"] == report.pk


def test_another_councils_import_is_a_refused_read(world):
    own, other = world["own"], world["other"]
    theirs = ExtractImport.objects.filter(source__authority=other.authority).first()
    steward = user(own, "data_steward")
    client = Client()
    client.force_login(steward)

    def request():
        assert client.get(f"/imports/{theirs.pk}").status_code == 404

    event = one_refusal_found_by_user(own, steward, request)
    assert (event.action, event.details["why"]) == (Action.READ_REFUSED, ReadRefusal.NOT_FOUND)
    assert event.details["import_asked_for"] == theirs.pk
