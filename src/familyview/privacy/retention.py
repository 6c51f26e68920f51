"""Retention: removing what Family View no longer needs to keep, by rule.

The rules (retention.toml, versioned configuration, with the council's own file named by
FAMILYVIEW_RETENTION_RULES merged over it) say how long each kind of record is kept, with
changes per source: person records a source no longer sends, ended involvements and
relationships, rows an import quarantined, closed privacy alerts, and the audit log
itself. Every kind has a period: a kind the council's file leaves out keeps the built-in
one, and nothing is kept for ever. `run_retention()` applies every rule in ONE transaction, holding
the person index's writer lock: it removes everything the rules say or nothing. It
reports what it removed per rule and source, and records one audit event with the
counts in the same transaction. A dry run does the same work and rolls it back, so its
counts are exactly what a real run would remove, and it leaves nothing behind (not even
an audit event).

Removing a person record removes what hangs from it (its involvements, relationships,
place in the person index, search entry, steward decisions, review pairs); a person left
with no records is retired, as a merge retires one; the family links are rebuilt.

Audit events are removed only as a whole oldest stretch of the chain ending at a signed
checkpoint (audit/pruning.py), which leaves a signed retention floor so that `familyview
audit verify` still passes; on PostgreSQL that needs the audit tables' owner, and a run
without it removes the rest and says why the audit events stayed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import DatabaseError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from pydantic import Field, model_validator

from familyview.audit.events import record_event
from familyview.audit.models import AuditEvent, AuditRetentionFloor
from familyview.audit.pruning import PruneRefused, newest_checkpoint_before, prune_through
from familyview.identity.feature_store import forget_features
from familyview.identity.locking import lock_index
from familyview.identity.models import LinkedRecord, Person
from familyview.involvements.models import Involvement
from familyview.privacy.models import CLOSED_STATUSES, PrivacyAlert
from familyview.settings_files import SettingsModel, Text, council_file, load_settings, merged
from familyview.sources.models import PersonRecord, QuarantinedRow, Source, SourceRelationship

DEFAULT_RULES_FILE = Path(__file__).with_name("retention.toml")
ENVIRONMENT_VARIABLE = "FAMILYVIEW_RETENTION_RULES"

# What each removed row is called in the report.
WORDS = {
    "sources.PersonRecord": "person records",
    "involvements.Involvement": "involvements",
    "sources.SourceRelationship": "relationships",
    "identity.LinkedRecord": "links to persons in the index",
    "identity.SearchEntry": "search entries",
    "identity.StewardDecision": "steward decisions",
    "identity.ReviewPair": "pairs waiting for review",
    "sources.QuarantinedRow": "quarantined rows",
    "privacy.PrivacyAlert": "privacy alerts",
    "privacy.AlertHandling": "steps taken on alerts",
    "privacy.PrivacyAlertEvent": "links from alerts to audit events",
}


# The rules


class Kept(SettingsModel):
    """How long a source's records of one kind are kept once they ended."""

    ended_keep_years: int = Field(ge=0)


class QuarantineKept(SettingsModel):
    """How long rows an import held back are kept."""

    keep_days: int = Field(ge=0)


class AuditKept(SettingsModel):
    """How long audit events are kept."""

    keep_years: int = Field(ge=1)


class AlertsKept(SettingsModel):
    """How long privacy alerts are kept once they have an outcome."""

    closed_keep_years: int = Field(ge=0)


class KindsKept(SettingsModel):
    """How long each kind of record a source sends is kept: every source's, or one's."""

    person_records: Kept
    involvements: Kept
    relationships: Kept
    quarantine: QuarantineKept


class RetentionRules(KindsKept):
    """The retention rules file: how long each kind is kept, the audit log and privacy
    alerts, and in `[sources.<code>]` what one source changes. Every kind has a period:
    there is no keeping for ever (docs/privacy.md)."""

    version: int = Field(ge=1)
    audit: AuditKept
    privacy_alerts: AlertsKept
    sources: dict[Text, KindsKept] = {}

    @model_validator(mode="before")
    @classmethod
    def _sources_over_the_kinds(cls, data: Any) -> Any:
        # A source's table holds only its changes: each kind it leaves out is kept as
        # every source's is.
        if isinstance(data, dict) and isinstance(data.get("sources"), dict):
            kinds = {k: v for k, v in data.items() if k in KindsKept.model_fields}
            data = {
                **data,
                "sources": {
                    code: merged(kinds, changes) if isinstance(changes, dict) else changes
                    for code, changes in data["sources"].items()
                },
            }
        return data

    def for_source(self, code: str) -> KindsKept:
        """How long this source's records are kept: its own rules, else every source's."""
        return self.sources.get(code, self)


