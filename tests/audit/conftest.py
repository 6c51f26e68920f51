"""Audit tests keep their signing key, keyring and journal in a temporary folder."""

from dataclasses import dataclass, field
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from familyview.audit.events import record_event
from familyview.audit.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditEventSubject,
    AuditRetentionFloor,
)
from familyview.audit.protection import triggers_suspended


@dataclass(frozen=True)
class Member:
    role: str
    authority_id: int
    authority_code: str = "demo"
    authority_name: str = "Demo Council"
    team: str = ""


@dataclass(frozen=True)
class Actor:
    """An audit.events.Actor, as a signed-in member of staff (access.policy.Staff) is one."""

    user_id: int
    username: str
    display_name: str = ""
    memberships: tuple[Member, ...] = field(default_factory=tuple)


@pytest.fixture(autouse=True)
def audit_key_dir(tmp_path, settings):
    settings.AUDIT_KEY_FILE = tmp_path / "keys" / "checkpoint-key.pem"
    settings.AUDIT_CHECKPOINT_EVERY = 5
    return tmp_path / "keys"


@pytest.fixture
def practitioner() -> Actor:
    return Actor(
        7, "pat.practitioner", "Pat", (Member("practitioner", 1, team="North Early Help"),)
    )


def write_log(actor: Actor, count: int) -> list[AuditEvent]:
    """`count` events of the kinds a working day produces (search, results, views)."""
    events = []
    for i in range(count):
        if i % 3 == 0:
            events.append(
                record_event(actor, "search", level="search", details={"criteria": {"q": i}})
            )
        elif i % 3 == 1:
            events.append(
                record_event(
                    actor, "search", level="results", subjects=[f"P{i:04d}", f"P{i + 1:04d}"]
                )
            )
        else:
            events.append(
                record_event(
                    actor,
                    "view_family",
                    level="summary",
                    subjects=[f"P{i:04d}"],
                    purpose="section_17_assessment",
                    case_reference=f"CR-{i}",
                )
            )
    return events


def run_verify(*args: str) -> tuple[bool, str]:
    """Run the real `familyview audit verify`; (intact, everything it printed)."""
    out = StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=StringIO())
    except CommandError as e:
        return False, out.getvalue() + str(e)
    return True, out.getvalue()


@pytest.fixture
def audit_rows_removed_after(transactional_db):
    """For tests that commit: empty the audit tables (as a DBA would) before the test
    database is flushed, since the append-only triggers refuse the flush otherwise."""
    yield
    with triggers_suspended():
        AuditEventSubject.objects.all().delete()
        AuditEvent.objects.all().delete()
        AuditCheckpoint.objects.all().delete()
        AuditRetentionFloor.objects.all().delete()
