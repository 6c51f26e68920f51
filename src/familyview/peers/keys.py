"""This deployment's own signing key for requests to, and answers from, its neighbours.

An Ed25519 key, made on first use, kept outside the database in this database's own
folder (`$FAMILYVIEW_VAR_DIR/<database name>/peers/deployment-key.pem`, 0600), as the
audit log's key is (audit/database_files.py). Its public half, base64url as `familyview
peers key` prints it, is what each neighbour registers with `familyview peers add`.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc.jwk import OKPKey

from familyview.audit.database_files import claim, database_folder

KEY_FILE = "deployment-key.pem"
PREFIX = "ed25519:"


class PeerKeyError(RuntimeError):
    """The deployment's key, or a peer's public key, cannot be used (the message says why)."""


def key_file() -> Path:
    return database_folder() / "peers" / KEY_FILE


def deployment_key() -> OKPKey:
    """This deployment's private key (made on first use), as joserfc signs with it."""
    path = key_file()
    if not path.exists():
        claim(database_folder())
        path.parent.mkdir(mode=0o700, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PeerKeyError(f"the deployment key {path} can be read by others: run chmod 600 on it")
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise PeerKeyError(f"{path} does not hold an Ed25519 private key")
    return OKPKey.import_key(path.read_bytes())


def public_key_text() -> str:
    """This deployment's public key as neighbours register it: "ed25519:" and 43 base64url
    characters (the prefix says what it is, and keeps a key that starts with "-" from
    being taken for an option on a command line)."""
    return PREFIX + str(deployment_key().as_dict(private=False)["x"])


def peer_key(text: str) -> OKPKey:
    """A peer's registered public key ("ed25519:" and the base64url of its 32 bytes), as
    joserfc checks with."""
    text = text.strip().removeprefix(PREFIX)
    try:
        if len(text) != 43:
            raise ValueError(text)
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise PeerKeyError(
            "the public key is not an Ed25519 public key as `familyview peers key` prints "
            'it ("ed25519:" and 43 base64url characters)'
        ) from None
    return OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": text})
