"""Celery jobs of the claims app, run by django-celery-beat (``CELERY_BEAT_SCHEDULE``): reminders and expiry."""

from __future__ import annotations

from celery import shared_task

from onboarding.claims.expiry import claims_expire, claims_remind


@shared_task
def claims_remind_job() -> int:
    """Remind the holders of quiet claims; returns how many were reminded."""
    return len(claims_remind())


@shared_task
def claims_expire_job() -> int:
    """Expire reminded claims that stayed quiet; returns how many expired."""
    return len(claims_expire())
