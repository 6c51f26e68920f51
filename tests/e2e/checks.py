"""The checks every page gets in the browser, with no Django in sight (the demo
walkthrough uses them against a running server too): axe-core for WCAG 2.2 A and AA at
1280 and at 320 pixels wide, no sideways scrolling at 320 (WCAG 1.4.10 reflow), and
nothing blocked by the Content-Security-Policy (in a context watched with
`watch_content_security`)."""

import json
import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("FAMILYVIEW_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
NARROW = 320
WIDE = {"width": 1280, "height": 900}


def missing_tools() -> str | None:
    """Why the browser checks cannot run here, or None."""
    if not CHROMIUM.exists():
        return (
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium package "
            "(or set FAMILYVIEW_CHROMIUM to a Chromium binary)"
        )
    if not AXE.exists():
        return f"{AXE} is missing: run `npm ci` (make install)"
    return None


# Collects what the page's Content-Security-Policy blocked (an inline script without the
# response's nonce...), from before the page's first script runs.
WATCH_BLOCKED = """
window.familyviewBlocked = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.familyviewBlocked.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


def watch_content_security(context) -> None:
    """Record, on every page of this browser context, what the CSP blocks."""
    context.add_init_script(WATCH_BLOCKED)


def blocked_by_content_security(page) -> list[str]:
    """What the page's Content-Security-Policy has blocked so far."""
    return page.evaluate("window.familyviewBlocked || []")


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.2 A and AA violations on the page now shown."""
    # Evaluated, not added as a <script>: the page's Content-Security-Policy would block
    # an inline script without its nonce, as it should.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 200),
                                          summary: n.failureSummary}))
            }));
        }""",
        WCAG_TAGS,
    )


def width_at_narrow(page) -> tuple[int, list[str]]:
    """How wide the page lays out in a 320 pixel window, and what sticks out."""
    page.set_viewport_size({"width": NARROW, "height": 800})
    try:
        width = page.evaluate("document.scrollingElement.scrollWidth")
        too_wide = page.evaluate(
            """() => Array.from(document.querySelectorAll('body *'))
            .filter(e => {
              const r = e.getBoundingClientRect();
              return r.right > window.innerWidth + 1 && r.width > 0
                && !e.closest('.app-table-container, .app-ecomap');
            })
            .slice(0, 5).map(e => e.outerHTML.slice(0, 160))"""
        )
    finally:
        page.set_viewport_size(WIDE)
    return width, too_wide


def axe_violations_at_narrow(page) -> list[dict]:
    """axe-core's violations with the page laid out 320 pixels wide, where text and
    targets are smaller (WCAG 2.2's target size is checked at both widths)."""
    page.set_viewport_size({"width": NARROW, "height": 800})
    try:
        return axe_violations(page)
    finally:
        page.set_viewport_size(WIDE)


def check_page(page, where: str) -> None:
    """Assert the page now shown has one h1, no axe-core violations at 1280 or 320 pixels
    wide, and reflows at 320."""
    page.wait_for_load_state("load")
    assert page.locator("h1").count() == 1, f"{where}: a page has one h1"
    blocked = blocked_by_content_security(page)
    assert blocked == [], f"{where}: the Content-Security-Policy blocked {blocked}"
    violations = axe_violations(page)
    assert violations == [], f"{where}: axe-core found\n" + json.dumps(violations, indent=2)
    violations = axe_violations_at_narrow(page)
    assert violations == [], f"{where}: axe-core found at {NARROW}px\n" + json.dumps(
        violations, indent=2
    )
    width, too_wide = width_at_narrow(page)
    assert width <= NARROW, f"{where}: {width}px wide at {NARROW}px; too wide: {too_wide}"
