"""The Jinja2 environment for the pages, with the GOV.UK Frontend macros on its path."""

from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
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
            "url": lambda name, *args, **kwargs: reverse(name, args=args, kwargs=kwargs),
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
            "labelled": labelled,
        }
    )
    return env


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
