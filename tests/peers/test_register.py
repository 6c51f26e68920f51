"""`familyview peers add | list | key`: the register of neighbouring deployments and this
deployment's own key (docs/peers.md)."""

import io
import stat

import pytest
from django.core.management import CommandError, call_command

from familyview.access.factories import create_authority
from familyview.audit.models import AuditEvent
from familyview.peers import keys
from familyview.peers.models import Peer
from tests.peers.conftest import Key

pytestmark = pytest.mark.django_db


def peers(*args: str) -> str:
    out = io.StringIO()
    call_command("peers", *args, stdout=out)
    return out.getvalue()


def add(name: str = "manchester", *extra: str, key: str | None = None) -> str:
    return peers(
        "add",
        name,
        "https://familyview.manchester.example.gov.uk",
        key or Key.new().public,
        "--agreement",
        "GM-ISA-2026-04",
        "--duty-line",
        "0161 217 6028",
        *extra,
    )


def test_the_key_is_made_once_readable_by_its_owner_only_and_printed_with_the_name(settings):
    create_authority("stockport", "Stockport Council")
    settings.FAMILYVIEW_PEER_NAME = "stockport"

    printed = peers("key").split()

    assert printed[0] == "stockport"
    assert printed[1].startswith("ed25519:") and len(printed[1]) == len("ed25519:") + 43
    path = keys.key_file()
    assert path.parent.name == "peers"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert peers("key").split() == printed  # the same key, not a new one
    # The folder is this database's (audit/database_files.py), with its identity file.
    assert (path.parent.parent / "database.toml").exists()


def test_a_key_readable_by_others_is_refused(settings):
    settings.FAMILYVIEW_PEER_NAME = "stockport"
    peers("key")
    keys.key_file().chmod(0o644)

    with pytest.raises(CommandError, match="can be read by others: run chmod 600"):
        peers("key")


def test_without_a_name_there_is_no_key_to_give(settings):
    settings.FAMILYVIEW_PEER_NAME = ""

    with pytest.raises(CommandError, match="FAMILYVIEW_PEER_NAME is not set"):
        peers("key")


def test_a_peer_is_added_listed_changed_and_each_change_recorded():
    create_authority("stockport", "Stockport Council")

    said = add("manchester", "--no-answer")

    assert "manchester (https://familyview.manchester.example.gov.uk) registered for " in said
    assert "asking on, answering off" in said
    listed = peers("list")
    assert listed.startswith("manchester\thttps://familyview.manchester.example.gov.uk\tstockport")
    assert "agreement GM-ISA-2026-04\tasking on\tanswering off" in listed
    add("manchester", "--no-ask")
    peer = Peer.objects.get()
    assert (peer.ask, peer.answer) == (False, True)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [
        "admin.peer_added",
        "admin.peer_changed",
    ]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("Man chester",), "may hold only lower-case letters, digits, - and _"),
        (("Manchester",), "must be lower case"),
    ],
)
def test_a_bad_name_is_refused(args, said):
    create_authority("stockport")
    with pytest.raises(CommandError, match=said):
        add(*args)
    assert not Peer.objects.exists()


def test_a_key_that_is_not_an_ed25519_public_key_is_refused():
    create_authority("stockport")
    with pytest.raises(CommandError, match='"ed25519:" and 43 base64url characters'):
        add(key="ed25519:not-a-key")
    assert not Peer.objects.exists()


def test_a_web_address_that_is_not_one_is_refused():
    create_authority("stockport")
    with pytest.raises(CommandError, match="is not a web address"):
        peers(
            "add", "manchester", "familyview.manchester", Key.new().public,
            "--agreement", "A-1", "--duty-line", "0161 217 6028",
        )  # fmt: skip


def test_with_two_councils_here_the_agreements_council_must_be_named():
    create_authority("stockport")
    create_authority("trafford")
    with pytest.raises(CommandError, match="more than one council: say which with --authority"):
        add()
    with pytest.raises(CommandError, match="no council here has the code 'bury'"):
        add("manchester", "--authority", "bury")
    add("manchester", "--authority", "trafford")
    assert Peer.objects.get().authority.code == "trafford"


def test_the_agreement_reference_is_required():
    create_authority("stockport")
    with pytest.raises(CommandError, match="--agreement"):
        peers("add", "manchester", "https://m.example.gov.uk", Key.new().public)


@pytest.mark.parametrize(
    "url",
    ["http://familyview.manchester.example.gov.uk", "http://10.20.0.5:8000", "ftp://x.example"],
)
def test_a_neighbour_is_asked_over_https_only_but_on_this_machine(url):
    """NHS numbers, dates of birth, the worker's name and purpose go in the request: the
    signature stops them being changed, not read, so only TLS keeps them from the network."""
    create_authority("stockport", "Stockport Council")

    with pytest.raises(CommandError, match="https://"):
        peers(
            "add", "manchester", url, Key.new().public,
            "--agreement", "GM-ISA-2026-04", "--duty-line", "0161 217 6028",
        )  # fmt: skip

    assert not Peer.objects.exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8001", "http://localhost:8001"])
def test_a_neighbour_on_this_machine_may_be_asked_over_http(url):
    create_authority("stockport", "Stockport Council")

    peers(
        "add", "manchester", url, Key.new().public,
        "--agreement", "GM-ISA-2026-04", "--duty-line", "0161 217 6028",
    )  # fmt: skip

    assert Peer.objects.get().url == url
