"""The Jinja2 environment for the pages, with the GOV.UK Frontend macros on its path."""

from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChoiceLoader, Environment, PackageLoader


def environment(**options) -> Environment:
    """Build the environment Django's Jinja2 backend renders with."""
    loader = options.pop("loader", None)
    env = Environment(**options)
    env.loader = ChoiceLoader(
        [l for l in (loader, env.loader) if l is not None]
        + [PackageLoader("govuk_frontend_jinja", "templates")]
    )
    env.globals.update(
        {
            "static": static,
            "url": lambda name, *args, **kwargs: reverse(name, args=args, kwargs=kwargs),
            "csrf_token": get_token,
            "get_messages": get_messages,
        }
    )
    return env
