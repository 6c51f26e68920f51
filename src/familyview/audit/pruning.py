"""Removing old audit events by retention, without breaking verification.

The log may only be cut at a signed checkpoint: `prune_through(n)` removes events 1 to n
(and the checkpoints before n) and leaves a signed retention floor saying so, so that
`familyview audit verify` then expects the log to start at n + 1, linked to event n's
hash. Someone without the signing key cannot pass off deleted events as retention: the
floor is signed with the checkpoint key here, and `floor_signature_problem` is how
verify.py checks it.

Removal has to get past the append-only triggers, so on PostgreSQL it must run as the
audit tables' owner (not the application's everyday role), and it holds an exclusive
lock on the audit tables until it commits: run it at a quiet time (retention runs do).
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import transaction
from django.utils import timezone

from familyview.audit import chain, checkpoints
from familyview.audit.events import record_event
from familyview.audit.head import lock_chain
from familyview.audit.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditEventSubject,
    AuditRetentionFloor,
)
from familyview.audit.protection import triggers_suspended

BATCH = 10_000
FLOOR_CONTEXT = b"familyview-audit-retention-floor\n"


class PruneRefused(ValueError):
    """The log cannot be cut where asked (the message says why)."""


@dataclass(frozen=True)
class PruneResult:
    through_sequence: int
    events_removed: int
    floor: AuditRetentionFloor


def _floor_message(floor: AuditRetentionFloor) -> bytes:
    payload = {
        "through_sequence": floor.through_sequence,
        "event_hash": floor.event_hash,
        "removed_at": chain.format_time(floor.removed_at),
        "events_removed": floor.events_removed,
        "key_id": floor.key_id,
    }
    return FLOOR_CONTEXT + chain.canonical_json(payload).encode("utf-8")


def sign_floor(floor: AuditRetentionFloor) -> None:
    """Fill in the floor's key id and signature with the current signing key."""
    key = checkpoints.signing_key()
    floor.key_id = checkpoints.key_id_of(key.public_key())
    floor.signature = base64.b64encode(key.sign(_floor_message(floor))).decode("ascii")


def floor_signature_problem(
    floor: AuditRetentionFloor, keyring: dict[str, Ed25519PublicKey]
) -> str | None:
    """Why this retention floor cannot be trusted, or None when its signature is good."""
    public_key = keyring.get(floor.key_id)
    if public_key is None:
        return f"signed with key {floor.key_id}, which is not in the keyring"
    try:
        public_key.verify(base64.b64decode(floor.signature, validate=True), _floor_message(floor))
    except (InvalidSignature, ValueError):
        return "its signature does not match what it says"
    return None


def newest_checkpoint_before(when: dt.datetime) -> int | None:
    """The newest checkpointed event that happened before `when`: where the log may be cut
    to drop what is older (None when there is none)."""
    return (
        AuditEvent.objects.filter(
            occurred_at__lt=when, sequence__in=AuditCheckpoint.objects.values("sequence")
        )
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )


def prune_through(sequence: int) -> PruneResult:
    """Remove events 1 to `sequence`, which must be a checkpoint that verifies, and
    record the removal (a signed floor and an "audit.pruned" event), in one transaction."""
    with transaction.atomic():
        lock_chain()
        checkpoint = AuditCheckpoint.objects.filter(sequence=sequence).first()
        if checkpoint is None:
            raise PruneRefused(f"event {sequence} has no checkpoint: the log is cut only there")
        signed = checkpoints.SignedCheckpoint.from_row(checkpoint)
        problem = signed.signature_problem(checkpoints.load_keyring())
        if problem:
            raise PruneRefused(f"the checkpoint of event {sequence} is not trustworthy: {problem}")
        event_hash = (
            AuditEvent.objects.filter(sequence=sequence).values_list("hash", flat=True).first()
        )
        if event_hash != checkpoint.event_hash:
            raise PruneRefused(
                f"event {sequence} does not match its checkpoint: run familyview audit verify"
            )
        floor_before = (
            AuditRetentionFloor.objects.order_by("-through_sequence")
            .values_list("through_sequence", flat=True)
            .first()
            or 0
        )
        if sequence <= floor_before:
            raise PruneRefused(f"events up to {floor_before} have been removed already")
        removed = AuditEvent.objects.filter(sequence__lte=sequence).count()
        floor = AuditRetentionFloor(
            through_sequence=sequence,
            event_hash=event_hash,
            removed_at=timezone.now(),
            events_removed=removed,
        )
        sign_floor(floor)
        floor.save(force_insert=True)
        with triggers_suspended():
            start = floor_before + 1
            while start <= sequence:
                end = min(start + BATCH - 1, sequence)
                AuditEventSubject.objects.filter(event_id__gte=start, event_id__lte=end).delete()
                # Through the ORM, so that rows of other apps linking to these events (the
                # evidence of privacy alerts) go too.
                AuditEvent.objects.filter(sequence__range=(start, end)).delete()
                start = end + 1
            AuditCheckpoint.objects.filter(sequence__lt=sequence).delete()
        record_event(
            None,
            "audit.pruned",
            details={"through_sequence": sequence, "events_removed": removed},
        )
    return PruneResult(sequence, removed, floor)