def load_retention_rules(council: Path | str | None = None) -> RetentionRules:
    """The retention rules in force: the built-in file with the council's own merged over
    it (the file FAMILYVIEW_RETENTION_RULES names, or `council`, a file to try instead).
    SettingsFileError says what is wrong."""
    return load_settings(
        RetentionRules,
        DEFAULT_RULES_FILE,
        ENVIRONMENT_VARIABLE,
        council=Path(council) if council else None,
    )


def rules_file(council: Path | str | None = None) -> Path:
    """The file a run names as the rules it applied: the council's own (`council`, or the
    one FAMILYVIEW_RETENTION_RULES names), else the built-in one."""
    return Path(council) if council else council_file(ENVIRONMENT_VARIABLE) or DEFAULT_RULES_FILE


# A run


@dataclass(frozen=True)
class RuleOutcome:
    """What one rule removed (or, in a dry run, would remove)."""

    rule: str  # "person_records", "involvements", ..., "audit"
    source: str  # the source's code; "" for rules that are not per source
    description: str  # the rule in words
    removed: dict[str, int]  # what was removed, in words -> how many
    note: str = ""

    @property
    def total(self) -> int:
        return sum(self.removed.values())


@dataclass(frozen=True)
class RetentionRun:
    """A retention run: every rule's outcome, and the audit event that records it."""

    dry_run: bool
    version: int
    rules_file: Path  # the council's own file, or the built-in one
    at: datetime
    outcomes: list[RuleOutcome]
    persons_retired: int
    event_sequence: int | None  # None for a dry run

    @property
    def removed(self) -> dict[str, int]:
        """Everything removed, in words -> how many."""
        totals: dict[str, int] = {}
        for outcome in self.outcomes:
            for what, n in outcome.removed.items():
                totals[what] = totals.get(what, 0) + n
        return totals


def years_before(when: datetime, years: int) -> datetime:
    """The same moment `years` years earlier (29 February becomes 28 February)."""
    try:
        return when.replace(year=when.year - years)
    except ValueError:
        return when.replace(year=when.year - years, day=28)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _removed(queryset: QuerySet) -> dict[str, int]:
    _, per_model = queryset.delete()
    return {_words(label): n for label, n in sorted(per_model.items()) if n}


def _words(label: str) -> str:
    if label in WORDS:
        return WORDS[label]
    return str(apps.get_model(label)._meta.verbose_name_plural)


def run_retention(
    *,
    council: Path | str | None = None,
    dry_run: bool = False,
    by: str = "",
    now: datetime | None = None,
) -> RetentionRun:
    """Apply every retention rule in one transaction; audited unless a dry run.

    `council` names a council's rules file to try in place of the one
    FAMILYVIEW_RETENTION_RULES names (SettingsFileError if it is wrong). `now` is the
    moment the keep periods count back from (default: now). `by` names who ran it, for
    the audit event.
    """
    rules = load_retention_rules(council)
    applied = rules_file(council)
    now = now or timezone.now()
    outcomes: list[RuleOutcome] = []
    with transaction.atomic():
        lock_index()
        sources = list(Source.objects.order_by("code"))
        touched_persons: set[str] = set()
        for source in sources:
            outcomes += _source_rules(source, rules.for_source(source.code), now, touched_persons)
        retired = _retire_empty_persons(touched_persons, now)
        outcomes.append(_alerts_rule(rules, now))
        outcomes.append(_audit_rule(rules, now, dry_run))
        changes_families = any(
            o.removed.get("relationships") or o.removed.get("person records") for o in outcomes
        )
        event_sequence = None
        if dry_run:
            transaction.set_rollback(True)
        else:
            if changes_families:
                from familyview.families.building import build_families

                build_families()
            if any(o.removed.get("person records") for o in outcomes):
                # Link runs keep record features outside the database: removed records
                # must not outlive the run there (the next link run works them out anew).
                transaction.on_commit(forget_features)
            event = record_event(
                None,
                "retention.run",
                details={
                    "by": by,
                    "rules_version": rules.version,
                    "rules_file": applied.name,
                    "removed": [
                        {"rule": o.rule, "source": o.source, "removed": o.removed}
                        for o in outcomes
                        if o.removed
                    ],
                    "persons_retired": retired,
                },
            )
            event_sequence = event.sequence
    return RetentionRun(dry_run, rules.version, applied, now, outcomes, retired, event_sequence)


