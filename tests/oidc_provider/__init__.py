"""A real OpenID Connect provider (node's oidc-provider) for the single sign-on tests.

`OidcProvider.start(tmp_path, accounts)` starts tests/oidc_provider/provider.mjs on a
loopback port, waits until its discovery document answers, and `stop()` kills it.
`sign_in_at_provider(url, login)` walks its development login and consent forms with
`requests`, as a browser would, and returns where the provider sends the browser back.
"""

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
from bs4 import BeautifulSoup

SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "familyview-tests"
CLIENT_SECRET = "a-client-secret-for-tests-only"
REDIRECT_URI = "http://testserver/sign-in/council/callback"
START_SECONDS = 30


@dataclass
class OidcProvider:
    issuer: str
    config_path: Path
    process: subprocess.Popen
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def start(cls, folder: Path, accounts: dict[str, dict[str, Any]]) -> "OidcProvider":
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is needed for the OpenID Connect provider tests")
        config_path = folder / "oidc-provider.json"
        _write(config_path, accounts)
        process = subprocess.Popen(
            [node, str(SCRIPT), str(config_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError("the OpenID Connect provider did not start")
            issuer = json.loads(line)["issuer"]
            _wait_for_discovery(issuer, process)
        except BaseException:
            process.kill()
            process.wait()
            raise
        return cls(issuer, config_path, process, dict(accounts))

    def set_account(self, sub: str, claims: dict[str, Any]) -> None:
        """Change (or add) an account's claims: the provider reads them at each sign-in."""
        self.accounts[sub] = claims
        _write(self.config_path, self.accounts)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


def _write(path: Path, accounts: dict[str, dict[str, Any]]) -> None:
    config = {
        "client": {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [REDIRECT_URI],
        },
        "accounts": accounts,
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(config))
    temporary.replace(path)


def _wait_for_discovery(issuer: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the OpenID Connect provider stopped while starting")
        try:
            answer = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
            if answer.status_code == 200 and answer.json().get("issuer") == issuer:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError("the OpenID Connect provider's discovery document never answered")


def sign_in_at_provider(
    authorization_url: str,
    login: str,
    password: str = "any",  # noqa: S107 - the development login form takes any password
) -> str:
    """Sign in at the provider's own pages, as a browser would (follow redirects, fill in
    the login form, confirm the consent form); returns the URL on Family View that the
    provider sends the browser back to."""
    family_view = REDIRECT_URI.split("/sign-in")[0]
    url = authorization_url
    with requests.Session() as browser:
        answer = browser.get(url, allow_redirects=False, timeout=10)
        for _ in range(20):
            if answer.status_code in (302, 303):
                url = urljoin(url, answer.headers["Location"])
                if url.startswith(family_view):
                    return url
                answer = browser.get(url, allow_redirects=False, timeout=10)
                continue
            form = BeautifulSoup(answer.text, "html.parser").select_one("form")
            if answer.status_code != 200 or form is None:
                raise AssertionError(f"the provider answered {answer.status_code} without a form")
            data = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
            if data.get("prompt") == "login":
                data.update(login=login, password=password)
            url = urljoin(url, form["action"])
            answer = browser.post(url, data=data, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")
