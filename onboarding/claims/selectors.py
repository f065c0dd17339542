"""Reads about claims: the active claim of a task, a contributor's claims, claim history."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from onboarding.campaigns.models import Task
from onboarding.claims.models import Claim, ClaimEvent
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
