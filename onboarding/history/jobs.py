"""Celery jobs of the history app: analyze one version of the DSL files; fan a backfill's versions out.

With a broker and a result backend (``CELERY_BROKER_URL``, ``CELERY_RESULT_BACKEND``) the
versions go to the workers as one Celery group and come back in submission order; otherwise
(``CELERY_TASK_ALWAYS_EAGER``, the default) they are analyzed in this process, one by one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from celery import current_app, group, shared_task
from django.conf import settings

from onboarding.history.versions import Statuses, version_statuses

#: ``(bytecodes.c text, optimizer_bytecodes.c text or None)``
VersionText = tuple[str, str | None]


@shared_task(acks_late=True, reject_on_worker_lost=True)
def version_analyze_job(bytecodes: str, optimizer: str | None) -> list[Any]:
    """Analyze one version; returns ``[statuses, error]`` (see `version_statuses`). Pure: writes nothing."""
    statuses, error = version_statuses(bytecodes=bytecodes, optimizer=optimizer)
    return [statuses, error]


def fan_out_available() -> bool:
    """Whether analyses go to Celery workers: a real broker (not eager) and a result backend to answer."""
    conf = current_app.conf
    return not conf.task_always_eager and bool(conf.result_backend)


def versions_analyze(versions: Sequence[VersionText]) -> Iterator[tuple[Statuses, str]]:
    """``(statuses, error)`` of each version, in the order given, as each becomes available.

    On Celery the whole group is queued at once and its results are read in order (a later
    version may be done before an earlier one; it waits for its turn). A version whose worker
    gives no answer within ``HISTORY_VERSION_TIMEOUT`` seconds raises Celery's ``TimeoutError``.
    """
    if not fan_out_available():
        for bytecodes, optimizer in versions:
            yield version_statuses(bytecodes=bytecodes, optimizer=optimizer)
        return
    result = group(version_analyze_job.s(b, o) for b, o in versions).apply_async()
    timeout = float(getattr(settings, "HISTORY_VERSION_TIMEOUT", 900))
    finished = False
    try:
        for child in result.results:
            statuses, error = child.get(timeout=timeout, propagate=True)
            child.forget()
            yield statuses, error
        finished = True
    finally:
        if not finished:
            # Stopped early (an error, or the caller gave up): leave no queued work behind.
            result.revoke()
