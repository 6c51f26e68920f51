"""Two Family View deployments on loopback: this test process is Stockport's (the test
database, its own key), and Manchester's runs beside it in processes of its own (its own
database, FAMILYVIEW_VAR_DIR, key and port, served by gunicorn), as a neighbouring council's
would. Real HTTP, real keys, real signatures; Manchester's audit log is read from its own
database."""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from joserfc.jwk import OKPKey

from familyview.peers import keys

REPOSITORY = Path(__file__).resolve().parents[2]
STOCKPORT, MANCHESTER, SALFORD, BOLTON = "stockport", "manchester", "salford", "bolton"
AGREEMENT = "GM-ISA-2026-04"
STOCKPORT_DUTY_LINE = "0161 217 6028"


@dataclass(frozen=True)
class Key:
    """An Ed25519 key pair, as a deployment keeps it (PEM) and as neighbours register it."""

    pem: bytes

    @classmethod
    def new(cls) -> "Key":
        return cls(
            Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    @property
    def okp(self) -> OKPKey:
        return OKPKey.import_key(self.pem)

    @property
    def public(self) -> str:
        return "ed25519:" + str(self.okp.as_dict(private=False)["x"])


@dataclass
class Deployment:
    """A deployment in processes of its own."""

    name: str
    url: str
    env: dict[str, str]
    database_url: str
    public_key: str

    def familyview(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "familyview.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def _query(self, sql: str) -> list[tuple]:
        if self.database_url.startswith("sqlite"):
            with sqlite3.connect(urlsplit(self.database_url).path) as db:
                return db.execute(sql).fetchall()
        with psycopg.connect(self.database_url) as db:
            return db.execute(sql).fetchall()

    def events(self) -> list[dict]:
        """Its audit log, oldest first."""
        rows = self._query(
            "SELECT action, outcome, username, purpose, case_reference, details, subjects, "
            "authority_id FROM audit_event ORDER BY sequence"
        )
        names = ("action", "outcome", "username", "purpose", "case_reference", "details")
        out = []
        for row in rows:
            event = dict(zip(names, row[:6], strict=True))
            for key in ("details",):
                if isinstance(event[key], str):
                    event[key] = json.loads(event[key])
            event["subjects"] = json.loads(row[6]) if isinstance(row[6], str) else row[6]
            event["authority_id"] = row[7]
            out.append(event)
        return out

    def seen_requests(self) -> int:
        return self._query("SELECT count(*) FROM peers_seenrequest")[0][0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _neighbour_database(name: str, tmp: Path) -> tuple[str, callable]:
    """A database of the neighbour's own beside the test database (and how to drop it)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{tmp / (name + '.sqlite3')}", lambda: None
    user, password = db.get("USER") or "postgres", db.get("PASSWORD") or ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    server = f"postgresql://{user}:{password}@{host}:{port}/postgres"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgresql://{user}:{password}@{host}:{port}/{name}", drop


@pytest.fixture(scope="session")
def stockport_key() -> Key:
    return Key.new()


@pytest.fixture(scope="session")
def bolton_key() -> Key:
    return Key.new()


@pytest.fixture(scope="session")
def manchester(stockport_key, bolton_key, tmp_path_factory) -> Iterator[Deployment]:
    """Manchester's deployment: migrated, its records written, Stockport registered (asked
    by it, answering it) and Bolton (answering switched off), served on a port of its own."""
    yield from _deployment(
        MANCHESTER,
        tmp_path_factory,
        [
            (STOCKPORT, stockport_key, "--no-ask", AGREEMENT),
            (BOLTON, bolton_key, "--no-answer", "GM-ISA-2026-05"),
        ],
    )


@pytest.fixture(scope="session")
def salford(stockport_key, tmp_path_factory) -> Iterator[Deployment]:
    """Salford's deployment, a third beside Stockport's and Manchester's: the father is
    known to its adult social care."""
    yield from _deployment(
        SALFORD, tmp_path_factory, [(STOCKPORT, stockport_key, "--no-ask", "GM-ISA-2026-06")]
    )


def _deployment(
    name: str, tmp_path_factory, registrations: list[tuple[str, Key, str, str]]
) -> Iterator[Deployment]:
    """A deployment in processes of its own: its database migrated, its records written
    (tests/peers/neighbour.py), its neighbours registered with `familyview peers add`, its
    key from `familyview peers key`, served by gunicorn on a port of its own."""
    tmp = tmp_path_factory.mktemp(name)
    database_url, drop = _neighbour_database(f"test_fv_{name}_{os.getpid()}", tmp)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=database_url,
        FAMILYVIEW_VAR_DIR=str(tmp / "var"),
        FAMILYVIEW_PEER_NAME=name,
        PYTHONPATH=os.pathsep.join([str(REPOSITORY / "src"), str(REPOSITORY)]),
    )
    port = free_port()
    deployment = Deployment(name, f"http://127.0.0.1:{port}", env, database_url, "")
    server = None
    try:
        done = deployment.familyview("migrate", "-v", "0")
        assert done.returncode == 0, done.stdout + done.stderr
        _seed(deployment)
        for peer, key, switch, agreement in registrations:
            done = deployment.familyview(
                "peers", "add", peer, "http://127.0.0.1:9", key.public, switch,
                "--agreement", agreement, "--duty-line", "0161 234 5001",
            )  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
        printed = deployment.familyview("peers", "key")
        assert printed.returncode == 0, printed.stderr
        said_name, public = printed.stdout.split()
        assert said_name == name
        deployment.public_key = public
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "familyview.wsgi", "--workers", "1",
             "--bind", f"127.0.0.1:{port}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        _wait_for(deployment.url, server)
        yield deployment
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
            server.stderr.close()
        drop()


def _seed(deployment: Deployment) -> None:
    """Its records, written by a process of its own (tests/peers/neighbour.py)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.peers.neighbour", deployment.name],
        env={**deployment.env, "DJANGO_SETTINGS_MODULE": "familyview.settings"},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPOSITORY,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _wait_for(url: str, server: subprocess.Popen) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise AssertionError(f"the neighbour's server stopped: {server.stderr.read()}")
        try:
            requests.get(f"{url}/peer/v1/lookup", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError("the neighbour's server did not start")


@pytest.fixture
def stockport(settings, stockport_key):
    """This process as Stockport's deployment: its name, and its key where it keeps it."""
    settings.FAMILYVIEW_PEER_NAME = STOCKPORT
    path = keys.key_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(stockport_key.pem)
    return stockport_key
