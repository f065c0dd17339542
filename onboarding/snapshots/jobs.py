"""Celery jobs of the snapshots app: run a queued scan (see ``snapshots.queued``)."""

from __future__ import annotations

from celery import shared_task

from onboarding.snapshots.queued import scan_execute


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scan_job(scan_id: int) -> str:
    """Run queued scan ``scan_id``; idempotent (a succeeded scan is not run again). Returns its status."""
    return str(scan_execute(scan_id=scan_id).status)
