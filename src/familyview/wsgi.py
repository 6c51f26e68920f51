"""WSGI entry point for production servers (gunicorn familyview.wsgi).

Production mode configured into danger (familyview/production.py), and a setting that
cannot be read, are refused here with their sentences and no traceback, and the exit
status 4 that gunicorn's master reads as "the application failed to load": it stops,
rather than start the worker again and again.
"""

import os
import sys

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "familyview.settings")

# gunicorn's exit status for an application that cannot load (its arbiter then halts).
APPLICATION_CANNOT_LOAD = 4


def _application():
    from familyview.production import ProductionRefused, SettingRefused, refuse_demo_accounts

    try:
        application = get_wsgi_application()
        from django.conf import settings

        if getattr(settings, "PRODUCTION", False):
            refuse_demo_accounts()
    except ProductionRefused as refused:
        for reason in str(refused).splitlines():
            sys.stderr.write(f"familyview: production mode will not start: {reason}\n")
        sys.stderr.flush()
        sys.exit(APPLICATION_CANNOT_LOAD)
    except SettingRefused as refused:
        sys.stderr.write(f"familyview: {refused}\n")
        sys.stderr.flush()
        sys.exit(APPLICATION_CANNOT_LOAD)
    return application


application = _application()
