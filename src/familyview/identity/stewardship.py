"""A data steward's rulings on the person index: decide a review pair, merge, split.

Each function runs in one transaction and records who did it and why: a StewardDecision
that every later `familyview link` obeys, an IdentityChange for a merge or split, and one
audit event naming the persons and records touched (a refused ruling is audited too, as
refused, after its transaction has rolled back). The
index changes at once where that is simple (moving records between persons); the next
link run does the rest. A steward only ever touches records of their own authorities.

The families of the persons a change moved records between are updated in the same
transaction by `update_families`, which the pipeline hands in
(familyview/pipeline/steward_changes.py): families are built from the index, a floor
above it, and are never imported here.

Logs name opaque identifiers only (pair, person and record ids, the user's id), never a
reason: a steward's reason can quote a name.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from familyview.access.policy import Permission, Staff, authorities_with, membership_for, staff_for
from familyview.audit.actions import Action
from familyview.audit.events import record_event
from familyview.audit.models import Outcome as AuditOutcome
from familyview.identity import problems
from familyview.identity.configuration import thresholds
from familyview.identity.locking import lock_index
from familyview.identity.models import (
    IdentityChange,
    LinkedRecord,
    Person,
    ProblemReport,
    ReviewPair,
    StewardDecision,
    new_person_id,
)
from familyview.identity.queries import record_features
from familyview.identity.rules import must_stay_apart, one_source
from familyview.identity.service_ages import add_child_service_years
from familyview.sources.models import PersonRecord
from familyview.words import day_words

log = logging.getLogger(__name__)

RULINGS = ("same", "different", "not_sure")
# Pairs a steward can still rule on; a decided pair shows its decision instead.
DECIDABLE = (ReviewPair.Status.OPEN, ReviewPair.Status.NOT_SURE)


# Updates the family links of these persons, in the caller's transaction.
FamilyUpdate = Callable[[frozenset[str]], object]

NEXT_RUN_JOINS = "Decision saved. The next link run (familyview link) will put them together"
NEXT_RUN_SEPARATES = "Decision saved. The next link run (familyview link) will separate them"


class StewardshipRefused(Exception):
    """The index cannot do what the steward asked; the message says why, in their words."""


class NotFound(StewardshipRefused):
    """No such pair or person in the steward's authorities. Another authority's pair or
    person gets the same answer as one that does not exist."""


@dataclass(frozen=True)
class Outcome:
    """What a steward's action did to the index, to tell them."""

    effect: str
    person_id: str | None = None  # the person to show next (kept, or split from)
    new_person_id: str | None = None
    moved_records: list[int] = field(default_factory=list)
    # Hard rules the index would apply on its own: the next link run may separate these
    # records again unless a steward decides those pairs too.
    warnings: list[str] = field(default_factory=list)
    # The persons records moved between (one of them perhaps retired): their families
    # are updated before the change commits.
    persons_changed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decided:
    """What one ruling on a pair touched, for the audit log."""

    pair_id: int
    ruling: str
    records: tuple[int, int]
    persons_before: tuple[str, ...]
    withdrawn: tuple[int, ...] = ()

    def details(self, outcome: Outcome) -> dict:
        return {
            "pair": self.pair_id,
            "ruling": self.ruling,
            "records": list(self.records),
            "withdrawn_decisions": list(self.withdrawn),
            "records_moved": outcome.moved_records,
        }

    def subjects(self, outcome: Outcome) -> list[str]:
        after = (outcome.person_id, outcome.new_person_id)
        return [p for p in (*self.persons_before, *after) if p]


def resolve_problem(
    staff: Staff | None,
    report: ProblemReport,
    user: AbstractBaseUser,
    note: str,
    authority_ids: list[int],
) -> ProblemReport:
    """A "something looks wrong" report resolved with the steward's note, and its audit
    event, together (raises identity.problems.ProblemRefused, and then writes neither)."""
    with transaction.atomic():
        resolved = problems.resolve_problem(report.pk, user, note, authority_ids)
        record_event(
            staff,
            Action.STEWARD_PROBLEM_RESOLVED,
            subjects=[report.person_id],
            details={"report": report.pk},
            authority_id=report.authority_id,
            role="data_steward",
        )
    return resolved


