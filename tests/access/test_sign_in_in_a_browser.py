"""The sign-in pages in a real browser (headless Chromium through Playwright), each checked
with axe-core for WCAG 2.2 AA and at 320 pixels wide by the end-to-end tests' BrowserCheck:
setting up an authenticator app from the written-out key, the lockout message, single
sign-on's button and its problem page."""

from datetime import timedelta

import pyotp
import pytest

from familyview.access.factories import TEST_TOTP_SECRET, create_authority, create_staff
from familyview.access.models import Role, StaffAccount

PASSWORD = "a-long-test-password-0451"

pytestmark = pytest.mark.slow


@pytest.fixture
def stockport(transactional_db):
    return create_authority("stockport", "Stockport")


def test_setting_up_an_authenticator_app_by_typing_the_key(check, stockport):
    create_staff(Role.PRACTITIONER, stockport, username="new.starter", password=PASSWORD)
    page = check.page

    check.goto("/sign-in")
    page.get_by_label("Username").fill("new.starter")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/sign-in/set-up-authenticator-app")
    check.page_ok()
    assert page.get_by_role("img", name="Use the app to scan this QR code.").is_visible()
    key = page.get_by_test_id("secret-key").inner_text().replace(" ", "")
    page.get_by_label("Security code").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
    check.page_ok()

    assert "Your authenticator app is set up." in page.locator("main").inner_text()
    assert StaffAccount.objects.get(user__username="new.starter").has_second_factor


def test_errors_and_the_lockout_message_are_accessible(check, stockport, settings):
    settings.FAMILYVIEW_SIGN_IN_USERNAME_LIMIT = 2
    create_staff(
        Role.PRACTITIONER,
        stockport,
        username="kim.worker",
        password=PASSWORD,
        totp_secret=TEST_TOTP_SECRET,
    )
    page = check.page

    check.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    check.page_ok()
    assert page.get_by_role("link", name="Enter your username").is_visible()
    for _ in range(2):
        page.get_by_label("Username").fill("kim.worker")
        page.get_by_label("Password", exact=True).fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("load")
    check.page_ok()
    assert "tried to sign in too many times" in page.locator(".govuk-error-summary").inner_text()


def test_single_sign_on_button_and_problem_page_are_accessible(check, stockport, settings):
    # An issuer is all the sign-in page needs to offer the button; nothing answers there,
    # so following it shows the problem page.
    settings.FAMILYVIEW_OIDC_ISSUER = "http://127.0.0.1:9"
    settings.FAMILYVIEW_OIDC_CLIENT_ID = "familyview"
    page = check.page

    check.goto("/sign-in")
    page.get_by_role("button", name="Sign in with your council account").click()
    page.wait_for_load_state("load")
    check.page_ok()

    assert page.locator("h1").inner_text() == "You could not be signed in"
    assert "not working at the moment" in page.locator("main").inner_text()


def test_the_time_out_warning_lets_the_user_stay_signed_in_or_signs_them_out(
    check,
    stockport,
    settings,
):
    # A short idle time-out, so that the warning comes after 10 seconds, not 27 minutes.
    settings.FAMILYVIEW_SESSION_IDLE_TIMEOUT = timedelta(seconds=20)
    user = create_staff(
        Role.DATA_STEWARD,
        stockport,
        username="idle.steward",
        password=PASSWORD,
        totp_secret=TEST_TOTP_SECRET,
    )
    page = check.page
    check.sign_in(user, PASSWORD)
    dialog = page.get_by_role("dialog", name="You will be signed out soon")

    dialog.wait_for(state="visible", timeout=30_000)
    assert "signed out in 10 seconds" in dialog.inner_text()
    check.page_ok()
    page.get_by_role("button", name="Stay signed in").click()
    dialog.wait_for(state="hidden")
    assert page.get_by_test_id("signed-in-as").is_visible()

    # Left alone, the page goes to sign in when the time-out comes, and says why.
    page.wait_for_url("**/sign-in?next=*", timeout=60_000)
    check.page_ok()
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "you had not used Family View for 20 seconds" in banner
