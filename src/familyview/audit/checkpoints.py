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
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from familyview.audit import chain
from familyview.audit.head import chain_head, lock_chain
from familyview.audit.models import AuditCheckpoint

SIGNATURE_CONTEXT = b"familyview-audit-checkpoint\n"


class AuditKeyError(RuntimeError):
    """The signing key or keyring cannot be used (the message says why and what to do)."""


def _audit_dir() -> Path:
    return Path(getattr(settings, "VAR_DIR", Path("var"))) / "audit"


def key_file() -> Path:
    """Where the private signing key lives (outside the database)."""
    configured = getattr(settings, "AUDIT_KEY_FILE", None) or os.environ.get(
        "FAMILYVIEW_AUDIT_KEY_FILE"
    )
    return Path(configured) if configured else _audit_dir() / "checkpoint-key.pem"


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
        _key_cache[cache_key] = loaded
    return _key_cache[cache_key]


def load_keyring(path: Path | None = None) -> dict[str, Ed25519PublicKey]:
    """The public keys in a keyring file by key id; empty when the file does not exist."""
    path = path or keyring_file()
    keys: dict[str, Ed25519PublicKey] = {}
    if not path.exists():
        return keys
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
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


def _message(sequence: int, event_hash: str, signed_at: str, key_id: str) -> bytes:
    payload = {
        "sequence": sequence,
        "event_hash": event_hash,
        "signed_at": signed_at,
        "key_id": key_id,
    }
    return SIGNATURE_CONTEXT + chain.canonical_json(payload).encode("utf-8")


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint as read from the database or the journal."""

    sequence: int
    event_hash: str
    signed_at: str
    key_id: str
    signature: str

    @classmethod
    def from_row(cls, row: AuditCheckpoint) -> SignedCheckpoint:
        return cls(
            row.sequence,
            row.event_hash,
            chain.format_time(row.signed_at),
            row.key_id,
            row.signature,
        )

    def signature_problem(self, keyring: dict[str, Ed25519PublicKey]) -> str | None:
        """Why this checkpoint's signature cannot be trusted, or None when it is good."""
        public_key = keyring.get(self.key_id)
        if public_key is None:
            return f"signed with key {self.key_id}, which is not in the keyring"
        try:
            signature = base64.b64decode(self.signature, validate=True)
            public_key.verify(
                signature, _message(self.sequence, self.event_hash, self.signed_at, self.key_id)
            )
        except (InvalidSignature, ValueError):
            return "its signature does not match what it says"
        return None


def _append_to_journal(checkpoint: SignedCheckpoint) -> None:
    path = journal_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    line = chain.canonical_json(checkpoint.__dict__) + "\n"
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
    with path.open(encoding="utf-8") as f:
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
                    )
                )
            except (ValueError, KeyError, TypeError):
                found.append(SignedCheckpoint(-1, "", "", "", ""))
    return sorted(found, key=lambda c: c.sequence)


def write_checkpoint(sequence: int, event_hash: str) -> AuditCheckpoint:
    """Sign and store a checkpoint of event `sequence` (once; an existing one is returned).

    Call inside the transaction that holds the chain lock. The journal line is written
    when the transaction commits, so a rolled-back event never has a checkpoint.
    """
    existing = AuditCheckpoint.objects.filter(sequence=sequence).first()
    if existing:
        return existing
    key = signing_key()
    key_id = key_id_of(key.public_key())
    signed_at = timezone.now()
    signed_text = chain.format_time(signed_at)
    signature = key.sign(_message(sequence, event_hash, signed_text, key_id))
    row = AuditCheckpoint.objects.create(
        sequence=sequence,
        event_hash=event_hash,
        signed_at=signed_at,
        key_id=key_id,
        signature=base64.b64encode(signature).decode("ascii"),
    )
    signed = SignedCheckpoint.from_row(row)
    transaction.on_commit(lambda: _append_to_journal(signed))
    return row


def checkpoint_now() -> AuditCheckpoint | None:
    """Sign a checkpoint of the newest event now (None when the log is empty)."""
    with transaction.atomic():
        lock_chain()
        sequence, head_hash = chain_head()
        if sequence == 0:
            return None
        return write_checkpoint(sequence, head_hash)
