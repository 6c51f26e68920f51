"""Production mode cannot be configured into danger: the real server (gunicorn on
`familyview.wsgi`, and `familyview runserver`) refuses to start, in one sentence and without
a traceback, under each dangerous setting; the configuration docs/deploying.md describes
starts, and `familyview check --deploy` finds nothing in it."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from familyview.access.demo import create_demo_accounts, disable_demo_accounts
from familyview.access.models import Authority
from familyview.audit.models import AuditEvent
from familyview.audit.protection import triggers_suspended
from familyview.production import LOCAL_SECRET_KEY, published_second_factor_key

pytestmark = pytest.mark.slow

SECRET_KEY = "a-council's-own-key-" + "q7Zp2mX9" * 6
SECOND_FACTOR_KEY = Fernet.generate_key().decode()
HOST = "familyview.example.gov.uk"  # as docs/deploying.md names it
REFUSED = "familyview: production mode will not start: "
# gunicorn's master exits with this when the application cannot load (and does not retry).
APPLICATION_CANNOT_LOAD = 4


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def documented_settings() -> dict[str, str]:
    """The settings file of docs/deploying.md's checklist, as written there."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "deploying.md").read_text()
    checklist = text.split("### Checklist", 1)[1].split("\n### ", 1)[0]
    return dict(re.findall(r"^ {7}(FAMILYVIEW_[A-Z_]+|DATABASE_URL)=(.+)$", checklist, re.M))


def production_env(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    """The settings docs/deploying.md describes (its placeholders and paths made real
    here), with `changes` (None removes one)."""
    documented = documented_settings()
    assert documented["FAMILYVIEW_ENV"] == "production"
    assert documented["FAMILYVIEW_ALLOWED_HOSTS"] == HOST
    # Placeholders for the council's own keys: made here.
    assert documented["FAMILYVIEW_SECRET_KEY"].startswith("<")
    assert documented["FAMILYVIEW_SECOND_FACTOR_KEY"].startswith("<")
    env = {
        **os.environ,
        **documented,
        "DATABASE_URL": database_url(),
        "FAMILYVIEW_VAR_DIR": str(tmp_path),
        "FAMILYVIEW_SECRET_KEY": SECRET_KEY,
        "FAMILYVIEW_SECOND_FACTOR_KEY": SECOND_FACTOR_KEY,
        "FAMILYVIEW_AUDIT_KEY_FILE": str(tmp_path / "keys" / "checkpoint-key.pem"),
    }
    # (The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for this process: not a server's.)
    for name in (
        "FAMILYVIEW_DEBUG",
        "FAMILYVIEW_SECURE_COOKIES",
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    ):
        env.pop(name, None)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server(kind: str, port: int) -> list[str]:
    if kind == "gunicorn":
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "familyview.wsgi",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
        ]
    return [sys.executable, "-m", "familyview.cli", "runserver", "--noreload", f"127.0.0.1:{port}"]


