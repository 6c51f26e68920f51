"""Handling an alert: each step is recorded and audited; an outcome needs a note; nobody
handles an alert about themselves; another authority's officer cannot see it."""

import pytest

from familyview.access.models import Role
from familyview.access.policy import staff_for
from familyview.audit.models import AuditEvent
from familyview.privacy.alerts import queue
from familyview.privacy.alerts.handling import AlertRefused, handle_alert
from familyview.privacy.alerts.queue import AlertNotFound
from familyview.privacy.alerts.runs import run_alert_rules
from familyview.privacy.models import AlertHandling, AlertStatus
from tests.web.factories import create_authority, create_staff

from .lookups import person, raised, view

pytestmark = pytest.mark.django_db


# Handling alerts


@pytest.fixture
def alert(clock, source, run, worker):
    view(worker, person(source, run, family_name="Patel"))
    run_alert_rules()
    return raised()[0]


def test_an_officer_records_review_and_outcome_and_each_step_is_audited(alert, officer):
    staff = staff_for(officer)

    handle_alert(alert.pk, staff, "under_review", "")
    handle_alert(alert.pk, staff, "concern_referred", "  Referred to HR: no case allocated  ")

    alert.refresh_from_db()
    assert alert.status == AlertStatus.CONCERN_REFERRED
    assert alert.outcome_note == "Referred to HR: no case allocated"
    assert alert.handled_by == officer and alert.handled_at is not None
    assert list(AlertHandling.objects.values_list("status", "note", "handled_by")) == [
        ("under_review", "", officer.pk),
        ("concern_referred", "Referred to HR: no case allocated", officer.pk),
    ]
    events = list(AuditEvent.objects.filter(action="privacy_alert.handled"))
    assert [(e.user_id, e.role, e.authority_id) for e in events] == [
        (officer.pk, "privacy_officer", alert.authority_id)
    ] * 2
    assert events[1].details == {
        "alert": alert.pk,
        "rule": "same_surname",
        "status": "concern_referred",
        "previous_status": "under_review",
    }


@pytest.mark.parametrize(
    ("status", "note", "message"),
    [
        ("no_concern", "   ", "Enter what you found"),
        ("concern_referred", "", "Enter what you found"),
        ("open", "x", "Select what you have done"),
        ("closed", "x", "Select what you have done"),
        ("no_concern", "x" * 2001, "2000 characters or fewer"),
    ],
)
def test_an_outcome_needs_a_known_status_and_a_note(alert, officer, status, note, message):
    with pytest.raises(AlertRefused, match=message):
        handle_alert(alert.pk, staff_for(officer), status, note)

    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    assert not AuditEvent.objects.filter(action="privacy_alert.handled").exists()


def test_nobody_handles_an_alert_about_themselves(alert, worker, authority):
    worker.memberships.create(authority=authority, role=Role.PRIVACY_OFFICER)

    with pytest.raises(AlertRefused, match="your own use"):
        handle_alert(alert.pk, staff_for(worker), "no_concern", "Fine")

    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_another_authoritys_officer_cannot_see_or_handle_the_alert(alert):
    leeds_officer = create_staff(Role.PRIVACY_OFFICER, create_authority("leeds", "Leeds"))
    staff = staff_for(leeds_officer)

    with pytest.raises(AlertNotFound):
        handle_alert(alert.pk, staff, "no_concern", "x")
    with pytest.raises(AlertNotFound):
        queue.alert_detail(alert.pk, staff)
    assert list(queue.alert_queue(queue.officer_authority_ids(staff)).object_list) == []
