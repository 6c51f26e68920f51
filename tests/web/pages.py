"""Reading pages the way Notify's tests do: parse the HTML, select elements."""

from bs4 import BeautifulSoup, Tag
from django.http import HttpResponse


def read(response: HttpResponse) -> BeautifulSoup:
    """The response's HTML, to query with CSS selectors: read(response).select_one("h1")."""
    return BeautifulSoup(response.content, "html.parser")


def text(element: Tag | None) -> str:
    """An element's text with whitespace collapsed, as a reader sees it ('' for None)."""
    return " ".join(element.get_text(" ").split()) if element is not None else ""


def title(page_name: str) -> str:
    """A page's <title>: the page's name, an en dash (as GOV.UK titles have), the service."""
    return f"{page_name} \N{EN DASH} Family View"
