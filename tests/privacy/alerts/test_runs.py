"""Runs of the rules: each event is read once (a high-water mark), in batches; findings
about one member of staff and day join the alert still waiting for an outcome; the
command says what it did."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.access.policy import staff_for
from familyview.audit.events import Level
from familyview.privacy.alerts.handling import handle_alert
from familyview.privacy.alerts.runs import run_alert_rules
from familyview.privacy.models import AlertCursor, AlertRule, AlertStatus

from .lookups import person, raised, view

pytestmark = pytest.mark.django_db


def test_each_event_is_read_once(clock, source, run, worker):
    namesake = person(source, run, family_name="Patel")
    view(worker, namesake)
    first = run_alert_rules()
    again = run_alert_rules()

    assert (first.events_read, again.events_read) == (1, 0)
    assert again.read_up_to == first.read_up_to == AlertCursor.objects.get().last_sequence
    assert len(raised()) == 1


def test_a_run_reads_in_batches_and_can_stop_early(clock, source, run, worker):
    namesake = person(source, run, family_name="Patel")
    for _ in range(5):
        view(worker, namesake)

    partial = run_alert_rules(batch_size=2, max_events=3)
    assert (partial.events_read, partial.read_up_to) == (3, 3)
    rest = run_alert_rules(batch_size=2)
    assert (rest.events_read, rest.read_up_to) == (2, 5)

    [alert] = raised()
    assert alert.events.count() == 5


def test_lookups_of_namesakes_on_one_day_are_one_alert(clock, source, run, worker):
    first = person(source, run, family_name="Patel")
    second = person(source, run, family_name="Patel", given_name="Mina")
    view(worker, first)
    clock.tick(minutes=5)
    view(worker, first, second, level=Level.SERVICE_DETAIL)
    run_alert_rules()
    clock.tick(minutes=30)
    view(worker, second)

    result = run_alert_rules()

    assert (result.alerts_raised, result.alerts_extended) == (0, 1)
    [alert] = raised()
    assert alert.subjects == [first, second]
    assert alert.events.count() == 3
    assert "3 times between 10am and 10:35am" in alert.explanation
    assert f"2 people ({first}, {second})" in alert.explanation


def test_a_lookup_after_the_alert_was_closed_raises_a_new_one(clock, source, run, worker, officer):
    namesake = person(source, run, family_name="Patel")
    view(worker, namesake)
    run_alert_rules()
    handle_alert(raised()[0].pk, staff_for(officer), "no_concern", "Allocated case, checked")
    clock.tick(hours=1)
    view(worker, namesake)

    result = run_alert_rules()

    assert result.alerts_raised == 1
    first, second = raised(AlertRule.SAME_SURNAME)
    assert (first.status, second.status) == (AlertStatus.NO_CONCERN, AlertStatus.OPEN)
    assert first.events.count() == second.events.count() == 1


def test_the_command_runs_the_rules_and_says_what_it_did(clock, source, run, worker, capsys):
    view(worker, person(source, run, family_name="Patel"))

    call_command("alerts", "run")

    out = capsys.readouterr().out
    assert "Read 1 audit events (up to event 1) with alert rules version 1: 1 alerts raised" in out
    with pytest.raises(CommandError, match=r"rules.toml: no such file\.$"):
        call_command("alerts", "run", "--rules", "/nonexistent/rules.toml")
