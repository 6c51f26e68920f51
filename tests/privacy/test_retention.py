"""Retention: a run removes exactly what the rules say (per source and kind), in one
transaction, audited with its counts; a dry run removes nothing; audit events past their
keep period are counted but kept, so `audit verify` still passes."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from familyview.access.models import Role
from familyview.access.policy import staff_for
from familyview.audit.events import Level, record_event
from familyview.audit.models import AuditEvent, AuditRetentionFloor
from familyview.audit.verify import verify_log
from familyview.identity.models import LinkedRecord, Person, SearchEntry
from familyview.identity.search import refresh_search_entries
from familyview.involvements.models import Involvement
from familyview.privacy import retention
from familyview.privacy.models import AlertStatus, PrivacyAlert
from familyview.privacy.retention import load_retention_rules, run_retention, years_before
from familyview.settings_files import SettingsFileError
from familyview.sources.factories import create_import, create_quarantined_row
from familyview.sources.models import PersonRecord, QuarantinedRow, SourceRelationship
from tests.web.factories import create_authority, create_staff

from .holdings import a_person, a_record, a_relationship, a_source, an_involvement

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 3, 10, 0, tzinfo=LONDON)

RULES = """
version = 5

[audit]
keep_years = 7

[privacy_alerts]
closed_keep_years = 7

[person_records]
ended_keep_years = 6

[involvements]
ended_keep_years = 6

[relationships]
ended_keep_years = 6

[quarantine]
keep_days = 90

