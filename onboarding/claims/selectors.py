"""Reads about claims: the active claim of a task, a contributor's claims, claim history, unlinked pull requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from onboarding.campaigns.models import Task, TaskStatusChange
from onboarding.claims.models import Claim, ClaimEvent, PullRequest
from onboarding.contributors.models import Contributor


def claim_active_for_task(*, task: Task) -> Claim | None:
    """The task's active claim with its contributor, or ``None``."""
    return (
        Claim.objects.filter(task=task, status=Claim.Status.ACTIVE)
        .select_related("contributor", "contributor__user")
        .first()
    )


def claim_list_for_task(*, task: Task) -> QuerySet[Claim]:
    """Every claim ever made on the task, newest first, with events and pull requests."""
    return (
        Claim.objects.filter(task=task)
        .select_related("contributor", "released_by", "assigned_by")
        .prefetch_related(Prefetch("events", queryset=ClaimEvent.objects.select_related("actor")), "pull_requests")
    )


def claim_list_active_for_contributor(*, contributor: Contributor) -> QuerySet[Claim]:
    """The contributor's active claims, oldest first."""
    return (
        Claim.objects.filter(contributor=contributor, status=Claim.Status.ACTIVE)
        .select_related("task", "task__campaign")
        .order_by("claimed_at")
    )


@dataclass(frozen=True)
class ClaimSchedule:
    """When a claim was last active and when the reminder and expiry jobs will act on it.

    ``reminded_at`` is the reminder already sent in the current quiet spell (``None`` if none);
    ``remind_at`` when the next reminder is due (``None`` once reminded); ``expires_at`` the
    earliest time the expiry job frees the task if nothing happens (`claims.expiry` rules:
    ``CLAIMS_REMIND_AFTER_DAYS`` and ``CLAIMS_EXPIRE_AFTER_DAYS`` after the last activity,
    and never sooner than their difference after the reminder). Jobs run every few hours, so
    each happens at the first run after these times. All are aware datetimes (UTC).
    """

    last_activity: dt.datetime
    reminded_at: dt.datetime | None
    remind_at: dt.datetime | None
    expires_at: dt.datetime


def claim_schedule(claim: Claim) -> ClaimSchedule:
    """The reminder and expiry times of an active claim (see `ClaimSchedule`)."""
    from onboarding.claims.expiry import REMINDED, claim_last_activity

    remind = dt.timedelta(days=settings.CLAIMS_REMIND_AFTER_DAYS)
    expire = dt.timedelta(days=settings.CLAIMS_EXPIRE_AFTER_DAYS)
    grace = max(expire - remind, dt.timedelta(0))
    last = claim_last_activity(claim)
    reminders = [e.at for e in claim.events.all() if e.kind == REMINDED and e.at >= last]
    reminded_at = max(reminders) if reminders else None
    remind_at = None if reminded_at else last + remind
    expires_at = max(last + expire, (reminded_at or last + remind) + grace)
    return ClaimSchedule(last_activity=last, reminded_at=reminded_at, remind_at=remind_at, expires_at=expires_at)


def claim_list_active_with_schedule(*, contributor: Contributor) -> list[tuple[Claim, ClaimSchedule]]:
    """The contributor's active claims, oldest first, each with its `ClaimSchedule`."""
    claims = claim_list_active_for_contributor(contributor=contributor).prefetch_related("events", "pull_requests")
    return [(claim, claim_schedule(claim)) for claim in claims]


@dataclass(frozen=True)
class UnlinkedGroup:
    """Pull requests that share one reason: linked to no task, or linked but credited to nobody."""

    reason: str
    pull_requests: list[PullRequest]


def _grouped(pairs: Iterable[tuple[str, PullRequest]]) -> list[UnlinkedGroup]:
    groups: dict[str, list[PullRequest]] = {}
    for reason, pr in pairs:
        groups.setdefault(reason, []).append(pr)
    return [UnlinkedGroup(r, prs) for r, prs in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))]


def pull_request_unlinked_groups() -> list[UnlinkedGroup]:
    """Imported pull requests linked to no task, grouped by ``link_note`` (largest group first); one query."""
    prs = (
        PullRequest.objects.filter(tasks__isnull=True)
        .exclude(link_note="")
        .select_related("author", "campaign")
        .order_by("number")
    )
    return _grouped((pr.link_note, pr) for pr in prs)


def pull_request_uncredited_groups() -> list[UnlinkedGroup]:
    """Merged pull requests linked to tasks whose work no one is credited for yet, by why; three queries.

    Reasons, first that applies: the merge date is unknown; no scan of a snapshot dated on or
    after the merge shows one of its tasks flipping to done (read now, as the leaderboard
    does); the author is unknown or not confirmed (and no claim names anyone).
    """
    prs = (
        PullRequest.objects.filter(state=PullRequest.State.MERGED, tasks__isnull=False, claim__isnull=True)
        .distinct()
        .select_related("author", "campaign")
        .prefetch_related("tasks")
        .order_by("number")
    )
    flips: dict[int, dt.date] = {}
    tasks = {t.pk for pr in prs for t in pr.tasks.all()}
    done = (
        TaskStatusChange.objects.filter(task_id__in=tasks, to_status=Task.Status.DONE, snapshot__date__isnull=False)
        .exclude(from_status="")
        .values_list("task_id", "snapshot__date")
    )
    for task_id, day in done:
        flips[task_id] = max(day, flips.get(task_id, day))

    def why(pr: PullRequest) -> str | None:
        if pr.merged_at is None:
            return "merged, but the merge date is unknown, so no scan can be said to confirm it"
        merged = pr.merged_at.date()
        if not any(flips.get(t.pk, dt.date.min) >= merged for t in pr.tasks.all()):
            return (
                "no scan of a snapshot dated after the merge shows its tasks turning done "
                "(they were done when first scanned, or no later snapshot yet)"
            )
        if pr.author is None:
            return "the author is unknown"
        if not pr.author_verified:
            return "the author could not be confirmed from the pull request itself"
        return None

    return _grouped((reason, pr) for pr in prs if (reason := why(pr)) is not None)
