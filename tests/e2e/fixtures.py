"""End-to-end tests: a real headless Chromium (Debian's `chromium` package, driven by
Playwright through `executable_path`) against a live server on the test database.

Every page a test opens goes through `BrowserCheck.page_ok`: axe-core is injected and run
for WCAG 2.2 A and AA at 1280 and at 320 pixels wide (zero violations, target size
included, printed when there are any), and at 320 nothing may scroll sideways (WCAG
1.4.10 reflow).
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AbstractBaseUser

from familyview.access.factories import second_factor_code
from familyview.audit.models import AuditCheckpoint, AuditEvent, AuditEventSubject
from familyview.audit.protection import triggers_suspended
from tests.e2e.checks import (
    CHROMIUM,
    WIDE,
    check_page,
    missing_tools,
    watch_content_security,
)

# Playwright's synchronous API runs an event loop in this thread; Django refuses ORM calls
# from a thread with a running loop unless told the calls are safe (they are: the loop
# only waits for the browser).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    problem = missing_tools()
    if problem:
        pytest.fail(problem)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def audit_rows_removed_after(transactional_db):
    """The live server commits, so the test database is flushed after each test; the audit
    tables refuse that (they are append-only), so they are emptied first, as a DBA would."""
    yield
    with triggers_suspended():
        AuditEventSubject.objects.all().delete()
        AuditEvent.objects.all().delete()
        AuditCheckpoint.objects.all().delete()


@dataclass
class BrowserCheck:
    """Opens pages in the browser and checks each one: accessibility and reflow."""

    base_url: str
    page: object
    checked: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def goto(self, path: str) -> None:
        self.page.goto(self.url(path))
        self.page_ok()

    def page_ok(self) -> None:
        """The page now shown passes axe-core and reflows at 320 pixels."""
        where = self.page.url.removeprefix(self.base_url)
        check_page(self.page, where)
        self.checked.append(where)

    def sign_in(self, user: AbstractBaseUser, password: str) -> None:
        """Sign in through the real pages: password, then the authenticator's code."""
        page = self.page
        self.goto("/sign-in")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/sign-in/security-code")
        self.page_ok()
        page.get_by_label("Enter the security code").fill(second_factor_code(user))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state("load")
        assert "/sign-in" not in page.url, page.content()[:2000]
        self.page_ok()


@pytest.fixture
def check(browser, live_server, audit_rows_removed_after) -> Iterator[BrowserCheck]:
    """A fresh browser context (no cookies) on the live server, checking every page."""
    context = browser.new_context(viewport=WIDE, locale="en-GB")
    watch_content_security(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield BrowserCheck(live_server.url, page)
    finally:
        context.close()
