"""Celery jobs of the webhook receiver: apply a stored delivery off the request path."""

from __future__ import annotations

from celery import shared_task

from onboarding.webhooks.services import deliveries_retry, delivery_process


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(ConnectionError,), retry_backoff=True)
def delivery_process_job(delivery_id: int) -> str:
    """Apply delivery ``delivery_id`` (idempotent: a processed delivery is left alone)."""
    return str(delivery_process(delivery_id=delivery_id).status)


@shared_task
def deliveries_retry_job() -> int:
    """Periodic: queue again the deliveries left ``received`` (the broker was down); returns how many."""
    return deliveries_retry()
