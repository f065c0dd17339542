"""Writes for campaigns and tasks: campaign records and task status changes with their history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from analyzer.analysis import analyze, analyze_tree
from analyzer.errors import AnalyzerError
from analyzer.gitinfo import tree_at_commit
from analyzer.impact import read_pystats, uop_impact
from onboarding.campaigns.models import Campaign, Task, TaskStatusChange
from onboarding.errors import ApplicationError
from onboarding.snapshots.models import Scan


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


def tasks_impact_set(*, shares: Mapping[str, float]) -> int:
    """Set every task's ``impact`` from ``shares`` (uop name → share of executed instructions, 0..1).

    ``shares`` is `analyzer.impact.uop_impact` of the newest snapshot. A task whose uop is not
    in it never ran (0.0); a retired task (gone upstream) gets ``None``. One bulk update;
    returns how many tasks changed.
    """
    changed = []
    for task in Task.objects.only("pk", "uop", "status", "impact"):
        value = None if task.status == Task.Status.RETIRED else shares.get(task.uop, 0.0)
        if task.impact != value:
            task.impact = value
            changed.append(task)
    Task.objects.bulk_update(changed, ["impact"], batch_size=500)
    return len(changed)


def tasks_impact_load(*, pystats: str | Path) -> tuple[Scan, int]:
    """Recompute every task's impact from a pystats file against the newest scanned snapshot.

    The instruction → uop expansion comes from the sources of the newest successful scan
    (read from git at its commit, else from its folder). Returns that scan and the number of
    tasks changed. Raises `ApplicationError` (nothing written) when the file is not a pystats
    file, nothing was scanned yet, or the newest scan's sources are gone.
    """
    try:
        counts = read_pystats(pystats)
    except AnalyzerError as exc:
        raise ApplicationError(f"cannot read the pystats file: {exc}") from None
    scans = Scan.objects.filter(status=Scan.Status.SUCCEEDED, snapshot__isnull=False)
    # Undated snapshots count as newest, as in the scan service.
    scan = scans.order_by("-snapshot__date", "-finished_at").filter(snapshot__date__isnull=True).first() or (
        scans.order_by("-snapshot__date", "-finished_at").first()
    )
    if scan is None:
        raise ApplicationError("no successful scan yet: scan a CPython checkout first (manage.py scan PATH)")
    tree = tree_at_commit(scan.path, scan.commit) if scan.commit else None
    try:
        analysis = analyze_tree(tree) if tree is not None else analyze(scan.path)
    except AnalyzerError as exc:
        raise ApplicationError(
            f"the sources of the newest scan ({scan.label}) cannot be read again: {exc}; scan them again "
            "with PYSTATS_FILE set instead"
        ) from None
    with transaction.atomic():
        changed = tasks_impact_set(shares=uop_impact(analysis, counts))
    return scan, changed
