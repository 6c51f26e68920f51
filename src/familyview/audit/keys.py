"""Rotating the checkpoint signing key (docs/audit.md, "Rotating the key")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from familyview.audit import checkpoints
from familyview.audit.events import record_event


@dataclass(frozen=True)
class Rotation:
    old_key_id: str | None
    new_key_id: str
    retired_key_file: Path | None
    last_old_checkpoint: int | None
    first_new_checkpoint: int


def rotate_key() -> Rotation:
    """Close the old key's era with a checkpoint, retire its file, start a new key.

    The retired private key is moved aside (not deleted, so that nothing is lost if the
    new key's file cannot be written); the operator destroys it once the new public key is
    in every copy of the keyring. The rotation is itself an audit event, signed with the
    new key at once.
    """
    path = checkpoints.key_file()
    old_key_id = None
    retired = None
    last_old = None
    if path.exists():
        old_key_id = checkpoints.key_id_of(checkpoints.signing_key(create=False).public_key())
        closing = checkpoints.checkpoint_now()
        last_old = closing.sequence if closing else None
        stamp = timezone.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        retired = path.with_name(f"{path.name}.retired-{stamp}")
        path.rename(retired)
    new_key = checkpoints.signing_key(create=True)
    new_key_id = checkpoints.key_id_of(new_key.public_key())
    with transaction.atomic():
        event = record_event(
            None,
            "admin.audit_key_rotated",
            details={"old_key_id": old_key_id, "new_key_id": new_key_id},
        )
        checkpoints.write_checkpoint(event.sequence, event.hash)
    return Rotation(old_key_id, new_key_id, retired, last_old, event.sequence)
