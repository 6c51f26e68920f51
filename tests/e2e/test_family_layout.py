"""The family pages a worker moves around, in a real browser, on a desktop screen (1280 by
900) and a phone (320 wide): straight to the search after signing in, the results where
the eye lands, a family page short enough to take in (each person folded, a link to each
near the top, "Report something wrong" once per person), phone numbers as they are
dialled, no names in titles, nothing scrolling sideways or breaking mid-word, an ecomap
whose text is the body size and that prints on one A4 page, and the news of a resolved
report. axe-core checks each page for WCAG 2.2 A and AA at both widths, target size
included.

The README's walk is the first test: the demo's synthetic authority (`make demo`'s
people and seed) and its child, Sophia Doyle.
"""

import json
import re
from pathlib import Path

import pytest

from familyview.access.factories import TEST_TOTP_SECRET, create_staff
from familyview.access.models import Role
from familyview.identity.models import ProblemReport
from familyview.involvements.categories import load_categories
from familyview.pipeline.imports import ingest
from familyview.pipeline.linking import link
from familyview.sources.registry import load_sources
from familyview.synth.generator import generate
from tests.e2e.checks import NARROW, WIDE, axe_violations
from tests.web.factories import create_authority
from tests.web.frontline_family import a_family
from tests.web.pages import title

PASSWORD = "correct horse battery staple 42"
# The README's walk: `make demo`'s authority (DEMO_PEOPLE, DEMO_SEED) and its child.
DEMO_PEOPLE, DEMO_SEED = 2000, 2026
README_CHILD, README_TYPO = "Sophia Doyle", "Sofia Doyel"
# The family page as it opens, at 1280 by 900: about six screens at most (it was 23).
TALLEST_FAMILY_PAGE = 5400
BODY_TEXT = 19  # GOV.UK Frontend's body text on a desktop screen, in pixels
# An A4 page less Chromium's default print margins (about 1 cm each side), in CSS pixels.
A4_WIDTH, A4_HEIGHT = 718, 1047

# Words split across two lines inside `selector` (an e-mail address may wrap, at its "@"
# and dots only, so words with an "@" are left out); and phone numbers not on one line.
BROKEN_WORDS = """(selector) => {
  const broken = [];
  const lines = (range) => new Set(
    Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top))
  ).size;
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/\\S+/g)) {
        if (m[0].includes("@")) continue;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        if (lines(range) > 1) broken.push(m[0]);
      }
    }
    for (const phone of root.querySelectorAll("a[href^='tel:']")) {
      const range = document.createRange();
      range.selectNodeContents(phone);
      if (lines(range) > 1) broken.push(phone.textContent);
    }
  }
  return broken;
}"""

# A phone number as a worker dials it: the international form, digits only.
TEL = re.compile(r"^tel:\+44\d{9,10}$")
# As shown: a UK number grouped as it is spoken ("0161 496 0239", "07700 900057").
SHOWN = re.compile(r"^0\d{2,4} \d{3,6}( \d{4})?$")


def axe_at_both_widths(page, where: str) -> None:
    """No axe-core violation (WCAG 2.2 A and AA, target size included) at 1280 or 320."""
    for viewport in (WIDE, {"width": NARROW, "height": 800}):
        page.set_viewport_size(viewport)
        violations = axe_violations(page)
        assert violations == [], f"{where} at {viewport['width']}px:\n" + json.dumps(
            violations, indent=2
        )
    page.set_viewport_size(WIDE)


def at_phone_width(page, where: str) -> None:
    """At 320 pixels nothing scrolls sideways and no word or phone number breaks."""
    page.set_viewport_size({"width": NARROW, "height": 800})
    try:
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= NARROW, f"{where}: {width}px wide at {NARROW}px"
        assert page.evaluate(BROKEN_WORDS, "main") == [], f"{where}: words broken at {NARROW}px"
    finally:
        page.set_viewport_size(WIDE)


def phones_as_dialled(page) -> list[tuple[str, str]]:
    links = page.locator("main a[href^='tel:']")
    found = [
        (links.nth(i).inner_text(), links.nth(i).get_attribute("href"))
        for i in range(links.count())
    ]
    assert found, "no phone numbers"
    for shown, href in found:
        assert SHOWN.match(shown), shown
        assert TEL.match(href), href
        assert href[4:].replace("+44", "0") == shown.replace(" ", "")
    return found


def staff(authority, role: Role, username: str):
    return create_staff(
        role,
        authority,
        username=username,
        password=PASSWORD,
        first_name="Pat",
        last_name="Okafor" if role == Role.PRACTITIONER else "Steward",
        totp_secret=TEST_TOTP_SECRET,
    )


# The README's walk, on the demo's authority


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo-authority")
    generate(people=DEMO_PEOPLE, seed=DEMO_SEED, out=out)
    return out