def decide_pair(
    review_pair_id: int,
    ruling: str,
    user: AbstractBaseUser,
    reason: str,
    *,
    update_families: FamilyUpdate,
) -> Outcome:
    """Rule on a pair from the review queue: the same person, different people, or not sure.

    "same" and "different" are kept as a StewardDecision and close the pair. "same" merges
    the two persons at once (the smaller into the larger). "different" between two records
    of one person moves record b to a new person at once, unless a steward has joined it
    to the others, in which case the next link run separates them. "not sure" keeps the
    pair in the queue, after the pairs nobody has looked at.
    """
    staff = staff_for(user)
    try:
        with transaction.atomic():
            outcome, decided = _decide_pair(review_pair_id, ruling, user, reason)
            _update(update_families, outcome.persons_changed)
            _record(
                staff,
                Action.STEWARD_PAIR_DECIDED,
                decided.subjects(outcome),
                decided.details(outcome),
                decided.records,
            )
            return outcome
    except StewardshipRefused as refused:
        _record_refused(
            staff, Action.STEWARD_PAIR_DECIDED, refused, {"pair": review_pair_id, "ruling": ruling}
        )
        raise


def _decide_pair(
    review_pair_id: int, ruling: str, user: AbstractBaseUser, reason: str
) -> tuple[Outcome, Decided]:
    reason = _required_reason(reason)
    if ruling not in RULINGS:
        raise StewardshipRefused("Select whether these records are the same person")
    authority_ids = _authorities(user)
    with transaction.atomic():
        lock_index()
        pair = (
            # Lock the pair only, not the records and sources the filter joins.
            ReviewPair.objects.select_for_update(of=("self",))
            .filter(
                pk=review_pair_id,
                record_a__source__authority_id__in=authority_ids,
                record_b__source__authority_id__in=authority_ids,
            )
            .first()
        )
        if pair is None:
            raise NotFound("There is no such pair in your authority's review queue")
        if pair.status not in DECIDABLE:
            raise StewardshipRefused(
                "This pair is no longer waiting for review"
                if pair.status == ReviewPair.Status.GONE
                else "This pair has already been decided"
            )
        a, b = pair.record_a_id, pair.record_b_id
        decided = Decided(pair.pk, ruling, (a, b), _persons_of([a, b]))
        if ruling == "not_sure":
            pair.status = ReviewPair.Status.NOT_SURE
            pair.not_sure_by, pair.not_sure_at, pair.not_sure_reason = user, timezone.now(), reason
            pair.save(update_fields=["status", "not_sure_by", "not_sure_at", "not_sure_reason"])
            log.info("review pair %s: not sure (user %s)", pair.pk, user.pk)
            return Outcome(
                effect="The pair stays in the queue, after the pairs not yet looked at"
            ), decided

        # A new ruling on the same two records replaces any earlier one.
        earlier = _active_decisions_between([a], [b])
        withdrawn = tuple(earlier.order_by("pk").values_list("pk", flat=True))
        earlier.update(withdrawn_at=timezone.now())
        decided = Decided(pair.pk, ruling, (a, b), decided.persons_before, withdrawn)
        StewardDecision.objects.create(
            record_a_id=a, record_b_id=b, ruling=ruling, reason=reason, decided_by=user
        )
        pair.status = ReviewPair.Status.DECIDED
        pair.save(update_fields=["status"])
        log.info("review pair %s: %s (user %s)", pair.pk, ruling, user.pk)
        if ruling == "same":
            _refuse_two_authorities([a, b])
            return _join(a, b, user, reason, authority_ids), decided
        return _keep_apart(a, b, user, reason, authority_ids), decided


