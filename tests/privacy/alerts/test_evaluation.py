"""Each alert rule fires on what it describes and not otherwise: same surname, same
address, unusual volumes, out of hours, break-glass and shielded people; a rule can be
turned off, and an authority can change the rules for its own staff."""

import pytest

from familyview.access.models import Role
from familyview.access.policy import staff_for
from familyview.audit.events import Level, record_event
from familyview.identity.models import IdentityChange
from familyview.privacy.alerts.home_addresses import set_staff_home_address
from familyview.privacy.alerts.rules import load_alert_rules
from familyview.privacy.alerts.runs import run_alert_rules
from familyview.privacy.models import AlertRule, AlertStatus
from tests.identity.test_stewardship import a_person, a_record, a_source
from tests.web.factories import create_authority, create_staff

from .lookups import WEDNESDAY_10AM, person, raised, rules_file, view

pytestmark = pytest.mark.django_db


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
        {"address_line1": "12, Mill Ln", "postcode": "SK4 1AA"},
    ],
    ids=["same UPRN", "same first line and postcode", "written another way"],
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


def test_an_alert_records_the_version_of_the_rules_that_raised_it(clock, tmp_path, source, run):
    leeds = create_authority("leeds", "Leeds")
    leeds_source = a_source(leeds, "LEEDS-CSC")
    book = load_alert_rules(
        rules_file(
            tmp_path,
            "version = 4\n[unusual_volume]\nper_hour = 2\n[authorities.leeds]\nversion = 7\n",
        )
    )
    stockport_worker = create_staff(Role.PRACTITIONER, source.source.authority, last_name="A")
    leeds_worker = create_staff(Role.PRACTITIONER, leeds, last_name="B")
    for _ in range(3):
        view(stockport_worker, person(source, run))
        view(leeds_worker, person(leeds_source, run))

    run_alert_rules(book=book)

    assert {(a.user_id, a.rules_version) for a in raised(AlertRule.VOLUME_HOUR)} == {
        (stockport_worker.pk, 4),
        (leeds_worker.pk, 7),
    }