@pytest.fixture
def demo(transactional_db, demo_folder):
    """`make demo`'s authority: its sources, every extract imported, a link run."""
    load_categories()
    for source in load_sources(demo_folder / "sources.toml"):
        folder = demo_folder / source.code
        if folder.is_dir():
            assert ingest(source.code, [folder], "tests").ok
    link()
    from familyview.access.models import Authority

    return staff(Authority.objects.get(code="stockport"), Role.PRACTITIONER, "pat.practitioner")


@pytest.mark.slow
def test_the_readme_walk_lands_on_search_and_a_short_family_page(check, demo):
    page = check.page
    clicks = keys = 0

    # Straight to the search after signing in.
    check.sign_in(demo, PASSWORD)
    assert page.url.endswith("/search"), page.url
    assert page.evaluate("document.activeElement.id") != "results"

    page.get_by_label("Name").fill(README_TYPO)
    keys += len(README_TYPO)
    page.keyboard.press("Enter")
    keys += 1
    page.wait_for_url(re.compile(r"/search\?results="))
    check.page_ok()
    # The results where the eye lands: first on the page, the focus on their heading.
    assert page.evaluate("document.activeElement.id") == "results"
    first = page.locator("[data-testid=result]").first
    assert first.locator("h3").inner_text() == README_CHILD
    assert first.bounding_box()["y"] < WIDE["height"]

    first.get_by_role("link", name=README_CHILD).click()
    clicks += 1
    page.wait_for_url("**/purpose")
    page.get_by_label("MASH triage").check()
    clicks += 1
    page.get_by_label("Case or referral reference").fill("MASH-2026-0042")
    keys += len("MASH-2026-0042")
    page.get_by_role("button", name="Continue to the family").click()
    clicks += 1
    page.wait_for_url("**/family")
    check.page_ok()
    family_url = page.url
    # The mother's adult mental health duty line is on the first screen: no more clicks.
    duty_line = (
        page.locator("[data-testid=first-screen-person]")
        .filter(has=page.get_by_role("heading", name="Deborah Doyle", exact=True))
        .locator("[data-testid=first-screen-service]")
        .filter(has_text="Adult mental health")
        .locator("a[href^='tel:']")
    )
    box = duty_line.bounding_box()
    assert box["y"] + box["height"] <= WIDE["height"]
    print(
        f"From signing in to the mother's mental health duty line: {clicks} clicks and "
        f"{keys} keystrokes"
    )
    assert (clicks, keys) == (3, len(README_TYPO) + 1 + len("MASH-2026-0042"))

    # Short enough to take in as it opens: each person folded, summarised.
    height = page.evaluate("document.scrollingElement.scrollHeight")
    print(f"{README_CHILD}'s family page: {height}px tall at 1280 by 900")
    assert height <= TALLEST_FAMILY_PAGE
    assert page.title() == title("Family and services")
    assert README_CHILD not in page.title()
    members = page.locator("[data-testid=member]")
    assert members.count() >= 5
    assert page.locator(".govuk-accordion__section--expanded").count() == 0
    assert page.locator("[data-testid=involvement]").first.is_hidden()
    axe_at_both_widths(page, "the family page, folded")
    at_phone_width(page, "the family page, folded")

    # Each name on the first screen opens the person's section, said once (no second list
    # of links to the people): all the mother's services, her adult mental health
    # involvement with its duty line among them.
    names = page.locator("[data-testid=first-screen] h3 a")
    assert names.count() == members.count()
    assert page.locator("main a[href^='#person-']:not(.app-member__onward a)").count() == (
        members.count()
    )
    assert page.get_by_text("Jump to a person").count() == 0
    names.filter(has_text=re.compile("^Deborah Doyle$")).click()
    mother = members.filter(has=page.locator("[data-testid=member-name]", has_text="Deborah Doyle"))
    mental_health = mother.locator("[data-testid=involvement]").filter(
        has_text="Adult mental health"
    )
    assert mental_health.is_visible()
    assert mental_health.locator("a[href^='tel:']").first.is_visible()
    assert "duty line" in mental_health.inner_text().lower()
    # On to the next person, and back to the top.
    next_link = mother.get_by_role("link", name=re.compile(r"^Next: "))
    following = page.locator(next_link.get_attribute("href"))
    next_link.click()
    assert following.locator("[data-testid=involvement]").first.is_visible()
    following.get_by_role("link", name="Back to the top").click()
    assert page.evaluate("scrollY") < 300

    # "Report something wrong" once per person, everyone open.
    page.get_by_role("button", name=re.compile("Show all sections")).click()
    reports = page.get_by_role("link", name=re.compile(r"^Report something wrong"))
    assert reports.count() == members.count()
    phones_as_dialled(page)
    axe_at_both_widths(page, "the family page, every section open")
    at_phone_width(page, "the family page, every section open")

    # Back on the search page, the family is under the search box.
    page.goto(check.url("/search"))
    check.page_ok()
    recent = page.locator("[data-testid=recent-families]")
    assert recent.get_by_role("link", name=README_CHILD).get_attribute("href") in family_url