@dataclass(frozen=True)
class Confirmed:
    """What confirming several within-source pairs did: each pair's outcome, in order."""

    outcomes: dict[int, Outcome]

    @property
    def warnings(self) -> list[str]:
        return [w for outcome in self.outcomes.values() for w in outcome.warnings]


def confirm_duplicates(
    review_pair_ids: Iterable[int],
    user: AbstractBaseUser,
    reason: str,
    *,
    update_families: FamilyUpdate,
) -> Confirmed:
    """Confirm several pairs from the review queue, each of two records of one source, as
    the same person: the source holds that person twice.

    Each pair is decided exactly as `decide_pair` decides one ("same": a StewardDecision
    with this reason, the persons merged, the pair closed), all in one transaction: if any
    pair cannot be confirmed, none is, and the message names the pair. A pair of two
    sources is refused: those are for the steward to look at one by one. The confirmation
    is one audit event naming every pair, record and person it touched.
    """
    wanted = list(dict.fromkeys(int(p) for p in review_pair_ids))
    staff = staff_for(user)
    try:
        return _confirm_duplicates(staff, wanted, user, reason, update_families)
    except StewardshipRefused as refused:
        _record_refused(staff, Action.STEWARD_DUPLICATES_CONFIRMED, refused, {"pairs": wanted})
        raise


def _confirm_duplicates(
    staff: Staff | None,
    wanted: list[int],
    user: AbstractBaseUser,
    reason: str,
    update_families: FamilyUpdate,
) -> Confirmed:
    reason = _required_reason(reason)
    if not wanted:
        raise StewardshipRefused("Select the pairs that are the same person")
    authority_ids = _authorities(user)
    outcomes: dict[int, Outcome] = {}
    subjects: list[str] = []
    records: list[int] = []
    moved: list[int] = []
    with transaction.atomic():
        lock_index()
        pairs = {
            pk: (source_a, source_b, status)
            for pk, source_a, source_b, status in ReviewPair.objects.filter(
                pk__in=wanted,
                record_a__source__authority_id__in=authority_ids,
                record_b__source__authority_id__in=authority_ids,
            ).values_list("pk", "record_a__source_id", "record_b__source_id", "status")
        }
        for pair_id in wanted:
            if pair_id not in pairs:
                raise NotFound(f"There is no pair {pair_id} in your authority's review queue")
            source_a, source_b, status = pairs[pair_id]
            if source_a != source_b:
                raise StewardshipRefused(
                    f"Pair {pair_id} holds records of two sources: decide it on its own page"
                )
            if status not in DECIDABLE:
                raise StewardshipRefused(f"Pair {pair_id} is no longer waiting for review")
        for pair_id in wanted:
            # An earlier pair of this batch may have made these two records one person
            # already (a with b, b with c closes a with c): nothing is left to decide.
            if ReviewPair.objects.filter(pk=pair_id, status=ReviewPair.Status.GONE).exists():
                outcomes[pair_id] = Outcome(
                    effect="The records were already made one person by another pair confirmed "
                    "with it"
                )
                continue
            try:
                outcomes[pair_id], decided = _decide_pair(pair_id, "same", user, reason)
            except StewardshipRefused as refused:
                raise type(refused)(f"Pair {pair_id}: {refused}") from None
            subjects += decided.subjects(outcomes[pair_id])
            records += decided.records
            moved += outcomes[pair_id].moved_records
        # Once for the batch: the links as the last merge left the index.
        _update(update_families, frozenset().union(*(o.persons_changed for o in outcomes.values())))
        _record(
            staff,
            Action.STEWARD_DUPLICATES_CONFIRMED,
            subjects,
            {"pairs": wanted, "records": records, "records_moved": moved},
            records,
        )
    log.info("%s within-source pairs confirmed (user %s)", len(outcomes), user.pk)
    return Confirmed(outcomes=outcomes)


