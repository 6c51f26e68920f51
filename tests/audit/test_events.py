import pytest

from familyview.audit import chain
from familyview.audit.events import AuditEventError, Level, record_event
from familyview.audit.models import AuditEvent, AuditEventSubject

from .conftest import Actor, Member

pytestmark = pytest.mark.django_db


def test_events_are_numbered_and_chained(practitioner):
    first = record_event(practitioner, "search", level=Level.SEARCH, details={"name": "x"})
    second = record_event(
        practitioner,
        "view_family",
        level=Level.SUMMARY,
        subjects=["P1", "P2", "P1"],
        purpose="section_17_assessment",
        case_reference="CR-1",
    )
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous_hash == chain.GENESIS_HASH
    assert second.previous_hash == first.hash
    stored = AuditEvent.objects.get(sequence=2)
    assert stored.subjects == ["P1", "P2"]
    assert (stored.role, stored.authority_id, stored.team) == (
        "practitioner",
        1,
        "North Early Help",
    )
    assert stored.username == "pat.practitioner" and stored.user_id == 7
    fields = {name: getattr(stored, name) for name in chain.HASHED_FIELDS}
    assert chain.event_hash(fields) == stored.hash
    assert sorted(AuditEventSubject.objects.values_list("person_id", flat=True)) == ["P1", "P2"]


def test_bad_input_is_refused_with_what_is_wrong(practitioner):
    with pytest.raises(AuditEventError, match="level"):
        record_event(practitioner, "search", level="everything")
    with pytest.raises(AuditEventError, match="outcome"):
        record_event(practitioner, "search", outcome="maybe")
    with pytest.raises(AuditEventError, match="subjects"):
        record_event(practitioner, "search", subjects="P1")
    with pytest.raises(AuditEventError, match="details"):
        record_event(practitioner, "search", details={"x": object()})
    assert not AuditEvent.objects.exists()


def test_role_authority_and_team_come_from_what_the_memberships_agree_on():
    both = Actor(
        8,
        "tam.manager",
        memberships=(
            Member("practitioner", 1, team="North Early Help"),
            Member("team_manager", 1, team="North Early Help"),
        ),
    )
    event = record_event(both, "access_refused", outcome="refused")
    assert (event.role, event.authority_id, event.team) == ("", 1, "North Early Help")
    event = record_event(both, "search", level="search", role="team_manager")
    assert (event.role, event.authority_id, event.team) == ("team_manager", 1, "North Early Help")

    two_councils = Actor(
        9, "sam.shared", memberships=(Member("practitioner", 1), Member("practitioner", 2))
    )
    event = record_event(two_councils, "search", level="search")
    assert (event.role, event.authority_id) == ("practitioner", None)
    event = record_event(two_councils, "search", level="search", authority_id=2)
    assert (event.role, event.authority_id) == ("practitioner", 2)
