"""WSGI entry point for production servers (gunicorn familyview.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "familyview.settings")
application = get_wsgi_application()