def merge_persons(
    person_id: str,
    other_person_id: str,
    user: AbstractBaseUser,
    reason: str,
    *,
    update_families: FamilyUpdate,
) -> Outcome:
    """Merge another person into this one: their records move here and they are retired.

    A "same person" decision between one record of each keeps them together in every
    later link run.
    """
    staff = staff_for(user)
    try:
        return _merge_persons(staff, person_id, other_person_id, user, reason, update_families)
    except StewardshipRefused as refused:
        asked = {"person": person_id, "other_person": (other_person_id or "").strip()[:40]}
        _record_refused(staff, Action.STEWARD_MERGE, refused, asked)
        raise


def _merge_persons(
    staff: Staff | None,
    person_id: str,
    other_person_id: str,
    user: AbstractBaseUser,
    reason: str,
    update_families: FamilyUpdate,
) -> Outcome:
    reason = _required_reason(reason)
    other_person_id = (other_person_id or "").strip().upper()
    if not other_person_id:
        raise StewardshipRefused("Enter the person identifier of the person to merge")
    if other_person_id == person_id:
        raise StewardshipRefused("Enter a different person: you cannot merge a person with itself")
    authority_ids = _authorities(user)
    with transaction.atomic():
        lock_index()
        persons = _lock_persons([person_id, other_person_id])
        kept = _records_in(persons.get(person_id), person_id, authority_ids)
        if other_person_id not in persons:
            raise StewardshipRefused(
                f"There is no person {other_person_id} in your authority's index"
            )
        moved = _records_in(persons[other_person_id], other_person_id, authority_ids)
        _refuse_two_authorities(kept + moved)
        _refuse_contradiction(kept, moved, "different")
        representative_a, representative_b = kept[0], moved[0]
        if not _active_decisions_between([representative_a], [representative_b]).exists():
            StewardDecision.objects.create(
                record_a_id=representative_a,
                record_b_id=representative_b,
                ruling=StewardDecision.Ruling.SAME,
                reason=reason,
                decided_by=user,
            )
        warnings = _move(persons[other_person_id], persons[person_id], moved, user, reason)
        outcome = Outcome(
            effect=f"Person {other_person_id} was merged into this person",
            person_id=person_id,
            moved_records=moved,
            warnings=warnings,
            persons_changed=frozenset({person_id, other_person_id}),
        )
        _update(update_families, outcome.persons_changed)
        _record(
            staff,
            Action.STEWARD_MERGE,
            [person_id, other_person_id],
            {"kept": person_id, "retired": other_person_id, "records_moved": moved},
            kept + moved,
        )
        log.info("person %s merged into %s (user %s)", other_person_id, person_id, user.pk)
        return outcome


def split_records(
    person_id: str,
    record_ids: Iterable[int],
    user: AbstractBaseUser,
    reason: str,
    *,
    update_families: FamilyUpdate,
) -> Outcome:
    """Move some of a person's records to a new person.

    A "different people" decision between each moved record and each record left behind
    keeps them apart in every later link run.
    """
    wanted = sorted({int(r) for r in record_ids})
    staff = staff_for(user)
    try:
        return _split_records(staff, person_id, wanted, user, reason, update_families)
    except StewardshipRefused as refused:
        asked = {"person": person_id, "records": wanted}
        _record_refused(staff, Action.STEWARD_SPLIT, refused, asked)
        raise


