"""The Celery application, wired to Django settings (``CELERY_*``); jobs live in ``<app>/jobs.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onboarding.settings.base")

app = Celery("onboarding")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Jobs are in jobs.py, not tasks.py, so they are never confused with the campaigns.Task model.
app.autodiscover_tasks(related_name="jobs")
