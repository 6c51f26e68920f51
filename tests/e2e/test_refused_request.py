"""The page for a request Family View refuses to read (a NUL or another control character
in it), in a real browser: axe-core finds no WCAG 2.2 A or AA violation and nothing scrolls
sideways at 320 pixels."""


def test_the_refused_request_page_is_accessible_and_reflows(check):
    response = check.page.goto(check.url("/people/P%00/purpose"))
    assert response.status == 400
    check.page_ok()
    heading = check.page.get_by_role("heading", level=1)
    assert heading.inner_text() == "There is a problem with what was sent"