def _source_rules(
    source: Source, kept: KindsKept, now: datetime, touched_persons: set[str]
) -> list[RuleOutcome]:
    years = kept.person_records.ended_keep_years
    records = PersonRecord.objects.filter(source=source, ended_at__lt=years_before(now, years))
    touched_persons.update(
        LinkedRecord.objects.filter(person_record__in=records).values_list("person_id", flat=True)
    )
    outcomes = [
        RuleOutcome(
            "person_records",
            source.code,
            f"{source.code} person records no longer sent for more than "
            f"{_plural(years, 'year', 'years')}",
            _removed(records),
        )
    ]
    # Involvements and relationships end alike: on an end date, or when a source stops sending them.
    for rule, model in (("involvements", Involvement), ("relationships", SourceRelationship)):
        years = getattr(kept, rule).ended_keep_years
        cutoff = years_before(now, years)
        ended = model.objects.filter(source=source).filter(
            Q(end_date__lt=cutoff.date()) | Q(ended_at__lt=cutoff)
        )
        outcomes.append(
            RuleOutcome(
                rule,
                source.code,
                f"{source.code} {rule} ended more than {_plural(years, 'year', 'years')} ago",
                _removed(ended),
            )
        )
    days = kept.quarantine.keep_days
    quarantined = QuarantinedRow.objects.filter(
        extract_import__source=source, extract_import__started_at__lt=now - timedelta(days=days)
    )
    outcomes.append(
        RuleOutcome(
            "quarantine",
            source.code,
            f"{source.code} rows quarantined more than {_plural(days, 'day', 'days')} ago",
            _removed(quarantined),
        )
    )
    return outcomes


def _retire_empty_persons(person_ids: Iterable[str], now: datetime) -> int:
    """Retire persons whose every record was removed (as a merge retires one)."""
    ids = sorted(person_ids)
    retired = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        still_held = set(
            LinkedRecord.objects.filter(person_id__in=chunk).values_list("person_id", flat=True)
        )
        empty = [pid for pid in chunk if pid not in still_held]
        retired += Person.objects.filter(pk__in=empty, retired_at__isnull=True).update(
            retired_at=now
        )
    return retired


def _alerts_rule(rules: RetentionRules, now: datetime) -> RuleOutcome:
    years = rules.privacy_alerts.closed_keep_years
    closed = PrivacyAlert.objects.filter(
        status__in=CLOSED_STATUSES, handled_at__lt=years_before(now, years)
    )
    return RuleOutcome(
        "privacy_alerts",
        "",
        f"Privacy alerts closed more than {_plural(years, 'year', 'years')} ago",
        _removed(closed),
    )


def _audit_rule(rules: RetentionRules, now: datetime, dry_run: bool) -> RuleOutcome:
    """Cut the audit log at the newest signed checkpoint older than the keep period
    (audit/pruning.py: a signed retention floor keeps `audit verify` working)."""
    years = rules.audit.keep_years
    cutoff = years_before(now, years)
    description = f"Audit events older than {_plural(years, 'year', 'years')}"
    through = newest_checkpoint_before(cutoff)
    floor = AuditRetentionFloor.objects.aggregate(last=Max("through_sequence"))["last"] or 0
    if through is None or through <= floor:
        older = AuditEvent.objects.filter(occurred_at__lt=cutoff).count()
        note = (
            f"{older:,} audit events are past their keep period, but the log is only cut at a "
            "signed checkpoint and none falls among them yet: they go at a later run"
            if older
            else ""
        )
        return RuleOutcome("audit", "", description, {}, note=note)
    if dry_run:
        count = AuditEvent.objects.filter(sequence__lte=through).count()
        return RuleOutcome(
            "audit",
            "",
            description,
            {"audit events": count},
            note=f"the log would be cut at the signed checkpoint of event {through:,}",
        )
    try:
        pruned = prune_through(through)
    except PruneRefused as refused:
        return RuleOutcome("audit", "", description, {}, note=f"none removed: {refused}")
    except DatabaseError as refused:
        return RuleOutcome(
            "audit",
            "",
            description,
            {},
            note=(
                "none removed: the database refused (cutting the log needs the audit "
                f"tables' owner, see docs/audit.md): {refused}"
            ),
        )
    return RuleOutcome(
        "audit",
        "",
        description,
        {"audit events": pruned.events_removed},
        note=(
            f"the log now starts after event {through:,}, as a signed retention floor "
            "records; familyview audit verify checks it from there"
        ),
    )
