"""WSGI entry point (``gunicorn onboarding.wsgi``); production passes its own settings module."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onboarding.settings.production")

application = get_wsgi_application()
