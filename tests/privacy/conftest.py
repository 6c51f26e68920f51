"""The privacy office's tests write audit events: their signing key, keyring and journal
are kept in a temporary folder, with a checkpoint every 5 events (as tests/audit/)."""

import pytest


@pytest.fixture(autouse=True)
def audit_key_dir(tmp_path, settings):
    settings.AUDIT_KEY_FILE = tmp_path / "keys" / "checkpoint-key.pem"
    settings.AUDIT_CHECKPOINT_EVERY = 5
    return tmp_path / "keys"
