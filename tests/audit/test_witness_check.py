"""`familyview check --deploy` says when a configured witness cannot be written: a syslog
socket that is not there (docs/deploying.md's settings name `/dev/log`, which only a
syslog daemon makes), an address that is not `host:port`, a witness file whose folder (the
information governance team's mount) is not there or not writable. Otherwise every event
would miss its witness, with only an error in the log for each."""

import socket

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from familyview.audit import witness
from familyview.audit.witness import witness_check


def errors(settings) -> list[str]:
    return [f"{m.id}: {m.msg}" for m in witness_check()]


def test_no_witness_is_no_error(settings):
    settings.AUDIT_WITNESS_FILE = None
    settings.AUDIT_WITNESS_SYSLOG = ""
    assert errors(settings) == []


@pytest.mark.django_db
def test_a_syslog_socket_that_is_not_there_is_an_error(settings, tmp_path):
    settings.AUDIT_WITNESS_SYSLOG = str(tmp_path / "log")

    assert errors(settings) == [
        f"familyview.E002: The audit witness FAMILYVIEW_AUDIT_WITNESS_SYSLOG={tmp_path / 'log'} "
        "cannot be written: there is no syslog socket there."
    ]
    with pytest.raises(SystemCheckError, match=r"familyview\.E002"):
        call_command("check", deploy=True)


def test_a_listening_syslog_socket_is_no_error(settings, tmp_path):
    path = tmp_path / "log"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as daemon:
        daemon.bind(str(path))
        settings.AUDIT_WITNESS_SYSLOG = str(path)
        assert errors(settings) == []


@pytest.mark.parametrize("address", ["loghost", "loghost:syslog", "loghost:70000"])
def test_a_log_server_address_that_is_not_host_and_port_is_an_error(settings, address):
    settings.AUDIT_WITNESS_SYSLOG = address

    assert errors(settings) == [
        f"familyview.E002: The audit witness FAMILYVIEW_AUDIT_WITNESS_SYSLOG={address} "
        "cannot be written: it should be /dev/log (a path) or the log server's host:port."
    ]


def test_a_log_server_by_host_and_port_is_no_error(settings):
    settings.AUDIT_WITNESS_SYSLOG = "127.0.0.1:514"
    assert errors(settings) == []


def test_a_witness_file_whose_folder_is_not_there_is_an_error(settings, tmp_path):
    settings.AUDIT_WITNESS_FILE = tmp_path / "ig-mount" / "familyview.jsonl"

    assert errors(settings) == [
        "familyview.E002: The audit witness FAMILYVIEW_AUDIT_WITNESS_FILE="
        f"{tmp_path / 'ig-mount' / 'familyview.jsonl'} cannot be written: its folder is not "
        "there (is the share it should be on mounted?)."
    ]


def test_a_witness_file_in_a_folder_that_is_there_is_no_error(settings, tmp_path):
    settings.AUDIT_WITNESS_FILE = tmp_path / "familyview.jsonl"
    assert errors(settings) == []


@pytest.mark.django_db
def test_a_witness_file_whose_share_is_not_mounted_is_not_written_here_instead(settings, tmp_path):
    # Where the information governance team's share should be mounted, and is not.
    settings.AUDIT_WITNESS_FILE = tmp_path / "ig-mount" / "familyview.jsonl"

    with pytest.raises(FileNotFoundError):
        witness.send(1, "0" * 64)

    assert not (tmp_path / "ig-mount").exists()
