"""Queued scans: a Scan row made at once, run later by a Celery job that reports its progress on the row.

The job (``snapshots.jobs.scan_job``) is idempotent and safe to retry: a succeeded scan is
never run twice, and a scan whose worker died (the row still says ``running``) simply runs
again; the scan service writes its results in one transaction, so a killed run leaves none.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from onboarding.errors import BrokerUnavailable, ScanFailed, ScanNotRerunnable
from onboarding.snapshots.models import CPYTHON_REPOSITORY, Scan
from onboarding.snapshots.services import scan_run, snapshot_default_label

logger = logging.getLogger(__name__)


def _job_enqueue(scan: Scan) -> None:
    pk = scan.pk
    transaction.on_commit(lambda: _job_send(pk))


def _job_send(scan_id: int) -> None:
    """Send the scan's job to the broker; when it is unreachable the row says so and stays re-runnable.

    Raises `BrokerUnavailable` (the API answers 503) after marking the scan ``failed`` with the
    reason, so no ``pending`` row is left behind forever; ``scan_rerun`` queues it again.
    """
    from kombu.exceptions import OperationalError

    from onboarding.snapshots.jobs import scan_job

    try:
        scan_job.delay(scan_id)
    except OperationalError as exc:
        logger.warning("scan %s: the broker is unreachable: %s", scan_id, exc)
        Scan.objects.filter(pk=scan_id, status=Scan.Status.PENDING).update(
            status=Scan.Status.FAILED,
            finished_at=timezone.now(),
            error=f"Not started: the job broker was unreachable ({exc}). Re-run the scan once it is back.",
        )
        raise BrokerUnavailable(
            f"Scan #{scan_id} could not be queued: the job broker is unreachable. It is recorded as failed; "
            "re-run it once the broker is back."
        ) from exc


def scan_enqueue(
    *,
    path: str | Path,
    label: str | None = None,
    commit: str | None = None,
    repository: str | None = None,
    date: dt.date | None = None,
) -> Scan:
    """A ``pending`` Scan of ``path``, queued for a worker once the transaction commits.

    Without a broker (the default) the job runs in-process right after the commit. Raises
    `BrokerUnavailable` when the broker cannot be reached (the scan is then ``failed``, saying so).
    """
    with transaction.atomic():
        scan = Scan.objects.create(
            label=label or snapshot_default_label(path=path, commit=commit),
            path=str(path),
            commit=commit or "",
            repository=repository or CPYTHON_REPOSITORY,
            date=date,
            status=Scan.Status.PENDING,
        )
        _job_enqueue(scan)
    return scan


def scan_rerun(*, scan: Scan) -> Scan:
    """Queue ``scan`` again: a failed one, or one left ``running`` by a worker that died.

    Raises `ScanNotRerunnable` for a scan that succeeded (scan the snapshot anew instead).
    """
    with transaction.atomic():
        scan = Scan.objects.select_for_update().get(pk=scan.pk)
        if scan.status == Scan.Status.SUCCEEDED:
            raise ScanNotRerunnable(f"Scan #{scan.pk} of {scan.label} succeeded; start a new scan instead.")
        scan.status = Scan.Status.PENDING
        scan.progress = []
        scan.save(update_fields=["status", "progress"])
        _job_enqueue(scan)
    return scan


class _ProgressRecorder:
    """The scan's ``progress`` callback: records each step on the Scan row as it happens.

    Steps reported inside the scan's transaction cannot be seen by others before the commit,
    so they are only logged; the whole list is saved when the scan ends.
    """

    def __init__(self, scan_id: int) -> None:
        self.scan_id = scan_id
        self.steps: list[str] = []

    def __call__(self, message: str, level: int) -> None:
        if level > 1:
            return
        self.steps.append(message)
        logger.info("scan %s: %s", self.scan_id, message)
        if not connection.in_atomic_block:
            self.save()
        if settings.SCAN_JOB_STEP_DELAY:
            time.sleep(settings.SCAN_JOB_STEP_DELAY)

    def save(self) -> None:
        Scan.objects.filter(pk=self.scan_id).update(progress=self.steps)


def scan_execute(*, scan_id: int) -> Scan:
    """Run the queued scan ``scan_id`` (the job's body); returns it succeeded or failed.

    A scan that already succeeded is returned untouched, so a redelivered job does nothing.
    A failure of the analyzer is recorded on the row (``failed``, with why), not raised.
    """
    scan = Scan.objects.get(pk=scan_id)
    if scan.status == Scan.Status.SUCCEEDED:
        return scan
    recorder = _ProgressRecorder(scan.pk)
    try:
        scan_run(
            path=scan.path,
            label=scan.label,
            commit=scan.commit or None,
            repository=scan.repository,
            date=scan.date,
            progress=recorder,
            scan=scan,
        )
    except ScanFailed:
        pass
    finally:
        recorder.save()
    scan.refresh_from_db()
    return scan
