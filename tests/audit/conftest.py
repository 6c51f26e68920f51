"""Audit tests keep their signing key, keyring and journal in a temporary folder."""

from dataclasses import dataclass, field

import pytest


@dataclass(frozen=True)
class Member:
    role: str
    authority_id: int
    authority_code: str = "demo"
    authority_name: str = "Demo Council"
    team: str = ""


@dataclass(frozen=True)
class Actor:
    """Shaped like familyview.access.policy.Staff, which record_event reads."""

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
