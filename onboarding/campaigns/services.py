"""Writes for campaigns and tasks: campaign records and task status changes with their history."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from onboarding.campaigns.models import Campaign, Task, TaskStatusChange


def campaign_upsert(*, slug: str, title: str, issue: str, summary: str, position: int) -> Campaign:
    """The campaign called ``slug``, created or brought up to date (no write when unchanged)."""
    fields = {"title": title, "issue": issue, "summary": summary, "position": position}
    campaign, created = Campaign.objects.get_or_create(slug=slug, defaults=fields)
    if not created:
        changed = [name for name, value in fields.items() if getattr(campaign, name) != value]
        if changed:
            for name in changed:
                setattr(campaign, name, fields[name])
            campaign.save(update_fields=changed)
    return campaign


def task_status_set(
    *,
    task: Task,
    to_status: str,
    reason: str,
    user: AbstractBaseUser | None = None,
    at: datetime | None = None,
) -> TaskStatusChange | None:
    """Move ``task`` to ``to_status`` and record who did it and why; ``None`` if it was already there.

    Scans write their changes in bulk (see ``snapshots.services``); this is for people's actions.
    """
    if task.status == to_status:
        return None
    at = at or timezone.now()
    change = TaskStatusChange.objects.create(
        task=task, from_status=task.status, to_status=to_status, user=user, reason=reason, at=at
    )
    task.status = to_status
    task.save(update_fields=["status", "updated_at"])
    return change
