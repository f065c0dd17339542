"""The JIT onboarding site: Django project package (settings, URLs, Celery app) and its flat apps."""

from onboarding.celery import app as celery_app

__all__ = ["celery_app"]
