"""Privacy alerts: each rule fires on what it describes and not otherwise; runs read each
event once (a high-water mark); alerts join up per member of staff and day; handling an
alert records its outcome and is audited."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from familyview.access.models import Role
from familyview.access.policy import staff_for
from familyview.audit.events import Level, record_event
from familyview.audit.models import AuditEvent
from familyview.identity.models import IdentityChange
from familyview.privacy import alerts
from familyview.privacy.alerts import (
    AlertNotFound,
    AlertRefused,
    AlertRulesError,
    handle_alert,
    load_alert_rules,
    run_alert_rules,
    set_staff_home_address,
)
from familyview.privacy.models import (
    AlertCursor,
    AlertHandling,
    AlertRule,
    AlertStatus,
    PrivacyAlert,
    StaffHomeAddress,
)
from tests.identity.test_stewardship import a_person, a_record, a_run, a_source
from tests.web.factories import create_authority, create_staff

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# A Wednesday in British Summer Time, mid-morning: inside working hours.
WEDNESDAY_10AM = datetime(2026, 6, 3, 10, 0, tzinfo=LONDON)


class Clock:
    """The time record_event stamps on events, set by each test."""

    def __init__(self, now: datetime):
        self.now = now

    def at(self, when: datetime) -> "Clock":
        self.now = when
        return self

    def tick(self, **delta) -> "Clock":
        self.now += timedelta(**delta)
        return self


@pytest.fixture
def clock(monkeypatch) -> Clock:
    the_clock = Clock(WEDNESDAY_10AM)
    monkeypatch.setattr(timezone, "now", lambda: the_clock.now)
    return the_clock


@pytest.fixture
def authority():
    return create_authority("stockport", "Stockport")


@pytest.fixture
def source(authority):
    return a_source(authority, "CSC")


@pytest.fixture
def run():
    return a_run()


@pytest.fixture
def worker(authority):
    """Sam Patel, a practitioner of Stockport."""
    return create_staff(Role.PRACTITIONER, authority, first_name="Sam", last_name="Patel")


@pytest.fixture
def officer(authority):
    return create_staff(Role.PRIVACY_OFFICER, authority, first_name="Iris", last_name="Grant")


def person(source, run, **fields) -> str:
    """A person holding one record of the source; returns the person identifier."""
    return a_person(run, a_record(source, **fields)).pk


def view(user, *person_ids, level=Level.SUMMARY, action="view_family", **fields) -> AuditEvent:
    return record_event(
        staff_for(user),
        action,
        level=level,
        subjects=list(person_ids),
        purpose="Section 17 assessment (child in need)",
        case_reference="CR-1",
        **fields,
    )


def rules_file(tmp_path, text: str):
    path = tmp_path / "alert_rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def raised(rule: str | None = None) -> list[PrivacyAlert]:
    alerts_found = PrivacyAlert.objects.order_by("pk")
    if rule:
        alerts_found = alerts_found.filter(rule=rule)
    return list(alerts_found)


# Same surname


def test_looking_up_someone_with_ones_own_surname_raises_an_alert(
    clock, source, run, worker, authority
):
    namesake = person(source, run, given_name="Ravi", family_name="PATEL")
    event = view(worker, namesake)

    result = run_alert_rules()

    assert (result.events_read, result.alerts_raised, result.read_up_to) == (1, 1, event.sequence)
    [alert] = raised()
    assert alert.rule == AlertRule.SAME_SURNAME
    assert (alert.user_id, alert.username, alert.authority_id) == (
        worker.pk,
        worker.username,
        authority.pk,
    )
    assert alert.subjects == [namesake]
    assert alert.status == AlertStatus.OPEN
    assert list(alert.events.values_list("sequence", flat=True)) == [event.sequence]
    assert alert.rules_version == 1
    assert alert.explanation.startswith(
        f"On 3 June 2026 Sam Patel looked up person {namesake} recorded under the surname "
        "Patel, which is Sam Patel's own surname (person summary viewed: 1, at 10am)."
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"family_name": "Smith-Patel"},
        {"family_name": "Smith", "previous_names": "Asha Patel"},
        {"family_name": "Pátel"},
    ],
    ids=["double-barrelled", "previous surname", "accent"],
)
def test_any_surname_the_person_was_recorded_under_counts(clock, source, run, worker, fields):
    view(worker, person(source, run, **fields))

    run_alert_rules()

    assert [a.rule for a in raised()] == [AlertRule.SAME_SURNAME]


def test_other_surnames_and_search_results_raise_nothing(clock, source, run, worker):
    stranger = person(source, run, family_name="Smith")
    namesake = person(source, run, family_name="Patel")
    view(worker, stranger)
    view(worker, namesake, level=Level.RESULTS, action="search")
    view(worker, namesake, level=Level.SEARCH, action="search")

    result = run_alert_rules()

    assert result.events_read == 3
    assert raised() == []


def test_a_refused_view_is_not_a_lookup(clock, source, run, worker):
    view(worker, person(source, run, family_name="Patel"), outcome="refused")

    run_alert_rules()

    assert raised() == []


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


def test_a_person_merged_since_is_judged_by_the_person_it_joined(clock, source, run, worker):
    kept = person(source, run, family_name="Patel")
    gone = "P00000000000000AA"
    IdentityChange.objects.create(
        kind="merge", person_id=kept, other_persons=[gone], records=[], reason="same"
    )
    view(worker, gone)

    run_alert_rules()

    [alert] = raised(AlertRule.SAME_SURNAME)
    assert alert.subjects == [gone]


# Same address


@pytest.fixture
def neighbours(source, run):
    return {
        "home": person(
            source,
            run,
            family_name="Jones",
            address_line1="12 Mill Lane",
            postcode="SK4 1AA",
            uprn="100012345678",
        ),
        "elsewhere": person(
            source,
            run,
            family_name="Jones",
            address_line1="14 Mill Lane",
            postcode="SK4 1AA",
            uprn="100012345679",
        ),
    }


@pytest.mark.parametrize(
    "home",
    [
        {"uprn": "100012345678"},
        {"address_line1": "12 MILL LANE", "postcode": "sk41aa"},
    ],
    ids=["same UPRN", "same first line and postcode"],
)
def test_looking_up_someone_at_ones_own_address_raises_an_alert(clock, worker, neighbours, home):
    set_staff_home_address(worker.username, **home)
    view(worker, neighbours["home"])
    view(worker, neighbours["elsewhere"])

    run_alert_rules()

    [alert] = raised()
    assert alert.rule == AlertRule.SAME_ADDRESS
    assert alert.subjects == [neighbours["home"]]
    assert "recorded at the home address Sam Patel gave" in alert.explanation


def test_without_a_home_address_the_address_rule_cannot_fire(clock, worker, neighbours):
    view(worker, neighbours["home"])

    run_alert_rules()

    assert raised() == []


def test_a_home_address_is_recorded_checked_removed_and_audited(worker):
    with pytest.raises(ValueError, match="both the first line"):
        set_staff_home_address(worker.username, postcode="SK4 1AA")
    with pytest.raises(ValueError, match="digits"):
        set_staff_home_address(worker.username, uprn="12A")
    with pytest.raises(LookupError, match="nobody"):
        set_staff_home_address("nobody", uprn="1")

    set_staff_home_address(worker.username, uprn="100012345678", by="it.admin")
    assert StaffHomeAddress.objects.get(user=worker).uprn == "100012345678"
    set_staff_home_address(worker.username, by="it.admin")
    assert not StaffHomeAddress.objects.exists()

    events = list(AuditEvent.objects.filter(action="admin.staff_home_address"))
    assert [e.details for e in events] == [
        {"user_id": worker.pk, "recorded": True, "by": "it.admin"},
        {"user_id": worker.pk, "recorded": False, "by": "it.admin"},
    ]


# Unusual volumes


VOLUME_RULES = """
version = 3
[unusual_volume]
per_hour = 3
per_day = 5
"""


def test_more_views_in_an_hour_than_allowed_raise_an_alert(clock, tmp_path, source, run, worker):
    book = load_alert_rules(rules_file(tmp_path, VOLUME_RULES))
    people = [person(source, run) for _ in range(4)]
    clock.at(WEDNESDAY_10AM.replace(hour=14, minute=5))
    for p in people[:3]:
        view(worker, p)
        clock.tick(minutes=10)
    run_alert_rules(book=book)
    assert raised() == []  # three in the hour is the limit, not over it

    view(worker, people[3])
    run_alert_rules(book=book)

    [alert] = raised()
    assert alert.rule == AlertRule.VOLUME_HOUR
    assert alert.events.count() == 4
    assert alert.rules_version == 3
    assert alert.explanation == (
        "Sam Patel read family data 4 times between 2pm and 3pm on 3 June 2026 (person "
        "summary viewed: 4), more than the 3 an hour the alert rules allow. 4 different "
        "people were shown."
    )


def test_views_spread_over_the_day_count_against_the_daily_limit(
    clock, tmp_path, source, run, worker
):
    book = load_alert_rules(rules_file(tmp_path, VOLUME_RULES))
    somebody = person(source, run)
    for hour in (8, 9, 11, 13, 15):
        view(worker, somebody, level=Level.SERVICE_DETAIL)
        clock.at(WEDNESDAY_10AM.replace(hour=hour))
    run_alert_rules(book=book)
    assert raised() == []  # five in the day is the limit

    view(worker, somebody)
    run_alert_rules(book=book)

    [alert] = raised()
    assert alert.rule == AlertRule.VOLUME_DAY
    assert alert.events.count() == 6
    assert "6 times on 3 June 2026" in alert.explanation
    assert "more than the 5 a day" in alert.explanation


def test_searches_do_not_count_as_person_views(clock, tmp_path, source, run, worker):
    book = load_alert_rules(rules_file(tmp_path, VOLUME_RULES))
    somebody = person(source, run)
    for _ in range(8):
        view(worker, somebody, level=Level.RESULTS, action="search")

    run_alert_rules(book=book)

    assert raised() == []


def test_each_member_of_staff_is_counted_apart(clock, tmp_path, source, run, authority):
    book = load_alert_rules(rules_file(tmp_path, VOLUME_RULES))
    somebody = person(source, run)
    colleagues = [create_staff(Role.PRACTITIONER, authority, last_name="Li") for _ in range(2)]
    for user in colleagues * 3:
        view(user, somebody)

    run_alert_rules(book=book)

    assert raised() == []


# Out of hours


@pytest.mark.parametrize(
    ("when", "why"),
    [
        (WEDNESDAY_10AM.replace(hour=6, minute=59), "before the working day"),
        (WEDNESDAY_10AM.replace(hour=20, minute=0), "from the end of the working day"),
        (WEDNESDAY_10AM.replace(day=6), "on a Saturday"),
        (WEDNESDAY_10AM.replace(month=12, day=25), "on a holiday"),
    ],
)
def test_reading_family_data_out_of_hours_raises_an_alert(
    clock, tmp_path, source, run, worker, when, why
):
    book = load_alert_rules(
        rules_file(tmp_path, 'version = 1\n[out_of_hours]\nholidays = ["2026-12-25"]\n')
    )
    clock.at(when)
    view(worker, person(source, run), level=Level.SEARCH, action="search")

    run_alert_rules(book=book)

    [alert] = raised()
    assert alert.rule == AlertRule.OUT_OF_HOURS, why
    assert "Working hours are 7am to 8pm, Monday to Friday." in alert.explanation


def test_working_hours_raise_nothing_and_the_hours_are_configurable(
    clock, tmp_path, source, run, worker
):
    somebody = person(source, run)
    for when in (WEDNESDAY_10AM.replace(hour=7), WEDNESDAY_10AM.replace(hour=19, minute=59)):
        clock.at(when)
        view(worker, somebody)
    run_alert_rules()
    assert raised() == []

    late_shift = load_alert_rules(
        rules_file(
            tmp_path,
            'version = 2\n[out_of_hours]\nday_starts = "06:00"\nday_ends = "23:00"\n'
            'working_days = ["monday", "tuesday", "wednesday", "thursday", "friday", '
            '"saturday"]\n',
        )
    )
    clock.at(WEDNESDAY_10AM.replace(hour=22)).tick()
    view(worker, somebody)
    clock.at(WEDNESDAY_10AM.replace(day=6, hour=9))
    view(worker, somebody)
    run_alert_rules(book=late_shift)
    assert raised() == []


def test_out_of_hours_reads_on_one_night_are_one_alert(clock, source, run, worker):
    somebody = person(source, run)
    clock.at(WEDNESDAY_10AM.replace(hour=21, minute=15))
    view(worker, somebody)
    clock.tick(minutes=20)
    view(worker, somebody, level=Level.SERVICE_DETAIL)

    run_alert_rules()

    [alert] = raised()
    assert alert.explanation == (
        "Sam Patel read family data out of hours on Wednesday 3 June 2026: twice, at "
        "9:15pm, 9:35pm. Working hours are 7am to 8pm, Monday to Friday."
    )


# Break-glass and shielded people


@pytest.fixture
def shielded(source, run):
    return person(source, run, family_name="Hidden", restricted=True)


def test_every_break_glass_raises_its_own_alert(clock, worker, shielded):
    justification = "Section 47 strategy discussion today needs the mother's services"
    for _ in range(2):
        record_event(
            staff_for(worker),
            "break_glass",
            subjects=[shielded],
            details={"justification": justification},
        )

    run_alert_rules()

    alerts_found = raised(AlertRule.BREAK_GLASS)
    assert len(alerts_found) == 2
    assert alerts_found[0].subjects == [shielded]
    assert alerts_found[0].explanation == (
        f"Sam Patel broke the glass to see the family of shielded person {shielded} on "
        f'3 June 2026 at 10am. Their written justification: "{justification}" Every '
        "break-glass is checked."
    )


def test_other_actions_are_not_break_glass(clock, worker, shielded):
    record_event(staff_for(worker), "sign_in")
    record_event(staff_for(worker), "access_refused", outcome="refused", subjects=[shielded])

    run_alert_rules()

    assert raised() == []


@pytest.mark.parametrize("level", [Level.RESULTS, Level.SUMMARY, Level.SERVICE_DETAIL])
def test_any_view_of_a_shielded_person_raises_an_alert(clock, source, run, worker, shielded, level):
    ordinary = person(source, run)
    view(worker, ordinary, shielded, level=level)

    run_alert_rules()

    [alert] = raised()
    assert alert.rule == AlertRule.SHIELDED_PERSON
    assert alert.subjects == [shielded]
    assert "A source marks this person as shielded" in alert.explanation


def test_a_person_is_shielded_if_any_of_their_records_says_so(clock, source, run, worker):
    other_source = a_source(source.source.authority, "POLICE")
    both = a_person(
        run,
        a_record(source, family_name="Evans"),
        a_record(other_source, family_name="Evans", restricted=True),
    ).pk
    view(worker, both)

    run_alert_rules()

    assert [a.rule for a in raised()] == [AlertRule.SHIELDED_PERSON]


def test_views_of_ordinary_people_raise_nothing(clock, source, run, worker):
    view(worker, person(source, run), person(source, run), level=Level.SERVICE_DETAIL)

    run_alert_rules()

    assert raised() == []


def test_a_rule_can_be_turned_off(clock, tmp_path, worker, shielded):
    book = load_alert_rules(
        rules_file(tmp_path, "version = 2\n[shielded_person]\nenabled = false\n")
    )
    view(worker, shielded)

    run_alert_rules(book=book)

    assert raised() == []


def test_an_event_naming_no_authority_goes_to_an_authority_the_user_works_for(
    clock, tmp_path, authority
):
    leeds = create_authority("leeds", "Leeds")
    both = create_staff(Role.PRACTITIONER, leeds, last_name="Okafor")
    both.memberships.create(authority=authority, role=Role.PRACTITIONER)
    clock.at(WEDNESDAY_10AM.replace(hour=23))
    event = record_event(staff_for(both), "search", level=Level.SEARCH)
    assert event.authority_id is None  # two memberships: record_event cannot choose

    run_alert_rules()

    [alert] = raised()
    assert (alert.rule, alert.authority_id) == (
        AlertRule.OUT_OF_HOURS,
        min(authority.pk, leeds.pk),
    )


# Runs


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


def test_an_authority_can_change_the_rules_for_its_own_staff(clock, tmp_path, source, run):
    leeds = create_authority("leeds", "Leeds")
    leeds_source = a_source(leeds, "LEEDS-CSC")
    book = load_alert_rules(
        rules_file(
            tmp_path,
            "version = 4\n[unusual_volume]\nper_hour = 2\n"
            "[authorities.leeds.unusual_volume]\nper_hour = 10\n",
        )
    )
    stockport_worker = create_staff(Role.PRACTITIONER, source.source.authority, last_name="A")
    leeds_worker = create_staff(Role.PRACTITIONER, leeds, last_name="B")
    for _ in range(3):
        view(stockport_worker, person(source, run))
        view(leeds_worker, person(leeds_source, run))

    run_alert_rules(book=book)

    [alert] = raised()
    assert (alert.rule, alert.user_id) == (AlertRule.VOLUME_HOUR, stockport_worker.pk)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 0\n", "version must be a whole number from 1"),
        ("version = 1\nsurname = true\n", "surname is not a setting"),
        ("version = 1\n[unusual_volume]\nper_hour = -1\n", "unusual_volume.per_hour must"),
        ("version = 1\n[same_surname]\nlevels = ['all']\n", "same_surname.levels must"),
        ('version = 1\n[out_of_hours]\nday_starts = "7am"\n', "day_starts must be a time"),
        (
            'version = 1\n[out_of_hours]\nday_starts = "20:00"\nday_ends = "07:00"\n',
            "day_ends must be later",
        ),
        ("version = 1\n[out_of_hours]\nworking_days = ['funday']\n", "working_days must"),
        ('version = 1\ntimezone = "Mars/Olympus"\n', "timezone is not a time zone"),
        ("version = 1\n[authorities.leeds.unusual_volume]\nper_day = 'x'\n", "leeds"),
        ("version = ", "not valid TOML"),
    ],
)
def test_a_wrong_rules_file_is_refused_naming_the_setting(tmp_path, text, message):
    with pytest.raises(AlertRulesError, match=message):
        load_alert_rules(rules_file(tmp_path, text))


def test_the_built_in_rules_file_loads():
    book = load_alert_rules()

    assert book.version >= 1
    assert (book.defaults.per_hour, book.defaults.per_day) == (30, 120)
    assert book.defaults.working_hours_words() == "7am to 8pm, Monday to Friday"


def test_the_command_runs_the_rules_and_says_what_it_did(clock, source, run, worker, capsys):
    view(worker, person(source, run, family_name="Patel"))

    call_command("alerts", "run")

    out = capsys.readouterr().out
    assert "Read 1 audit events (up to event 1) with alert rules version 1: 1 alerts raised" in out
    with pytest.raises(CommandError, match="no such alert rules file"):
        call_command("alerts", "run", "--rules", "/nonexistent/rules.toml")


def test_the_command_records_a_home_address(worker, capsys):
    call_command("alerts", "staff-address", worker.username, "--uprn", "100012345678")

    assert StaffHomeAddress.objects.get(user=worker).uprn == "100012345678"
    assert "Home address recorded" in capsys.readouterr().out
    with pytest.raises(CommandError, match="digits"):
        call_command("alerts", "staff-address", worker.username, "--uprn", "x")


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
        alerts.alert_detail(alert.pk, staff)
    assert list(alerts.alert_queue(alerts.officer_authority_ids(staff)).object_list) == []
