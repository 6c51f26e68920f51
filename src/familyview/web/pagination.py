"""A Django page as the options of GOV.UK's pagination component."""

from typing import Any

from django.core.paginator import Page
from django.http import HttpRequest


def pagination(request: HttpRequest, page: Page, param: str = "page") -> dict[str, Any] | None:
    """govukPagination options for this page, keeping the other query parameters; None
    when everything fits on one page."""
    paginator = page.paginator
    if paginator.num_pages <= 1:
        return None

    def href(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}"

    items: list[dict[str, Any]] = []
    for number in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
        if number == paginator.ELLIPSIS:
            items.append({"ellipsis": True})
        else:
            items.append({"number": number, "href": href(number), "current": number == page.number})
    options: dict[str, Any] = {"items": items}
    if page.has_previous():
        options["previous"] = {"href": href(page.previous_page_number())}
    if page.has_next():
        options["next"] = {"href": href(page.next_page_number())}
    return options
