"""Reading the audit log back: small named queries for pages, alerts and subject access.

All return QuerySets of AuditEvent, oldest first, so callers can paginate, count or
stream them (`.iterator()`). None of them checks who may read: callers pass the scope
their permission allows (`AuditScope`, which privacy/log_scope.py works out for a member
of staff: the log knows nothing of staff and their permissions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from familyview.audit.models import AuditEvent, AuditEventSubject


@dataclass(frozen=True)
class AuditScope:
    """Which events a reader may see: every event of some authorities (a privacy
    officer), plus their own teams' events in others (a team manager)."""

    authority_ids: tuple[int, ...] = ()
    teams: tuple[tuple[int, str], ...] = ()  # (authority id, team name)

    @property
    def empty(self) -> bool:
        return not self.authority_ids and not self.teams


@dataclass(frozen=True)
class AuditSearch:
    """What a privacy officer or team manager searches the log for; blank means any."""

    user_id: int | None = None
    username: str = ""
    person_id: str = ""
    team: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    actions: tuple[str, ...] = field(default_factory=tuple)


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day`, local time (Europe/London), as an aware time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def in_scope(scope: AuditScope) -> QuerySet[AuditEvent]:
    """Every event the scope allows (none for an empty scope)."""
    if scope.empty:
        return AuditEvent.objects.none()
    allowed = Q(authority_id__in=scope.authority_ids) if scope.authority_ids else Q()
    for authority_id, team in scope.teams:
        allowed |= Q(authority_id=authority_id, team=team)
    return AuditEvent.objects.filter(allowed)


def events_for_subject(person_id: str, queryset: QuerySet[AuditEvent] | None = None):
    """Events that showed or touched the person with this opaque identifier, oldest first.

    Reads the subject index, written in the same transaction as each event."""
    base = AuditEvent.objects.all() if queryset is None else queryset
    sequences = AuditEventSubject.objects.filter(person_id=person_id).values("event_id")
    return base.filter(sequence__in=sequences).order_by("sequence")


def events_by(
    *,
    user_id: int | None = None,
    username: str = "",
    authority_id: int | None = None,
    team: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    actions: tuple[str, ...] = (),
    queryset: QuerySet[AuditEvent] | None = None,
) -> QuerySet[AuditEvent]:
    """Events by who did them and when, oldest first; `until` is exclusive."""
    events = AuditEvent.objects.all() if queryset is None else queryset
    if user_id is not None:
        events = events.filter(user_id=user_id)
    if username:
        events = events.filter(username__iexact=username.strip())
    if authority_id is not None:
        events = events.filter(authority_id=authority_id)
    if team:
        events = events.filter(team__iexact=team.strip())
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    if actions:
        events = events.filter(action__in=actions)
    return events.order_by("sequence")


def search_events(scope: AuditScope, search: AuditSearch) -> QuerySet[AuditEvent]:
    """The events a privacy officer's or team manager's search finds, within their scope."""
    events = in_scope(scope)
    if search.person_id:
        events = events_for_subject(search.person_id.strip().upper(), events)
    return events_by(
        user_id=search.user_id,
        username=search.username,
        team=search.team,
        since=start_of_day(search.date_from) if search.date_from else None,
        until=start_of_day(search.date_to + dt.timedelta(days=1)) if search.date_to else None,
        actions=search.actions,
        queryset=events,
    )


def teams_in_scope(scope: AuditScope) -> list[str]:
    """The team names a reader may filter by: teams that appear in their events."""
    names = (
        in_scope(scope).exclude(team="").order_by("team").values_list("team", flat=True).distinct()
    )
    return list(names)


def details_in_words(details: dict) -> str:
    """An event's details as short text: 'criteria: postcode SK1 1AA; shown: 3'."""

    def words(value: object) -> str:
        if isinstance(value, dict):
            return ", ".join(f"{k.replace('_', ' ')} {words(v)}" for k, v in value.items())
        if isinstance(value, list):
            return ", ".join(words(v) for v in value)
        return str(value)

    return "; ".join(f"{k.replace('_', ' ')}: {words(v)}" for k, v in details.items())
