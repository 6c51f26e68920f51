"""Signed checkpoints of the audit chain, and the key that signs them.

A checkpoint says "event N of this log had hash H", signed with an Ed25519 private key
kept in a file OUTSIDE the database (settings.AUDIT_KEY_FILE, from FAMILYVIEW_AUDIT_KEY_FILE).
Someone who can change the database can recompute every hash of the chain, but cannot sign
a checkpoint, so verification against checkpoints finds rewritten history; verification
needs only the public keys (the keyring file, settings.AUDIT_PUBLIC_KEYS_FILE, a copy of
which the council keeps elsewhere).

Each checkpoint is written twice: as a row of audit_checkpoint, and, once the transaction
commits, as a line of the checkpoint journal file beside the key, so that deleting
checkpoint rows together with the events they cover is found as well.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from familyview.audit import chain, database_files
from familyview.audit.head import chain_head, lock_chain
from familyview.audit.models import AuditCheckpoint, AuditEvent, AuditRetentionFloor

SIGNATURE_CONTEXT = b"familyview-audit-checkpoint\n"

logger = logging.getLogger(__name__)


class AuditKeyError(RuntimeError):
    """The signing key or keyring cannot be used (the message says why and what to do)."""


def _audit_dir() -> Path:
    """This database's own audit folder: `$FAMILYVIEW_VAR_DIR/<database name>/audit`."""
    return database_files.database_folder() / "audit"


def _earlier_release_dir() -> Path:
    """Where releases before the per-database folders kept every database's audit files."""
    return Path(settings.VAR_DIR) / "audit"


def key_file() -> Path:
    """Where the private signing key lives (outside the database)."""
    configured = getattr(settings, "AUDIT_KEY_FILE", None) or os.environ.get(
        "FAMILYVIEW_AUDIT_KEY_FILE"
    )
    return Path(configured) if configured else _audit_dir() / "checkpoint-key.pem"


def _refuse_earlier_release_files(path: Path) -> None:
    """A key about to be made in this database's folder while an earlier release's key is
    in the shared one: that key (and its journal) may be this database's; say where."""
    configured = getattr(settings, "AUDIT_KEY_FILE", None) or os.environ.get(
        "FAMILYVIEW_AUDIT_KEY_FILE"
    )
    earlier = _earlier_release_dir() / "checkpoint-key.pem"
    if not configured and not path.exists() and earlier.exists():
        raise AuditKeyError(
            f"the audit files of an earlier release are in {earlier.parent}, shared by every "
            f"database run from this folder: if they are this database's, move them to "
            f"{path.parent} (else to the folder of the database they belong to)"
        )


def keyring_file() -> Path:
    """The public keys that checkpoints may be signed with, one line per key."""
    configured = getattr(settings, "AUDIT_PUBLIC_KEYS_FILE", None) or os.environ.get(
        "FAMILYVIEW_AUDIT_PUBLIC_KEYS_FILE"
    )
    return Path(configured) if configured else key_file().with_name("audit-public-keys.txt")


def journal_file() -> Path:
    """The append-only file copy of every checkpoint."""
    configured = getattr(settings, "AUDIT_CHECKPOINT_JOURNAL", None) or os.environ.get(
        "FAMILYVIEW_AUDIT_CHECKPOINT_JOURNAL"
    )
    return Path(configured) if configured else key_file().with_name("audit-checkpoints.jsonl")


def public_key_text(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint naming a key: the first 16 hex digits of SHA-256 of its bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


_key_cache: dict[tuple[str, float], Ed25519PrivateKey] = {}


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: never overwrite a key; 0600 from the start, not chmod-ed afterwards.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def add_to_keyring(public_key: Ed25519PublicKey, path: Path | None = None) -> str:
    """Add a public key to the keyring (once) and return its key id."""
    path = path or keyring_file()
    key_id = key_id_of(public_key)
    if key_id in load_keyring(path):
        return key_id
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    added = timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with path.open("a", encoding="utf-8") as f:
        f.write(f"{key_id} {public_key_text(public_key)} {added}\n")
    return key_id


def signing_key(create: bool = True) -> Ed25519PrivateKey:
    """The private signing key from key_file(); made on first use (demo) when `create`."""
    path = key_file()
    if not path.exists():
        _refuse_earlier_release_files(path)
        if not create:
            raise AuditKeyError(f"no audit signing key at {path}")
        key = Ed25519PrivateKey.generate()
        try:
            _write_private(path, key)
        except FileExistsError:
            pass  # another process made it first; use theirs
        else:
            add_to_keyring(key.public_key())
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuditKeyError(
            f"the audit signing key {path} can be read by others: run chmod 600 on it"
        )
    cache_key = (str(path), path.stat().st_mtime)
    if cache_key not in _key_cache:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise AuditKeyError(f"{path} does not hold an Ed25519 private key")
        _key_cache.clear()
        _seal_keys.clear()
        _key_cache[cache_key] = loaded
    return _key_cache[cache_key]


_seal_keys: dict[int, bytes] = {}


def _seal_key(key: Ed25519PrivateKey) -> bytes:
    """The key events are sealed with, derived from the signing key (one secret to keep)."""
    if id(key) not in _seal_keys:
        raw = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        _seal_keys[id(key)] = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"familyview audit seal"
        ).derive(raw)
    return _seal_keys[id(key)]


