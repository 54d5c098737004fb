"""WSGI entry point (gunicorn volunteer_hub.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_hub.settings")
application = get_wsgi_application()
