"""Reads of the history app: where a task was done upstream (commit, date, pull request)."""

from __future__ import annotations

from onboarding.campaigns.models import Task
from onboarding.history.models import HistoryRun, TaskFlip

__all__ = ["history_run_latest", "task_done_flip", "task_flips"]


def task_flips(*, task: Task) -> list[TaskFlip]:
    """Every recorded flip of ``task`` (by campaign and name), oldest commit first."""
    return list(
        TaskFlip.objects.filter(campaign_id=task.campaign_id, task_name=task.name).order_by("committed_at", "pk")
    )


def task_done_flip(*, task: Task) -> TaskFlip | None:
    """The flip that made ``task`` done, if its latest flip is one (a later revert or removal undoes it).

    ``None`` when no history was scanned for it, when it was already done before the
    scanned range, or when its latest flip moved it away from done.
    """
    latest = (
        TaskFlip.objects.filter(campaign_id=task.campaign_id, task_name=task.name)
        .order_by("-committed_at", "-pk")
        .first()
    )
    return latest if latest is not None and latest.to_status == Task.Status.DONE else None


def history_run_latest() -> HistoryRun | None:
    """The most recently started backfill run, if any."""
    return HistoryRun.objects.order_by("-started_at", "-pk").first()
