"""The Jinja2 environment for the pages, with the GOV.UK Frontend macros on its path."""

import re
from functools import lru_cache

from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader

from familyview.web import formats
from familyview.web.middleware import session_time_out
from familyview.web.phones import phone_text
from familyview.web.signed_in import signed_in_staff


def csp_nonce(request: HttpRequest | None) -> str:
    """This response's Content-Security-Policy nonce (reading it puts it in the header);
    empty where there is no request (the 500 page) or no CSP middleware."""
    nonce = getattr(request, "csp_nonce", None)
    return "" if nonce is None else str(nonce)


def environment(**options) -> Environment:
    """Build the environment Django's Jinja2 backend renders with."""
    loader = options.pop("loader", None)
    # Django's backend passes autoescape=True; say so here too, so it cannot be lost.
    env = Environment(autoescape=options.pop("autoescape", True), **options)
    # The GOV.UK macros import each other as "govuk_frontend_jinja/components/...", so
    # the package's templates folder is mounted under that prefix.
    env.loader = ChoiceLoader(
        [found for found in (loader, env.loader) if found is not None]
        + [PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]
    )
    env.globals.update(
        {
            "static": static,
            "url": url,
            "csrf_token": get_token,
            "get_messages": get_messages,
            "signed_in_staff": signed_in_staff,
            "session_time_out": session_time_out,
            "csp_nonce": csp_nonce,
        }
    )
    env.filters.update(
        {
            "govuk_date": formats.govuk_date,
            "govuk_datetime": formats.govuk_datetime,
            "duration": formats.duration,
            "number": formats.number,
            "phone": phone_text,
            "mail_href": mail_href,
            "labelled": labelled,
        }
    )
    return env


# One address and nothing else: no "?" or "&" to add recipients, a subject or a body to the
# worker's email (a neighbouring council's answer is shown here as it sent it).
PLAIN_ADDRESS = re.compile(r"[^@\s?&%/:<>\"'#\\]+@[^@\s?&%/:<>\"'#\\]+\.[^@\s?&%/:<>\"'#\\]+")


def mail_href(address: str) -> str:
    """The mailto: link for an address that is one plain address; "" (no link) for
    anything else, which the page shows as text."""
    return f"mailto:{address}" if PLAIN_ADDRESS.fullmatch(address) else ""


def url(name: str, *args, **kwargs) -> str:
    """The address of a page (`url("web:family", person_id)`). A family view links each
    member's pages, and Django's reverse() cost a tenth of its rendering: each address is
    worked out once per process, for the URL configuration and prefix in force (person
    ids are opaque, so the addresses kept hold no personal data)."""
    try:
        return _reversed(
            name, args, tuple(sorted(kwargs.items())), get_urlconf(), get_script_prefix()
        )
    except TypeError:  # an argument that cannot be a key: worked out each time
        return reverse(name, args=args, kwargs=kwargs)


@lru_cache(maxsize=8192)
def _reversed(name: str, args: tuple, kwargs: tuple, urlconf, prefix: str) -> str:
    return reverse(name, args=args, kwargs=dict(kwargs), urlconf=urlconf)


def labelled(rows: list[list[dict]], head: list[dict]) -> list[list[dict]]:
    """govukTable rows whose cells carry their column's name (data-label), which a table
    that becomes a list on a phone shows before each value (app-table--stack)."""
    return [
        [
            {**cell, "attributes": {"data-label": column["text"]}}
            for cell, column in zip(row, head, strict=True)
        ]
        for row in rows
    ]