def start_refused(kind: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Start the server; it must stop by itself (a refusal), so a time-out fails the test."""
    return subprocess.run(
        server(kind, free_port()), env=env, capture_output=True, text=True, timeout=60
    )


DANGERS = {
    "debug pages on": (
        {"FAMILYVIEW_DEBUG": "1"},
        "FAMILYVIEW_DEBUG is on: a server error would show the settings",
    ),
    "no secret key": ({"FAMILYVIEW_SECRET_KEY": None}, "FAMILYVIEW_SECRET_KEY is not set"),
    "the published local key": (
        {"FAMILYVIEW_SECRET_KEY": LOCAL_SECRET_KEY},
        "FAMILYVIEW_SECRET_KEY is a published key",
    ),
    "a short secret key": (
        {"FAMILYVIEW_SECRET_KEY": "council-secret"},
        "FAMILYVIEW_SECRET_KEY is too short to be safe",
    ),
    "no second-factor key": (
        {"FAMILYVIEW_SECOND_FACTOR_KEY": None},
        "FAMILYVIEW_SECOND_FACTOR_KEY is not set",
    ),
    "the demo's second-factor key": (
        {"FAMILYVIEW_SECOND_FACTOR_KEY": published_second_factor_key()},
        "FAMILYVIEW_SECOND_FACTOR_KEY is the demo's",
    ),
    "any host": (
        {"FAMILYVIEW_ALLOWED_HOSTS": f"{HOST},*"},
        "FAMILYVIEW_ALLOWED_HOSTS allows any host name",
    ),
    "cookies without HTTPS": (
        {"FAMILYVIEW_SECURE_COOKIES": "0"},
        "FAMILYVIEW_SECURE_COOKIES is off",
    ),
    "no audit checkpoints": (
        {"FAMILYVIEW_AUDIT_CHECKPOINT_EVERY": "0", "FAMILYVIEW_AUDIT_CHECKPOINT_MINUTES": "0"},
        "FAMILYVIEW_AUDIT_CHECKPOINT_EVERY and FAMILYVIEW_AUDIT_CHECKPOINT_MINUTES are both 0",
    ),
}


@pytest.mark.parametrize("kind", ["gunicorn", "runserver"])
@pytest.mark.parametrize("danger", list(DANGERS))
def test_the_server_refuses_to_start_configured_into_danger(kind, danger, tmp_path):
    changes, sentence = DANGERS[danger]

    done = start_refused(kind, production_env(tmp_path, **changes))

    assert done.returncode == (APPLICATION_CANNOT_LOAD if kind == "gunicorn" else 1)
    refusals = [line for line in done.stderr.splitlines() if line.startswith(REFUSED)]
    assert len(refusals) == 1, done.stderr
    assert refusals[0].startswith(REFUSED + sentence), done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["gunicorn", "runserver"])
def test_the_server_refuses_to_start_while_demo_accounts_can_sign_in(kind, tmp_path):
    create_demo_accounts(Authority.objects.create(code="demo", name="Demo"), "a-long-demo-pass")

    done = start_refused(kind, production_env(tmp_path))

    assert done.returncode == (APPLICATION_CANNOT_LOAD if kind == "gunicorn" else 1)
    assert (
        f"{REFUSED}The database holds demo accounts (demo.administrator, demo.data_steward, "
        "demo.practitioner, ...), which share a published password: disable them with "
        "`familyview demo_accounts --disable`."
    ) in done.stderr.splitlines(), done.stderr
    assert "Traceback" not in done.stderr


def familyview(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "familyview.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def audit_rows_removed_after(transactional_db):
    """Disabling demo accounts is audited: empty the audit tables (as a DBA would) before
    the test database is flushed, which the append-only triggers refuse otherwise."""
    yield
    with triggers_suspended():
        AuditEvent.objects.all().delete()


@pytest.fixture
def syslog_daemon(tmp_path):
    """The syslog daemon docs/deploying.md's settings send the witness to (/dev/log on the
    council's server): a socket of our own here, listening."""
    path = tmp_path / "log"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as daemon:
        daemon.bind(str(path))
        yield path


@pytest.mark.usefixtures("audit_rows_removed_after")
def test_check_deploy_is_clean_on_the_documented_settings_and_names_demo_accounts(
    tmp_path, syslog_daemon
):
    assert documented_settings()["FAMILYVIEW_AUDIT_WITNESS_SYSLOG"] == "/dev/log"
    env = production_env(tmp_path, FAMILYVIEW_AUDIT_WITNESS_SYSLOG=str(syslog_daemon))

    clean = familyview("check", "--deploy", env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "System check identified no issues" in clean.stdout

    create_demo_accounts(Authority.objects.create(code="demo", name="Demo"), "a-long-demo-pass")
    found = familyview("check", "--deploy", env=env)
    assert found.returncode == 1
    assert "familyview.E001" in found.stderr
    assert "demo_accounts --disable" in found.stderr

    disable_demo_accounts()
    assert familyview("check", "--deploy", env=env).returncode == 0

    # With no syslog daemon where the settings say, the witness would miss every event.
    env["FAMILYVIEW_AUDIT_WITNESS_SYSLOG"] = str(tmp_path / "no-daemon-here")
    missing = familyview("check", "--deploy", env=env)
    assert missing.returncode == 1
    assert "familyview.E002" in missing.stderr


def test_the_documented_settings_start_and_answer_over_https_only(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        server("gunicorn", port),
        env=production_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The load balancer's health check, over plain HTTP, naming the host.
        health = urllib.request.Request(f"http://127.0.0.1:{port}/health", headers={"Host": HOST})
        for _ in range(150):
            try:
                answer = urllib.request.urlopen(health, timeout=5)  # noqa: S310 - http: only
                break
            except urllib.error.HTTPError:
                raise
            except OSError:
                assert process.poll() is None, process.communicate()[1]
                time.sleep(0.2)
        answer.close()
        assert answer.status == 200
        # Anything else over plain HTTP is sent to HTTPS, as the proxy would say.
        request = urllib.request.Request(f"http://127.0.0.1:{port}/sign-in", headers={"Host": HOST})
        opener = urllib.request.build_opener(NoRedirects())
        with pytest.raises(urllib.error.HTTPError) as redirected:
            opener.open(request, timeout=5)
        redirected.value.close()
        assert redirected.value.code == 301
        assert redirected.value.headers["Location"] == f"https://{HOST}/sign-in"
        # Through the proxy (X-Forwarded-Proto: https) the page is served, with the headers.
        request.add_header("X-Forwarded-Proto", "https")
        with opener.open(request, timeout=5) as page:
            body = page.read().decode()
        assert page.status == 200
        # GOV.UK Frontend's inline script carries the header's nonce, so it runs.
        nonce = page.headers["Content-Security-Policy"].split("'nonce-", 1)[1].split("'")[0]
        assert f'<script nonce="{nonce}">document.body.className' in body
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert "script-src 'self' 'nonce-" in page.headers["Content-Security-Policy"]
        assert "camera=()" in page.headers["Permissions-Policy"]
        assert page.headers["Referrer-Policy"] == "same-origin"
        assert "__Host-familyview-csrf" in page.headers["Set-Cookie"]
        assert "Secure" in page.headers["Set-Cookie"]
    finally:
        process.terminate()
        process.communicate(timeout=30)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.django_db(transaction=True)
def test_a_database_role_without_its_grants_is_refused_and_named_by_the_check(tmp_path):
    """docs/deploying.md's checklist gives the application's role its grants after the
    migrations; a role without them would start and answer every page with an error."""
    if connection.vendor != "postgresql":
        pytest.skip("database roles are PostgreSQL's")
    role = f"fv_no_grants_{os.getpid()}"
    with connection.cursor() as cur:
        cur.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        s = connection.settings_dict
        url = f"postgres://{role}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
        env = production_env(tmp_path, DATABASE_URL=url)

        done = start_refused("gunicorn", env)
        check = familyview("check", "--deploy", env=env)
    finally:
        with connection.cursor() as cur:
            cur.execute(f'DROP ROLE "{role}"')

    assert done.returncode == APPLICATION_CANNOT_LOAD
    assert (
        f"{REFUSED}The database role in DATABASE_URL may not read Family View's tables: give "
        "it the grants in docs/deploying.md (Checklist, step 5)."
    ) in done.stderr.splitlines(), done.stderr
    assert "Traceback" not in done.stderr
    assert check.returncode == 1
    assert "familyview.E003" in check.stderr
