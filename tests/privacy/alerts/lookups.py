"""Staff looking people up, as the alert tests need them: a clock the audit log reads, a
person to look up, a look-up written to the log, and the alerts raised."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from familyview.access.policy import staff_for
from familyview.audit.events import Level, record_event
from familyview.audit.models import AuditEvent
from familyview.privacy.models import PrivacyAlert
from tests.identity.test_stewardship import a_person, a_record

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