# The other pages, on a small family


@pytest.fixture
def world(transactional_db):
    load_categories()
    authority = create_authority("stockport", "Stockport")
    return {
        "family": a_family(authority),
        "practitioner": staff(authority, Role.PRACTITIONER, "pat.practitioner"),
        "steward": staff(authority, Role.DATA_STEWARD, "sam.steward"),
    }


def open_family(check, world) -> str:
    """Sign in, give a purpose for the child's case; the family page's path."""
    family = world["family"]
    check.sign_in(world["practitioner"], PASSWORD)
    check.goto(f"/people/{family.child}/purpose")
    check.page.get_by_label("Early help assessment").check()
    check.page.get_by_label("Case or referral reference").fill("EH-7")
    check.page.get_by_role("button", name="Continue to the family").click()
    check.page.wait_for_url("**/family")
    return f"/people/{family.child}/family"


def test_the_ecomap_reads_at_the_body_size_and_prints_on_one_a4_page(check, world):
    family_path = open_family(check, world)
    page = check.page
    check.goto(family_path.replace("/family", "/ecomap"))
    assert "Amelia" not in page.title()

    sizes = page.evaluate(
        """() => Array.from(document.querySelectorAll('figure svg text')).map(t =>
            parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""
    )
    assert sizes and min(sizes) >= BODY_TEXT - 0.01, min(sizes)
    axe_at_both_widths(page, "the ecomap page")
    at_phone_width(page, "the ecomap page")

    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_WIDTH, "height": A4_HEIGHT})
    try:
        figure = page.locator("figure.app-ecomap")
        box = page.locator("figure svg").bounding_box()
        assert box["width"] <= A4_WIDTH and box["height"] <= A4_HEIGHT - 60, box
        assert figure.evaluate("f => getComputedStyle(f).breakInside") == "avoid"
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size(WIDE)


def test_who_to_call_is_a_list_on_a_phone_with_numbers_as_dialled(check, world):
    family_path = open_family(check, world)
    page = check.page
    check.goto(family_path.replace("/family", "/who-to-call"))
    assert page.title() == title("Who to call")
    phones_as_dialled(page)
    axe_at_both_widths(page, "who to call")

    page.set_viewport_size({"width": NARROW, "height": 800})
    try:
        row = page.locator("main tbody tr").first
        assert row.evaluate("r => getComputedStyle(r).display") == "block"
        assert page.locator("main thead").first.bounding_box()["height"] <= 1
        cell = row.locator("td").nth(2)
        label = cell.evaluate("c => getComputedStyle(c, '::before').content")
        assert "Phone and email" in label
    finally:
        page.set_viewport_size(WIDE)
    at_phone_width(page, "who to call")


def test_the_reporter_hears_when_the_steward_resolves_their_report(check, world):
    family_path = open_family(check, world)
    page = check.page
    page.locator("[data-testid=first-screen]").get_by_role(
        "link", name="Claire Thornbury", exact=True
    ).click()
    page.get_by_role("link", name="Report something wrong about Claire Thornbury").click()
    page.wait_for_url("**/report-problem")
    check.page_ok()
    page.get_by_label("Housing, current").check()  # the fact is chosen here
    page.get_by_label("A detail is wrong or out of date").check()
    page.get_by_label("Tell us more").fill("The housing officer has changed.")
    page.get_by_role("button", name="Send to the data steward").click()
    page.wait_for_url(f"**{family_path}")
    report = ProblemReport.objects.get()
    assert report.involvement_id == world["family"].mother_involvements["housing"]

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")
    check.sign_in(world["steward"], PASSWORD)
    check.goto(f"/steward/problems/{report.pk}")
    page.get_by_label("What did you do about it?").fill("Told the housing team.")
    page.get_by_role("button", name="Mark as resolved").click()
    page.wait_for_url("**/steward/problems")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")

    # Signing in again lands on the search, with the news, once.
    check.sign_in(world["practitioner"], PASSWORD)
    assert page.url.endswith("/search")
    banner = page.locator("[data-testid=resolution]")
    assert f"your report {report.pk}" in banner.inner_text()
    assert "Told the housing team." in banner.inner_text()
    assert "/problems/" not in page.url and "Claire" not in banner.inner_text()
    axe_at_both_widths(page, "the search page with a report's news")
    page.reload()
    assert page.locator("[data-testid=resolution]").count() == 0