def seal(event_hash: str, key: Ed25519PrivateKey | None = None) -> str:
    """Family View's seal on an event: a keyed digest of its hash. Anyone can compute an
    event's hash; only the holder of the signing key can seal it, so an event appended by
    someone with the database's INSERT right alone carries no seal that fits."""
    secret = _seal_key(key or signing_key())
    return hmac.new(secret, event_hash.encode("ascii"), hashlib.sha256).hexdigest()


def load_keyring(path: Path | None = None) -> dict[str, Ed25519PublicKey]:
    """The public keys in a keyring file by key id; empty when the file does not exist."""
    path = path or keyring_file()
    keys: dict[str, Ed25519PublicKey] = {}
    if not path.exists():
        return keys
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise AuditKeyError(f"{path} is not text: put back a copy of it") from None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        try:
            public_key = Ed25519PublicKey.from_public_bytes(base64.b64decode(parts[1]))
        except (IndexError, ValueError) as e:
            raise AuditKeyError(f"{path} line {number} is not '<key id> <public key>'") from e
        keys[key_id_of(public_key)] = public_key
    return keys


def _message(
    sequence: int,
    event_hash: str,
    signed_at: str,
    key_id: str,
    unsealed: tuple[int, ...] = (),
) -> bytes:
    payload: dict = {
        "sequence": sequence,
        "event_hash": event_hash,
        "signed_at": signed_at,
        "key_id": key_id,
    }
    if unsealed:
        # Only when there are some: every checkpoint signed before seals reads as it did.
        payload["unsealed"] = list(unsealed)
    return SIGNATURE_CONTEXT + chain.canonical_json(payload).encode("utf-8")


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint as read from the database or the journal."""

    sequence: int
    event_hash: str
    signed_at: str
    key_id: str
    signature: str
    # Events since the checkpoint before found without Family View's seal.
    unsealed: tuple[int, ...] = ()

    @classmethod
    def from_row(cls, row: AuditCheckpoint) -> SignedCheckpoint:
        return cls(
            row.sequence,
            row.event_hash,
            chain.format_time(row.signed_at),
            row.key_id,
            row.signature,
            tuple(int(s) for s in row.unsealed or ()),
        )

    def as_line(self) -> str:
        """The checkpoint as one line of JSON (the journal's)."""
        fields = dict(self.__dict__)
        if not self.unsealed:
            del fields["unsealed"]
        return chain.canonical_json(fields) + "\n"

    def signature_problem(self, keyring: dict[str, Ed25519PublicKey]) -> str | None:
        """Why this checkpoint's signature cannot be trusted, or None when it is good."""
        public_key = keyring.get(self.key_id)
        if public_key is None:
            return f"signed with key {self.key_id}, which is not in the keyring"
        try:
            signature = base64.b64decode(self.signature, validate=True)
            public_key.verify(
                signature,
                _message(
                    self.sequence, self.event_hash, self.signed_at, self.key_id, self.unsealed
                ),
            )
        except (InvalidSignature, ValueError):
            return "its signature does not match what it says"
        return None


def _append_to_journal(checkpoint: SignedCheckpoint) -> None:
    path = journal_file()
    database_files.claim(path.parent)
    line = checkpoint.as_line()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(line)


def read_journal(path: Path | None = None) -> list[SignedCheckpoint]:
    """Every checkpoint in the journal file (empty when there is none), by sequence;
    damaged lines are returned as they are (first) so that verification reports them.

    Lines are appended as each checkpoint's transaction commits, so two writers that
    commit at once can append theirs out of sequence order."""
    path = path or journal_file()
    if not path.exists():
        return []
    found = []
    # A byte that is not text makes its line damaged (reported), not the whole file unread.
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                found.append(
                    SignedCheckpoint(
                        int(data["sequence"]),
                        str(data["event_hash"]),
                        str(data["signed_at"]),
                        str(data["key_id"]),
                        str(data["signature"]),
                        tuple(int(s) for s in data.get("unsealed", ())),
                    )
                )
            except (ValueError, KeyError, TypeError):
                found.append(SignedCheckpoint(-1, "", "", "", ""))
    return sorted(found, key=lambda c: c.sequence)


def _sealed_since(sequence: int, key: Ed25519PrivateKey) -> int:
    """Where the events this checkpoint must look at begin: after the newest earlier
    checkpoint that carries a good signature (a row without one may be anyone's), or after
    the events removed by retention."""
    keyring = load_keyring()
    earlier = AuditCheckpoint.objects.filter(sequence__lt=sequence).order_by("-sequence")
    # Newest first, a few rows at a time: the newest is nearly always the one.
    for row in earlier.iterator(chunk_size=10):
        if SignedCheckpoint.from_row(row).signature_problem(keyring) is None:
            return row.sequence
    floor = AuditRetentionFloor.objects.order_by("-through_sequence").first()
    return floor.through_sequence if floor else 0


def unsealed_events(after: int, through: int, key: Ed25519PrivateKey) -> tuple[int, ...]:
    """Events after `after` up to `through` without a seal of this key that fits: not
    written by Family View. Events from before seals existed (before the first sealed
    event) have none and are left out; only these events are read, however long the log."""
    events = list(
        AuditEvent.objects.filter(sequence__gt=after, sequence__lte=through)
        .order_by("sequence")
        .values_list("sequence", "hash", "seal")
    )
    sealed_before = AuditEvent.objects.filter(sequence=after).exclude(seal=None).exists()
    if not sealed_before:
        first = next((i for i, (_, _, s) in enumerate(events) if s is not None), len(events))
        events = events[first:]
    return tuple(
        sequence
        for sequence, event_hash, event_seal in events
        if not hmac.compare_digest(event_seal or "", seal(event_hash, key))
    )


def write_checkpoint(sequence: int, event_hash: str) -> AuditCheckpoint:
    """Sign and store a checkpoint of event `sequence` (once: an existing one with a good
    signature is returned; one without is not Family View's, and ours goes to the journal).

    Before signing, the events since the checkpoint before are checked for Family View's
    seal: any without one (appended by someone else) is named in the checkpoint, under
    its signature, so that `familyview audit verify` reports it from then on.
    Call inside the transaction that holds the chain lock. The journal line is written
    when the transaction commits, so a rolled-back event never has a checkpoint.
    """
    existing = AuditCheckpoint.objects.filter(sequence=sequence).first()
    if existing and SignedCheckpoint.from_row(existing).signature_problem(load_keyring()) is None:
        return existing
    key = signing_key()
    key_id = key_id_of(key.public_key())
    unsealed = unsealed_events(_sealed_since(sequence, key), sequence, key)
    signed_at = timezone.now()
    signed_text = chain.format_time(signed_at)
    signature = key.sign(_message(sequence, event_hash, signed_text, key_id, unsealed))
    row = AuditCheckpoint(
        sequence=sequence,
        event_hash=event_hash,
        signed_at=signed_at,
        key_id=key_id,
        signature=base64.b64encode(signature).decode("ascii"),
        unsealed=list(unsealed) or None,
    )
    if existing:
        # A row in this checkpoint's place without a good signature was not written by
        # Family View (the INSERT right allows it). Ours cannot sit beside it (one per
        # event): the journal keeps it, and `audit verify` reports the row.
        logger.error(
            "The audit checkpoint of event %s is kept in the journal only: the database "
            "already holds a row for that event without a good signature.",
            sequence,
        )
    else:
        row.save(force_insert=True)
    signed = SignedCheckpoint.from_row(row)
    transaction.on_commit(lambda: _append_to_journal(signed))
    return row


def checkpoint_now() -> AuditCheckpoint | None:
    """Sign a checkpoint of the newest event now (None when the log is empty)."""
    signing_key()  # a key that cannot be used is said so, even with nothing new to sign
    with transaction.atomic():
        lock_chain()
        sequence, head_hash = chain_head()
        if sequence == 0:
            return None
        return write_checkpoint(sequence, head_hash)