[sources.POLICE.involvements]
ended_keep_years = 2
"""


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


def years_ago(years: int, days: int = 0) -> datetime:
    return years_before(NOW, years) - timedelta(days=days)


@pytest.fixture
def rules(tmp_path):
    """A council's retention rules file: every kind, and the police's involvements."""
    path = tmp_path / "retention.toml"
    path.write_text(RULES, encoding="utf-8")
    return path


@pytest.fixture
def authority():
    return create_authority("stockport", "Stockport")


def ended(obj, when: datetime):
    type(obj).objects.filter(pk=obj.pk).update(ended_at=when)
    obj.refresh_from_db()
    return obj


@pytest.fixture
def held(authority):
    """What the rules keep and remove, named by what should happen to it."""
    csc = a_source(authority, "CSC")
    police = a_source(authority, "POLICE", service_category="police")
    gone_record = ended(a_record(csc, family_name="Gone"), years_ago(6, days=1))
    recent_record = ended(a_record(csc, family_name="Recent"), years_ago(5))
    current_record = a_record(csc, family_name="Current")
    police_record = a_record(police, family_name="Current")
    alone = a_person(gone_record)  # every record removed: retired
    shared = a_person(recent_record, current_record)
    a_person(police_record)
    inv = {
        "on_gone_record": an_involvement(csc, gone_record),
        "ended_long_ago": an_involvement(csc, current_record, end_date=date(2020, 6, 1)),
        "ended_recently": an_involvement(csc, current_record, end_date=date(2021, 6, 4)),
        "no_longer_sent": an_involvement(csc, current_record, ended_at=years_ago(6, days=1)),
        "current": an_involvement(csc, current_record),
        "police_3_years": an_involvement(police, police_record, end_date=date(2023, 6, 1)),
        "police_1_year": an_involvement(police, police_record, end_date=date(2025, 6, 1)),
    }
    rel = {
        "to_gone_record": a_relationship(csc, current_record, gone_record, "sibling"),
        "ended_long_ago": a_relationship(
            csc, current_record, recent_record, "partner", end_date=date(2019, 1, 1)
        ),
        "current": a_relationship(csc, recent_record, current_record, "household_member"),
    }
    old_import = create_import(csc.source, started_at=ago(days=91))
    new_import = create_import(csc.source, started_at=ago(days=89))
    quarantined = {
        "old": create_quarantined_row(old_import),
        "new": create_quarantined_row(new_import),
    }
    refresh_search_entries()
    return {
        "gone_record": gone_record,
        "recent_record": recent_record,
        "current_record": current_record,
        "alone": alone,
        "shared": shared,
        "inv": inv,
        "rel": rel,
        "quarantined": quarantined,
    }


def alert(authority, status: str, handled_at: datetime | None) -> PrivacyAlert:
    return PrivacyAlert.objects.create(
        authority=authority,
        rule="same_surname",
        key=f"k{status}{handled_at}",
        explanation="x",
        first_event_at=NOW,
        last_event_at=NOW,
        rules_version=1,
        status=status,
        handled_at=handled_at,
    )


def remaining(model, objects: dict) -> set[str]:
    ids = set(model.objects.values_list("pk", flat=True))
    return {name for name, obj in objects.items() if obj.pk in ids}


def test_a_run_removes_exactly_what_the_rules_say(held, rules):
    result = run_retention(council=rules, now=NOW, by="ig.officer")

    assert set(PersonRecord.objects.values_list("family_name", flat=True)) == {
        "Recent",
        "Current",
    }
    assert remaining(Involvement, held["inv"]) == {"ended_recently", "current", "police_1_year"}
    assert remaining(SourceRelationship, held["rel"]) == {"current"}
    assert remaining(QuarantinedRow, held["quarantined"]) == {"new"}
    assert not LinkedRecord.objects.filter(person_record=held["gone_record"]).exists()
    assert not SearchEntry.objects.filter(person_record=held["gone_record"]).exists()
    assert result.persons_retired == 1
    assert Person.objects.get(pk=held["alone"].pk).retired_at == NOW
    assert Person.objects.get(pk=held["shared"].pk).retired_at is None
    assert result.removed == {
        "involvements": 4,
        "links to persons in the index": 1,
        "person records": 1,
        "relationships": 2,
        "search entries": 1,
        "quarantined rows": 1,
    }


def test_removed_records_do_not_outlive_the_run_in_the_linkage_store(
    held, rules, django_capture_on_commit_callbacks
):
    from familyview.identity.feature_store import read_features, store_path

    read_features().stored.result()
    assert store_path().exists()
    with django_capture_on_commit_callbacks(execute=True):
        run_retention(council=rules, now=NOW, dry_run=True)
    assert store_path().exists()  # a dry run removes nothing
    with django_capture_on_commit_callbacks(execute=True):
        run_retention(council=rules, now=NOW)
    assert not store_path().exists()


def test_each_rule_reports_what_it_removed(held, rules):
    result = run_retention(council=rules, now=NOW)

    by_rule = {(o.rule, o.source): o for o in result.outcomes}
    gone = by_rule[("person_records", "CSC")]
    assert gone.description == "CSC person records no longer sent for more than 6 years"
    assert gone.removed == {
        "involvements": 1,
        "links to persons in the index": 1,
        "person records": 1,
        "relationships": 1,
        "search entries": 1,
    }
    assert by_rule[("involvements", "CSC")].removed == {"involvements": 2}
    police = by_rule[("involvements", "POLICE")]
    assert police.description == "POLICE involvements ended more than 2 years ago"
    assert police.removed == {"involvements": 1}
    assert by_rule[("relationships", "CSC")].removed == {"relationships": 1}
    assert by_rule[("quarantine", "CSC")].removed == {"quarantined rows": 1}
    assert by_rule[("quarantine", "POLICE")].removed == {}


def test_a_run_is_audited_with_its_counts(held, rules):
    result = run_retention(council=rules, now=NOW, by="ig.officer")

    event = AuditEvent.objects.get(action="retention.run")
    assert result.event_sequence == event.sequence
    assert event.user_id is None
    assert event.details["by"] == "ig.officer"
    assert (event.details["rules_version"], event.details["rules_file"]) == (5, "retention.toml")
    assert event.details["persons_retired"] == 1
    assert {"rule": "involvements", "source": "POLICE", "removed": {"involvements": 1}} in (
        event.details["removed"]
    )
    assert all(entry["removed"] for entry in event.details["removed"])


def test_a_dry_run_counts_the_same_and_removes_nothing(held, rules):
    before = {
        model: model.objects.count()
        for model in (PersonRecord, Involvement, SourceRelationship, QuarantinedRow, LinkedRecord)
    }

    dry = run_retention(council=rules, now=NOW, dry_run=True)

    assert dry.dry_run and dry.event_sequence is None
    assert {model: model.objects.count() for model in before} == before
    assert not Person.objects.filter(retired_at__isnull=False).exists()
    assert not AuditEvent.objects.exists()
    real = run_retention(council=rules, now=NOW)
    assert dry.removed == real.removed
    assert dry.persons_retired == real.persons_retired


def test_a_second_run_removes_nothing_more(held, rules):
    run_retention(council=rules, now=NOW)

    again = run_retention(council=rules, now=NOW)

    assert again.removed == {}
    assert again.persons_retired == 0


def test_a_failure_part_way_removes_nothing(held, rules, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the audit log could not be written")

    monkeypatch.setattr(retention, "record_event", broken)
    counts = (PersonRecord.objects.count(), Involvement.objects.count())

    with pytest.raises(RuntimeError):
        run_retention(council=rules, now=NOW)

    assert (PersonRecord.objects.count(), Involvement.objects.count()) == counts
    assert not Person.objects.filter(retired_at__isnull=False).exists()


def test_a_councils_file_keeps_the_built_in_periods_it_leaves_out(held, tmp_path):
    path = tmp_path / "longer-quarantine.toml"
    path.write_text("version = 2\n[quarantine]\nkeep_days = 100\n", encoding="utf-8")

    result = run_retention(council=path, now=NOW)

    assert result.version == 2
    assert remaining(QuarantinedRow, held["quarantined"]) == {"old", "new"}
    # The built-in six years for the rest, and for the police's involvements too.
    assert set(PersonRecord.objects.values_list("family_name", flat=True)) == {
        "Recent",
        "Current",
    }
    assert remaining(Involvement, held["inv"]) == {
        "ended_recently",
        "current",
        "police_3_years",
        "police_1_year",
    }
    assert remaining(SourceRelationship, held["rel"]) == {"current"}


def test_closed_privacy_alerts_go_after_their_keep_period(authority, rules):
    old_closed = alert(authority, AlertStatus.NO_CONCERN, years_ago(7, days=1))
    recent_closed = alert(authority, AlertStatus.CONCERN_REFERRED, years_ago(6))
    old_open = alert(authority, AlertStatus.UNDER_REVIEW, years_ago(8))

    result = run_retention(council=rules, now=NOW)

    assert set(PrivacyAlert.objects.values_list("pk", flat=True)) == {
        recent_closed.pk,
        old_open.pk,
    }
    assert old_closed.pk not in PrivacyAlert.objects.values_list("pk", flat=True)
    assert result.removed == {"privacy alerts": 1}


@pytest.fixture
def old_log(authority, monkeypatch):
    """Six events eight years ago (a signed checkpoint at event 5: every 5 events in these
    tests), one a year ago; the clock then stands at NOW."""
    worker = staff_for(create_staff(Role.PRACTITIONER, authority))
    clock = {"now": years_ago(8)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    for _ in range(6):
        record_event(worker, "search", level=Level.SEARCH)
    clock["now"] = years_ago(1)
    record_event(worker, "search", level=Level.SEARCH)
    clock["now"] = NOW


def test_old_audit_events_go_up_to_a_signed_checkpoint_and_the_log_still_verifies(
    old_log, rules, authority
):
    open_alert = alert(authority, AlertStatus.OPEN, None)
    open_alert.events.add(*AuditEvent.objects.filter(sequence__in=[1, 6]))

    result = run_retention(council=rules, now=NOW)

    audit = next(o for o in result.outcomes if o.rule == "audit")
    assert audit.removed == {"audit events": 5}
    assert audit.note.startswith("the log now starts after event 5")
    assert list(AuditEvent.objects.filter(action="search").values_list("sequence", flat=True)) == [
        6,
        7,
    ]
    assert AuditRetentionFloor.objects.get().through_sequence == 5
    assert list(open_alert.events.values_list("sequence", flat=True)) == [6]
    assert result.removed == {"audit events": 5}
    report = verify_log()
    assert report.ok, report.findings


def test_a_cut_that_cannot_be_trusted_keeps_the_audit_events_and_the_rest_goes(
    old_log, rules, held, audit_key_dir
):
    (audit_key_dir / "audit-public-keys.txt").unlink()  # the checkpoint cannot be verified

    result = run_retention(council=rules, now=NOW)

    audit = next(o for o in result.outcomes if o.rule == "audit")
    assert audit.removed == {}
    assert audit.note.startswith("none removed: the checkpoint of event 5 is not trustworthy")
    assert AuditEvent.objects.filter(action="search").count() == 7
    assert not AuditRetentionFloor.objects.exists()
    assert result.removed["person records"] == 1
    assert AuditEvent.objects.filter(action="retention.run").count() == 1


def test_a_dry_run_counts_the_audit_events_it_would_cut_and_cuts_none(old_log, rules):
    result = run_retention(council=rules, now=NOW, dry_run=True)

    audit = next(o for o in result.outcomes if o.rule == "audit")
    assert audit.removed == {"audit events": 5}
    assert audit.note == "the log would be cut at the signed checkpoint of event 5"
    assert AuditEvent.objects.count() == 7
    assert not AuditRetentionFloor.objects.exists()


def test_audit_events_with_no_checkpoint_after_them_wait(authority, rules, monkeypatch):
    worker = staff_for(create_staff(Role.PRACTITIONER, authority))
    monkeypatch.setattr(timezone, "now", lambda: years_ago(8))
    for _ in range(3):
        record_event(worker, "search", level=Level.SEARCH)

    result = run_retention(council=rules, now=NOW)

    audit = next(o for o in result.outcomes if o.rule == "audit")
    assert audit.removed == {}
    assert audit.note.startswith("3 audit events are past their keep period")
    assert AuditEvent.objects.filter(action="search").count() == 3


def test_the_command_reports_and_audits_a_run(held, rules, capsys):
    call_command("retention", "run", "--dry-run", "--rules", str(rules))
    dry = capsys.readouterr().out
    assert f"Retention rules version 5 ({rules}), dry run: nothing was removed" in dry
    assert "POLICE involvements ended more than 2 years ago: would remove 1 involvements" in dry
    assert "Persons left with no records: would retire 1" in dry
    assert not AuditEvent.objects.exists()

    call_command("retention", "run", "--rules", str(rules), "--by", "ig.officer")
    out = capsys.readouterr().out
    assert "POLICE involvements ended more than 2 years ago: removed 1 involvements" in out
    assert "Recorded in the audit log as event 1." in out
    assert AuditEvent.objects.get().action == "retention.run"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[involvements]\nended_keep_years = "6"\n', 'is "6"; it should be a whole number.'),
        ("[involvements]\nkeep_years = 3\n", "involvements.keep_years is not a setting;"),
    ],
    ids=["wrong type", "unknown key"],
)
def test_the_command_refuses_a_wrong_rules_file_in_one_sentence(tmp_path, settings, text, said):
    path = tmp_path / "retention.toml"
    path.write_text(f"version = 2\n{text}", encoding="utf-8")
    settings.FAMILYVIEW_RETENTION_RULES = str(path)

    with pytest.raises(CommandError) as refused:
        call_command("retention", "run", "--dry-run")

    assert str(refused.value).startswith(f"{path}: ")
    assert said in str(refused.value)
    assert "\n" not in str(refused.value)
    with pytest.raises(CommandError, match=r"missing\.toml: no such file\.$"):
        call_command("retention", "run", "--rules", str(tmp_path / "missing.toml"))


def test_nothing_is_kept_for_ever(held, tmp_path):
    path = tmp_path / "retention.toml"
    path.write_text('version = 2\n[person_records]\nended_keep_years = "for ever"\n')

    with pytest.raises(CommandError) as refused:
        call_command("retention", "run", "--rules", str(path))

    assert str(refused.value) == (
        f'{path}: person_records.ended_keep_years is "for ever"; it should be a whole number.'
    )
    assert PersonRecord.objects.count() == 4


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("version = 'one'\n", 'version is "one"; it should be a whole number.'),
        (
            "version = 2\nkeep = 3\n",
            "keep is not a setting; the settings here are audit, involvements, person_records, "
            "privacy_alerts, quarantine, relationships, sources, version.",
        ),
        (
            "version = 2\n[involvements]\nended_keep_years = -1\n",
            "involvements.ended_keep_years is -1; it should be greater than or equal to 0.",
        ),
        (
            "version = 2\n[audit]\nkeep_years = 0\n",
            "audit.keep_years is 0; it should be greater than or equal to 1.",
        ),
        (
            "version = 2\n[quarantine]\nkeep_days = 'soon'\n",
            'quarantine.keep_days is "soon"; it should be a whole number.',
        ),
        (
            "version = 2\n[sources.POLICE.children]\nx = 1\n",
            "sources.POLICE.children is not a setting; the settings here are involvements, "
            "person_records, quarantine, relationships.",
        ),
        (
            "version = 2\n[sources.POLICE.involvements]\nended_keep_years = 2.5\n",
            "sources.POLICE.involvements.ended_keep_years is 2.5; it should be a whole number.",
        ),
        ("version = 2\nsources = 3\n", "sources is 3; it should be a table."),
    ],
)
def test_a_wrong_rules_file_is_refused_naming_the_setting(tmp_path, text, said):
    path = tmp_path / "retention.toml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(SettingsFileError) as refused:
        load_retention_rules(path)

    assert str(refused.value) == f"{path}: {said}"


def test_the_built_in_rules_load(settings):
    settings.FAMILYVIEW_RETENTION_RULES = None
    rules = load_retention_rules()

    assert (rules.version, rules.audit.keep_years, rules.privacy_alerts.closed_keep_years) == (
        1,
        7,
        7,
    )
    assert rules.for_source("CSC").involvements.ended_keep_years == 6
    assert rules.for_source("CSC").quarantine.keep_days == 90


def test_a_sources_own_rules_keep_every_sources_periods_for_the_kinds_they_leave_out(rules):
    police = load_retention_rules(rules).for_source("POLICE")

    assert police.involvements.ended_keep_years == 2
    assert police.person_records.ended_keep_years == 6
    assert police.quarantine.keep_days == 90


def test_a_year_before_29_february_is_28_february():
    assert years_before(datetime(2028, 2, 29, tzinfo=LONDON), 1) == datetime(
        2027, 2, 28, tzinfo=LONDON
    )
