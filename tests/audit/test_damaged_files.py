"""`familyview audit verify` given files that are not text (a syslog extract with a log
server's binary bytes in it, a keyring or journal damaged on disk) says what is wrong in a
sentence or a finding, never a traceback; the witness lines it can read still count."""

import json

import pytest

from familyview.audit.checkpoints import journal_file, keyring_file
from familyview.audit.models import AuditEvent

from .conftest import run_verify, write_log

pytestmark = pytest.mark.django_db


def findings(output: str) -> list[str]:
    return [line for line in output.splitlines() if " at event " in line]


def test_a_witness_extract_with_bytes_that_are_not_text_is_read_around_them(practitioner, tmp_path):
    events = write_log(practitioner, 3)
    extract = tmp_path / "syslog-extract.txt"
    lines = [json.dumps({"sequence": e.sequence, "hash": e.hash}).encode() for e in events[:2]]
    extract.write_bytes(
        b"Dec  7 09:00:01 web1 familyview-audit: " + lines[0] + b"\n"
        b"Dec  7 09:00:02 web1 kernel: \xff\xfe\x00 a line of the log server's own\n"
        b"Dec  7 09:00:03 web1 familyview-audit: " + lines[1] + b"\n"
    )

    intact, output = run_verify("--witness", str(extract))

    assert not intact
    assert findings(output) == [
        "inserted at event 3: event 3 was not written by Family View: the witness never saw it"
    ]


def test_a_keyring_that_is_not_text_is_one_sentence(practitioner):
    write_log(practitioner, 6)  # a checkpoint at 5: the keyring exists
    keyring_file().write_bytes(b"\xff\xfe not a keyring\n")

    intact, output = run_verify()

    assert not intact
    assert output.splitlines()[-1] == f"{keyring_file()} is not text: put back a copy of it"


def test_a_journal_line_that_is_not_text_is_a_finding(
    practitioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        write_log(practitioner, 6)
    with journal_file().open("ab") as f:
        f.write(b"\xff\xfe\n")
    assert AuditEvent.objects.count() == 6

    intact, output = run_verify()

    assert not intact
    assert "checkpoint at event 0: the checkpoint journal has a damaged line" in findings(output)