def _split_records(
    staff: Staff | None,
    person_id: str,
    wanted: list[int],
    user: AbstractBaseUser,
    reason: str,
    update_families: FamilyUpdate,
) -> Outcome:
    reason = _required_reason(reason)
    if not wanted:
        raise StewardshipRefused("Select the records to split off")
    authority_ids = _authorities(user)
    with transaction.atomic():
        lock_index()
        persons = _lock_persons([person_id])
        records = _records_in(persons.get(person_id), person_id, authority_ids)
        if not set(wanted) <= set(records):
            raise StewardshipRefused("Select only records of this person")
        remaining = [r for r in records if r not in wanted]
        if not remaining:
            raise StewardshipRefused(
                "Leave at least one record with this person: to move them all, merge instead"
            )
        _refuse_contradiction(wanted, remaining, "same")
        new = _split_off(persons[person_id], wanted, user, reason)
        StewardDecision.objects.bulk_create(
            [
                StewardDecision(
                    record_a_id=min(x, y),
                    record_b_id=max(x, y),
                    ruling=StewardDecision.Ruling.DIFFERENT,
                    reason=reason,
                    decided_by=user,
                )
                for x in wanted
                for y in remaining
            ]
        )
        n = len(wanted)
        outcome = Outcome(
            effect=f"{n} record{'s' if n != 1 else ''} moved to a new person, {new.pk}",
            person_id=person_id,
            new_person_id=new.pk,
            moved_records=wanted,
            persons_changed=frozenset({person_id, new.pk}),
        )
        _update(update_families, outcome.persons_changed)
        _record(
            staff,
            Action.STEWARD_SPLIT,
            [person_id, new.pk],
            {"person": person_id, "new_person": new.pk, "records_moved": wanted},
            records,
        )
        log.info("person %s split: %s to %s (user %s)", person_id, wanted, new.pk, user.pk)
        return outcome


# The index changes


def _join(a: int, b: int, user: AbstractBaseUser, reason: str, authority_ids: list[int]) -> Outcome:
    """A "same person" ruling: put the smaller person's records in the larger person."""
    persons_of = dict(
        LinkedRecord.objects.filter(person_record_id__in=[a, b]).values_list(
            "person_record_id", "person_id"
        )
    )
    if a not in persons_of or b not in persons_of:
        return Outcome(effect=NEXT_RUN_JOINS)
    if persons_of[a] == persons_of[b]:
        return Outcome(effect="Decision saved. The records were already one person")
    if not _only_in(list(persons_of.values()), authority_ids):
        return Outcome(effect=NEXT_RUN_JOINS)
    persons = _lock_persons([persons_of[a], persons_of[b]])
    sizes = {
        pid: LinkedRecord.objects.filter(person_id=pid).count()
        for pid in (persons_of[a], persons_of[b])
    }
    # The larger person keeps its identifier; on a tie the older one, as link runs do.
    kept_id, gone_id = sorted(sizes, key=lambda pid: (-sizes[pid], persons[pid].created_at, pid))
    moved = list(
        LinkedRecord.objects.filter(person_id=gone_id)
        .order_by("person_record_id")
        .values_list("person_record_id", flat=True)
    )
    warnings = _move(persons[gone_id], persons[kept_id], moved, user, reason, decided=(a, b))
    return Outcome(
        effect=f"Decision saved. Person {gone_id} was merged into person {kept_id}",
        person_id=kept_id,
        moved_records=moved,
        warnings=warnings,
        persons_changed=frozenset({kept_id, gone_id}),
    )


def _keep_apart(
    a: int, b: int, user: AbstractBaseUser, reason: str, authority_ids: list[int]
) -> Outcome:
    """A "different people" ruling: if one person holds both, move record b out of it."""
    person_a, person_b = (
        LinkedRecord.objects.filter(person_record_id=r).values_list("person_id", flat=True).first()
        for r in (a, b)
    )
    if person_a is None or person_a != person_b:
        return Outcome(effect="Decision saved. The records are not one person, and will not be")
    persons = _lock_persons([person_a])
    others = list(
        LinkedRecord.objects.filter(person_id=person_a)
        .exclude(person_record_id=b)
        .values_list("person_record_id", flat=True)
    )
    if _active_decisions_between([b], others).filter(ruling="same").exists() or not _only_in(
        [person_a], authority_ids
    ):
        # Record b was joined to this person by a steward, or the person holds records
        # this steward cannot see: which side each record falls on is for the next run to
        # work out, keeping a and b apart.
        return Outcome(effect=NEXT_RUN_SEPARATES, person_id=person_a)
    new = _split_off(persons[person_a], [b], user, reason)
    return Outcome(
        effect=f"Decision saved. Record B moved to a new person, {new.pk}. The next link "
        "run may regroup the other records, but never these two together",
        person_id=person_a,
        new_person_id=new.pk,
        moved_records=[b],
        persons_changed=frozenset({person_a, new.pk}),
    )


