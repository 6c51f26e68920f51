"""The privacy officer's queue only reads: opening it raises no alert and moves no mark;
it shows the alerts the scheduled runs raised, and says when the rules last ran and when
they have stopped running."""

import pytest

from familyview.access.policy import staff_for
from familyview.audit.models import AuditEvent
from familyview.privacy.alerts import queue
from familyview.privacy.alerts.runs import run_alert_rules
from familyview.privacy.models import AlertCursor, PrivacyAlert, PrivacyAlertEvent

from .lookups import person, view

pytestmark = pytest.mark.django_db


def test_opening_the_queue_raises_no_alert_and_reads_no_event(clock, source, run, worker, officer):
    view(worker, person(source, run, family_name="Patel"))
    events = AuditEvent.objects.count()

    opened = queue.open_alert_queue(staff_for(officer))

    assert list(opened.page.object_list) == []
    assert (opened.counts.open, opened.read_up_to, opened.last_run_at) == (0, 0, None)
    assert not PrivacyAlert.objects.exists()
    assert not PrivacyAlertEvent.objects.exists()
    assert AlertCursor.objects.get().last_sequence == 0
    assert AuditEvent.objects.count() == events


def test_the_queue_shows_what_the_last_run_raised(clock, source, run, worker, officer):
    event = view(worker, person(source, run, family_name="Patel"))
    run_alert_rules()
    clock.tick(minutes=10)
    view(worker, person(source, run, family_name="Patel", given_name="Mina"))

    opened = queue.open_alert_queue(staff_for(officer))

    [alert] = opened.page.object_list
    assert alert.events.count() == 1  # the second look-up waits for the next run
    assert (opened.read_up_to, opened.last_run_at) == (event.sequence, event.occurred_at)
    assert not opened.runs_overdue


def test_the_queue_says_when_the_rules_have_not_run_for_an_hour(clock, officer):
    assert queue.open_alert_queue(staff_for(officer)).runs_overdue  # never run
    run_alert_rules()
    clock.tick(minutes=59)
    assert not queue.open_alert_queue(staff_for(officer)).runs_overdue

    clock.tick(minutes=2)

    assert queue.open_alert_queue(staff_for(officer)).runs_overdue


def test_a_broken_rules_file_is_reported(officer, settings, tmp_path):
    broken = tmp_path / "alert_rules.toml"
    broken.write_text("version = 0\n", encoding="utf-8")
    settings.FAMILYVIEW_ALERT_RULES = str(broken)

    opened = queue.open_alert_queue(staff_for(officer))

    assert (
        opened.rules_problem == f"{broken}: version is 0; it should be greater than or equal to 1."
    )
