"""Celery jobs of the history app: analyze one version of the DSL files; fan a backfill's versions out.

With a broker and a result backend (``CELERY_BROKER_URL``, ``CELERY_RESULT_BACKEND``) the
versions go to the workers as Celery groups and come back in submission order; otherwise
(``CELERY_TASK_ALWAYS_EAGER``, the default) they are analyzed in this process, one by one.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from celery import current_app, group, shared_task
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import GroupResult
from django.conf import settings

from onboarding.errors import ApplicationError
from onboarding.history.versions import Statuses, version_statuses

#: Versions per Celery group, and groups queued ahead of the one whose results are being read.
GROUP_SIZE = 16
GROUPS_AHEAD = 2
#: ``(bytecodes.c text, optimizer_bytecodes.c text or None)``
VersionText = tuple[str, str | None]


class WorkersUnavailable(ApplicationError):
    """No Celery worker answered for a version in time (none running on the queue, or all stuck)."""


@shared_task(acks_late=True, reject_on_worker_lost=True)
def version_analyze_job(bytecodes: str, optimizer: str | None) -> list[Any]:
    """Analyze one version; returns ``[statuses, error]`` (see `version_statuses`). Pure: writes nothing."""
    statuses, error = version_statuses(bytecodes=bytecodes, optimizer=optimizer)
    return [statuses, error]


def fan_out_available() -> bool:
    """Whether analyses go to Celery workers: a real broker (not eager) and a result backend to answer."""
    conf = current_app.conf
    return not conf.task_always_eager and bool(conf.result_backend)


def versions_analyze(versions: Iterable[VersionText]) -> Iterator[tuple[Statuses, str]]:
    """``(statuses, error)`` of each version, in the order given, as each becomes available.

    ``versions`` is read lazily. On Celery they are queued as groups of ``GROUP_SIZE``, with
    ``GROUPS_AHEAD`` groups queued beyond the one being read, so the workers stay busy while
    memory and the broker hold a bounded number of texts; results are read in order (a later
    version may finish first and waits for its turn). A version whose worker gives no answer
    within ``HISTORY_VERSION_TIMEOUT`` seconds (default 900) raises `WorkersUnavailable`.
    """
    if not fan_out_available():
        for bytecodes, optimizer in versions:
            yield version_statuses(bytecodes=bytecodes, optimizer=optimizer)
        return
    timeout = float(settings.HISTORY_VERSION_TIMEOUT)
    pending: deque[GroupResult] = deque()
    source = iter(versions)

    def queue_next() -> bool:
        chunk = list(itertools.islice(source, GROUP_SIZE))
        if chunk:
            pending.append(group(version_analyze_job.s(b, o) for b, o in chunk).apply_async())
        return bool(chunk)

    finished = False
    try:
        while len(pending) <= GROUPS_AHEAD and queue_next():
            pass
        while pending:
            for child in pending[0].results:
                try:
                    statuses, error = child.get(timeout=timeout, propagate=True)
                except CeleryTimeoutError:
                    raise WorkersUnavailable(
                        f"no Celery worker analyzed a version within {timeout:.0f} s (HISTORY_VERSION_TIMEOUT); "
                        f"start one (celery -A onboarding worker) on queue {current_app.conf.task_default_queue!r}, "
                        "or unset CELERY_BROKER_URL to analyze in-process"
                    ) from None
                child.forget()
                yield statuses, error
            pending.popleft()
            queue_next()
        finished = True
    finally:
        if not finished:
            # Stopped early (an error, or the caller gave up): leave no queued work behind.
            for result in pending:
                result.revoke()