def _only_in(person_ids: list[str], authority_ids: list[int]) -> bool:
    """Whether these persons hold records of the steward's authorities only."""
    return not (
        LinkedRecord.objects.filter(person_id__in=person_ids)
        .exclude(person_record__source__authority_id__in=authority_ids)
        .exists()
    )


def _move(
    gone: Person,
    kept: Person,
    records: list[int],
    user: AbstractBaseUser,
    reason: str,
    decided: tuple[int, int] | None = None,
) -> list[str]:
    """Move every record of one person into another and retire the emptied person."""
    kept_records = list(
        LinkedRecord.objects.filter(person=kept).values_list("person_record_id", flat=True)
    )
    warnings = _hard_rule_warnings(kept_records, records, decided)
    LinkedRecord.objects.filter(person=gone).update(
        person=kept, basis=LinkedRecord.Basis.STEWARD, match_probability=1.0
    )
    if decided:
        LinkedRecord.objects.filter(person_record_id__in=decided).update(
            basis=LinkedRecord.Basis.STEWARD, match_probability=1.0
        )
    gone.retired_at = timezone.now()
    gone.save(update_fields=["retired_at"])
    IdentityChange.objects.create(
        kind=IdentityChange.Kind.MERGE,
        person=kept,
        other_persons=[gone.pk],
        records=sorted(records),
        reason=reason,
        steward=user,
    )
    _close_review_within(kept_records + records)
    return warnings


def _split_off(person: Person, records: list[int], user: AbstractBaseUser, reason: str) -> Person:
    new = Person.objects.create(id=new_person_id())
    LinkedRecord.objects.filter(person=person, person_record_id__in=records).update(
        person=new, basis=LinkedRecord.Basis.STEWARD, match_probability=1.0
    )
    IdentityChange.objects.create(
        kind=IdentityChange.Kind.SPLIT,
        person=person,
        other_persons=[new.pk],
        records=sorted(records),
        reason=reason,
        steward=user,
    )
    return new


def _update(update_families: FamilyUpdate, persons: frozenset[str]) -> None:
    """The family links of the persons a steward changed, at once (in the same
    transaction), as a link run would have left them."""
    if persons:
        update_families(persons)


def _close_review_within(records: list[int]) -> None:
    """Pairs waiting for review whose records are now one person are no longer uncertain."""
    ReviewPair.objects.filter(
        status__in=DECIDABLE, record_a_id__in=records, record_b_id__in=records
    ).update(status=ReviewPair.Status.GONE)


# The audit log


def _record(
    staff: Staff | None,
    action: Action,
    subjects: Iterable[str],
    details: dict,
    records: Iterable[int],
) -> None:
    """The one event of a steward's change, in the change's authority and transaction.
    Never the reason: a steward's reason can quote a name."""
    authority_id = (
        PersonRecord.objects.filter(pk__in=list(records))
        .values_list("source__authority_id", flat=True)
        .first()
    )
    membership = membership_for(staff, Permission.REVIEW_IDENTITY, authority_id)
    record_event(
        staff,
        action,
        subjects=list(subjects),
        details=details,
        authority_id=membership.authority_id if membership else authority_id,
        role=membership.role if membership else "",
    )


def _record_refused(
    staff: Staff | None, action: Action, refused: StewardshipRefused, details: dict
) -> None:
    """A ruling the index refused (its transaction rolled back): the attempt is kept.
    Nothing is named as a subject: what was asked for may be another authority's."""
    membership = membership_for(staff, Permission.REVIEW_IDENTITY)
    record_event(
        staff,
        action,
        outcome=AuditOutcome.REFUSED,
        details={**details, "why": str(refused)},
        authority_id=membership.authority_id if membership else None,
        role=membership.role if membership else "",
    )


