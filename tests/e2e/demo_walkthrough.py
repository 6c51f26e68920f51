"""Walk the front-line journey on a running Family View (the `make demo` server) in headless
Chromium, checking every page with axe-core and at 320 pixels wide, and optionally take
the README's screenshot of the family view.

    .venv/bin/python -m tests.e2e.demo_walkthrough --url http://127.0.0.1:8000 \\
        --screenshot docs/images/family-view.png

It signs in as demo.practitioner (the security code comes from `familyview
second-factor-code`, run with this process's environment, so point DATABASE_URL or
FAMILYVIEW_VAR_DIR at the demo's database), lands on the search, searches for a child
with a typo, gives a purpose, sees the family (how tall it is, and the clicks and
keystrokes from signing in to the mother's mental health duty line), the ecomap, the
who-to-call sheet and why, reports something wrong, then signs in as demo.data_steward and
finds the report in the queue. Exit code 0 when every step and check passed. With
`--screenshots DIR` it saves what the worker sees at each step, one screen at 1280 by 900
and one on a phone 320 wide, and the who-to-call sheet as printed (PDF), to look at.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.checks import (
    CHROMIUM,
    NARROW,
    WIDE,
    check_page,
    missing_tools,
    watch_content_security,
)

FAMILYVIEW = Path(sys.executable).with_name("familyview")
DEMO_PASSWORD = "family-view-demo-2026"


PHONE = {"width": NARROW, "height": 640}


class Walk:
    def __init__(self, page, base_url: str, shots: Path | None = None) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.steps = 0
        self.shots = shots
        self.taken = 0

    def shoot(self, name: str, scroll_to: str | None = None) -> None:
        """With --screenshots, what the worker sees now: one screen at 1280 by 900 and
        one on a phone, 320 wide (from the top, or from `scroll_to`'s element)."""
        if self.shots is None:
            return
        self.shots.mkdir(parents=True, exist_ok=True)
        self.taken += 1
        page = self.page
        try:
            for viewport in (WIDE, PHONE):
                page.set_viewport_size(viewport)
                if scroll_to:
                    page.locator(scroll_to).first.evaluate("e => e.scrollIntoView()")
                else:
                    page.evaluate("window.scrollTo(0, 0)")
                path = self.shots / f"{self.taken:02d}-{name}-{viewport['width']}.png"
                page.screenshot(path=str(path))
                print(f"      screenshot: {path}")
        finally:
            page.set_viewport_size(WIDE)
            page.evaluate("window.scrollTo(0, 0)")

    def ok(self, what: str) -> None:
        where = self.page.url.removeprefix(self.base_url)
        check_page(self.page, where)
        self.steps += 1
        print(f"  ok  {what:<44} {where}")

    def sign_in(self, username: str, password: str) -> None:
        page = self.page
        page.goto(f"{self.base_url}/sign-in")
        self.ok("sign-in page")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/sign-in/security-code")
        self.ok("security code page")
        code = subprocess.run(
            [str(FAMILYVIEW), "second-factor-code", username],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        page.get_by_label("Enter the security code").fill(code.split()[-1])
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(lambda url: "/sign-in" not in url)
        self.ok(f"signed in as {username}")


def walk(
    base_url: str, child: str, typo: str, screenshot: Path | None, shots: Path | None = None
) -> int:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = browser.new_context(viewport=WIDE, locale="en-GB")
        watch_content_security(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        w = Walk(page, base_url, shots)
        w.sign_in("demo.practitioner", DEMO_PASSWORD)  # lands on the search
        w.shoot("search")
        clicks = keys = 0

        page.get_by_label("Name").fill(typo)
        page.keyboard.press("Enter")
        keys += len(typo) + 1
        page.wait_for_url(re.compile(r"/search\?results="))
        w.ok(f"results for {typo!r}")
        w.shoot("results")
        result = page.locator("[data-testid=result]").filter(has_text=child).first
        result.get_by_role("link", name=child).click()
        clicks += 1
        page.wait_for_url("**/purpose")
        w.ok("purpose of access")
        w.shoot("purpose")
        page.get_by_label("MASH triage").check()
        reference = "MASH-2026-0042"
        page.get_by_label("Case or referral reference").fill(reference)
        page.get_by_role("button", name="Continue to the family").click()
        clicks += 2
        keys += len(reference)
        page.wait_for_url("**/family")
        w.ok(f"{child}'s family")
        w.shoot("family")
        w.shoot("family-each-person", scroll_to="#people-in-detail")
        members = page.locator("[data-testid=member]").count()
        services = page.locator("[data-testid=involvement]").count()
        phones = page.locator("main a[href^='tel:']").count()
        height = page.evaluate("document.scrollingElement.scrollHeight")
        print(f"      {members} people, {services} services, {phones} phone links, {height}px tall")
        mother = page.locator("[data-testid=first-screen-person]").filter(has_text="Mother")
        duty = mother.locator("[data-testid=first-screen-service]").filter(has_text="mental")
        if duty.count():
            box = duty.first.bounding_box()
            where = "on the first screen" if box["y"] + box["height"] <= 900 else "below it"
            print(
                f"      the mother's mental health duty line, {where}: {clicks} clicks and "
                f"{keys} keystrokes from signing in"
            )
        if screenshot:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=str(screenshot),
                clip={"x": 0, "y": 0, "width": 1280, "height": 1400},
                full_page=True,
            )
            print(f"      screenshot: {screenshot}")

        # Every service of the mother's, from her name on the first screen.
        first_screen = page.locator("[data-testid=first-screen-person]")
        mother = first_screen.filter(
            has=page.locator(".app-first-screen__who", has_text=re.compile(r"^\s*Mother\b"))
        )
        mother.locator("h3 a").first.click()
        mother_id = mother.locator("h3 a").first.get_attribute("href")
        w.shoot("family-mother-opened", scroll_to=mother_id)
        page.locator("[data-testid=first-screen] h3 a").filter(
            has_text=re.compile(f"^{re.escape(child)}$")
        ).click()

        page.get_by_role("link", name="Ecomap and timeline").click()
        page.wait_for_url("**/ecomap")
        w.ok("ecomap and timeline")
        w.shoot("ecomap")
        page.get_by_role("link", name="Who to call (to print)").click()
        page.wait_for_url("**/who-to-call")
        w.ok("who to call")
        w.shoot("who-to-call")
        if shots is not None:
            page.emulate_media(media="print")
            page.pdf(path=str(shots / "who-to-call-printed.pdf"), format="A4")
            page.emulate_media(media="screen")
            print(f"      printed: {shots / 'who-to-call-printed.pdf'}")
        page.get_by_role("link", name="Family and services").click()
        page.wait_for_url("**/family")
        names = page.locator("[data-testid=first-screen] h3 a")
        names.filter(has_text=re.compile(f"^{re.escape(child)}$")).click()
        page.get_by_role("link", name=f"Why we think so about {child}").click()
        page.wait_for_url("**/why")
        w.ok("why these records are one person")
        w.shoot("why")
        page.get_by_role("link", name="Back to the family").click()
        page.wait_for_url("**/family")
        names.filter(has_text=re.compile(f"^{re.escape(child)}$")).click()
        page.get_by_role("link", name=f"Report something wrong about {child}").click()
        page.wait_for_url("**/report-problem*")
        w.ok("something looks wrong")
        w.shoot("report")
        page.get_by_label("A detail is wrong or out of date").check()
        page.get_by_label("Tell us more").fill("Walkthrough: the team name looks out of date.")
        page.get_by_role("button", name="Send to the data steward").click()
        page.wait_for_url("**/family")
        w.ok("report sent")

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state("load")
        w.sign_in("demo.data_steward", DEMO_PASSWORD)
        page.get_by_role("link", name="Problems reported").click()
        page.wait_for_url("**/steward/problems")
        w.ok("the data steward's queue")
        row = page.locator("#problem-reports tbody tr").filter(has_text="Demo Practitioner").first
        row.get_by_role("link").first.click()
        w.ok("the report")
        assert "Walkthrough: the team name looks out of date." in page.locator("main").inner_text()
        browser.close()
    print(f"The journey works: {w.steps} pages, each passing axe-core and 320 pixels.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--child", default="Sophia Doyle", help="the child to pick")
    parser.add_argument("--typo", default="Sofia Doyel", help="what to type in the search")
    parser.add_argument("--screenshot", type=Path, help="save the family view here (PNG)")
    parser.add_argument(
        "--screenshots",
        type=Path,
        help="save each page a worker sees here, at 1280 by 900 and 320 wide (PNG)",
    )
    args = parser.parse_args()
    problem = missing_tools()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return walk(args.url, args.child, args.typo, args.screenshot, args.screenshots)


if __name__ == "__main__":
    sys.exit(main())
