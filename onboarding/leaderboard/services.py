"""Writes for the leaderboard: a maintainer records a review or mentoring (the only points typed in by hand).

Conversion points are never written: they are read from merged pull requests and scans
(`onboarding.leaderboard.selectors.conversion_queryset`).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from onboarding.campaigns.models import Task
from onboarding.claims.models import PullRequest
from onboarding.contributors.models import Contributor
from onboarding.errors import NotAllowed
from onboarding.leaderboard.errors import RecognitionDuplicate, RecognitionError
from onboarding.leaderboard.models import Recognition


def recognition_record(
    *,
    contributor: Contributor,
    kind: str,
    recorded_by: Contributor,
    task: Task | None = None,
    pull_request: PullRequest | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Recognition:
    """Record that ``contributor`` reviewed or mentored a task or pull request (issue 7, item 1).

    ``kind`` is a `Recognition.Kind`. Raises `NotAllowed` unless ``recorded_by`` is a
    maintainer other than ``contributor``, `RecognitionError` for an unknown kind or when
    neither ``task`` nor ``pull_request`` is given, and `RecognitionDuplicate` when the same
    person's work of that kind on that task or PR is already recorded.
    """
    if not recorded_by.is_maintainer:
        raise NotAllowed("Only maintainers can record reviews and mentoring.")
    if recorded_by.pk == contributor.pk:
        raise NotAllowed("Ask another maintainer to record your own reviews and mentoring.")
    if kind not in Recognition.Kind.values:
        raise RecognitionError(
            f"{kind!r} is not a kind of recognition; use one of {', '.join(Recognition.Kind.values)}."
        )
    if task is None and pull_request is None:
        raise RecognitionError("Name the task or the pull request that was reviewed or mentored.")
    what = pull_request or task
    try:
        with transaction.atomic():
            return Recognition.objects.create(
                contributor=contributor,
                kind=kind,
                task=task,
                pull_request=pull_request,
                recorded_by=recorded_by,
                note=note.strip(),
                at=at or timezone.now(),
            )
    except IntegrityError:
        raise RecognitionDuplicate(
            f"{contributor}'s {Recognition.Kind(kind).label} of {what} is already recorded."
        ) from None