def _persons_of(record_ids: list[int]) -> tuple[str, ...]:
    """The persons holding these records now, in the records' order."""
    held = dict(
        LinkedRecord.objects.filter(person_record_id__in=record_ids).values_list(
            "person_record_id", "person_id"
        )
    )
    return tuple(held[r] for r in record_ids if r in held)


# Checks


def _required_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise StewardshipRefused("Enter the reason for your decision")
    return reason


def _authorities(user: AbstractBaseUser) -> list[int]:
    authority_ids = authorities_with(staff_for(user), Permission.REVIEW_IDENTITY)
    if not authority_ids:
        raise StewardshipRefused("Only data stewards can change the person index")
    return authority_ids


def _lock_persons(person_ids: list[str]) -> dict[str, Person]:
    """The persons that exist and are not retired, locked against other changes."""
    return {
        p.pk: p
        for p in Person.objects.select_for_update()
        .filter(pk__in=person_ids, retired_at__isnull=True)
        .order_by("pk")
    }


def _refuse_two_authorities(record_ids: list[int]) -> None:
    """Each council's index is its own: no ruling puts two councils' records together."""
    authorities = set(
        PersonRecord.objects.filter(pk__in=record_ids).values_list(
            "source__authority_id", flat=True
        )
    )
    if len(authorities) > 1:
        raise StewardshipRefused("These records belong to different authorities: never one person")


def _records_in(person: Person | None, person_id: str, authority_ids: list[int]) -> list[int]:
    """The person's records, all of which must be in the steward's authorities."""
    if person is None:
        raise NotFound(f"There is no person {person_id} in your authority's index")
    records = list(
        LinkedRecord.objects.filter(person=person)
        .order_by("person_record_id")
        .values_list("person_record_id", "person_record__source__authority_id")
    )
    if not records or not any(authority in authority_ids for _, authority in records):
        raise NotFound(f"There is no person {person_id} in your authority's index")
    if not all(authority in authority_ids for _, authority in records):
        raise StewardshipRefused(
            f"Person {person_id} has records of another authority: ask a steward who works for both"
        )
    return [r for r, _ in records]


def _active_decisions_between(xs: list[int], ys: list[int]):
    """Steward decisions in force between any record of xs and any of ys."""
    return StewardDecision.objects.filter(
        Q(record_a_id__in=xs, record_b_id__in=ys) | Q(record_a_id__in=ys, record_b_id__in=xs),
        withdrawn_at__isnull=True,
    )


def _refuse_contradiction(xs: list[int], ys: list[int], ruling: str) -> None:
    """Refuse to undo another steward's decision without them seeing it."""
    clash = _active_decisions_between(xs, ys).filter(ruling=ruling).order_by("pk").first()
    if clash is not None:
        said = "are different people" if ruling == "different" else "are the same person"
        raise StewardshipRefused(
            f"A data steward decided on {day_words(timezone.localdate(clash.decided_at))} that "
            f"records {clash.record_a_id} and {clash.record_b_id} {said}: review that "
            "decision first"
        )


def _hard_rule_warnings(xs: list[int], ys: list[int], decided: tuple[int, int] | None) -> list[str]:
    """Pairs across two merged persons that the index's hard rules would keep apart."""
    joined = {
        frozenset((d.record_a_id, d.record_b_id))
        for d in _active_decisions_between(xs, ys).filter(ruling="same")
    }
    if decided:
        joined.add(frozenset(decided))
    by_id = {f["unique_id"]: f for f in record_features(xs + ys)}
    add_child_service_years(by_id)
    adults = thresholds().adult_categories
    warnings = []
    for x in xs:
        for y in ys:
            if frozenset((x, y)) in joined:
                continue
            why = must_stay_apart(by_id[x], by_id[y], adults) or one_source(by_id[x], by_id[y])
            if why:
                warnings.append(
                    f"Records {x} and {y}: {why}. The next link run may separate them "
                    "unless you decide that pair too"
                )
    return warnings
