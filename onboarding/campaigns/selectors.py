"""Reads for campaigns and tasks: lists with counts, burndown points, filtered tasks, the mega-issue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.urls import reverse

from onboarding.campaigns.filters import TaskFilter
from onboarding.campaigns.models import Campaign, CampaignProgress, Task, TaskStatusChange
from onboarding.claims.models import Claim
from onboarding.contributors.models import Contributor
from onboarding.snapshots.models import Snapshot


@dataclass(frozen=True)
class CampaignCounts:
    """Current task counts of one campaign; ``total`` leaves out not-applicable and retired tasks."""

    todo: int
    claimed: int
    in_review: int
    done: int
    not_applicable: int
    retired: int

    @property
    def total(self) -> int:
        return self.todo + self.claimed + self.in_review + self.done

    def percent(self, part: int) -> float:
        return round(100 * part / self.total, 1) if self.total else 0.0

    @property
    def done_percent(self) -> float:
        return self.percent(self.done)

    @property
    def in_progress_percent(self) -> float:
        return self.percent(self.claimed + self.in_review)


def _counts_annotations() -> dict[str, Count]:
    return {status: Count("tasks", filter=Q(tasks__status=status)) for status in Task.Status.values}


def campaign_list() -> QuerySet[Campaign]:
    """Campaigns in registry order, each annotated with its task count per status (``todo``, ...)."""
    return Campaign.objects.annotate(**_counts_annotations()).order_by("position", "slug")


def campaign_counts(campaign: Campaign) -> CampaignCounts:
    """The counts of a campaign from `campaign_list` (or computed when not annotated)."""
    if not hasattr(campaign, "todo"):
        campaign = campaign_list().get(pk=campaign.pk)
    return CampaignCounts(**{status: getattr(campaign, status) for status in Task.Status.values})


def campaign_progress_list(*, campaign: Campaign) -> list[CampaignProgress]:
    """Burndown points: the campaign's finding counts per scanned snapshot, oldest snapshot first."""
    rows = CampaignProgress.objects.filter(campaign=campaign, snapshot__scanned_at__isnull=False)
    return sorted(rows.select_related("snapshot"), key=lambda p: _snapshot_order(p.snapshot))


def _snapshot_order(snapshot: Snapshot) -> tuple[int, Any, Any]:
    when = snapshot.date or (snapshot.scanned_at.date() if snapshot.scanned_at else None)
    return (0 if when else 1, when, snapshot.pk)


def snapshot_latest() -> Snapshot | None:
    """The newest scanned snapshot (by date), which the task states follow."""
    scanned = list(Snapshot.objects.filter(scanned_at__isnull=False))
    return max(scanned, key=_snapshot_order) if scanned else None


#: The task list's sort keys (``?sort=KEY``, ``-KEY`` for the reverse order) and their labels.
TASK_SORTS = {
    "name": "name",
    "difficulty": "difficulty (easiest first), then impact",
    "impact": "impact (largest first)",
    "status": "status",
    "claimed": "claimed by",
}


def task_has_impact() -> bool:
    """Whether tasks carry an ``impact`` (share of executed instructions) in this schema."""
    return any(f.name == "impact" for f in Task._meta.get_fields())


def _ranked(field: str, values: list[str]) -> Case:
    return Case(*(When(**{field: v}, then=Value(i)) for i, v in enumerate(values)), default=Value(len(values)))


def task_sort_order(sort: str) -> list[Any]:
    """``order_by`` terms for ``sort`` (a `TASK_SORTS` key, ``-`` prefix reverses); raises KeyError.

    Difficulty ranks easy, medium, hard; status follows `Task.Status` order; impact sorts
    largest first with tasks without impact data last; ties fall back to name, then campaign.
    """
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in TASK_SORTS:
        raise KeyError(sort)
    has_impact = task_has_impact()
    impact = [F("impact").desc(nulls_last=True)] if has_impact else []
    if key == "name":
        primary: Any = F("name")
    elif key == "difficulty":
        primary = _ranked("difficulty", list(Task.Difficulty.values))
    elif key == "status":
        primary = _ranked("status", list(Task.Status.values))
    elif key == "claimed":
        primary = F("claimant")
    elif has_impact:  # impact: largest first by default
        descending = not descending
        primary = F("impact")
    else:
        return ["name", "campaign__position"]
    # Empty cells (unclaimed, no impact data) stay last in both directions.
    primary = primary.desc(nulls_last=True) if descending else primary.asc(nulls_last=True)
    extra = impact if key == "difficulty" else []
    return [primary, *extra, "name", "campaign__position"]


def task_list(
    *, filters: Mapping[str, Any] | None = None, sort: str = "", claimed_by: Contributor | None = None
) -> TaskFilter:
    """Tasks filtered by campaign, status, difficulty, family, claimed/unclaimed and name.

    Returns the bound `TaskFilter`: ``.qs`` holds the tasks (with ``claimant``, the active
    claim's GitHub handle, annotated) and ``.form`` the filter form with its errors.
    ``sort`` is a `TASK_SORTS` key (``-`` prefix reverses; unknown keys raise KeyError; empty:
    campaign, then name). ``claimed_by`` keeps the tasks that contributor holds an active claim on.
    """
    claimant = Claim.objects.filter(task=OuterRef("pk"), status=Claim.Status.ACTIVE).values(
        "contributor__github_handle"
    )[:1]
    queryset = Task.objects.select_related("campaign").annotate(claimant=Subquery(claimant))
    if claimed_by is not None:
        queryset = queryset.filter(claims__contributor=claimed_by, claims__status=Claim.Status.ACTIVE)
    queryset = queryset.order_by(*task_sort_order(sort)) if sort else queryset.order_by("campaign__position", "name")
    return TaskFilter(filters if filters is not None else {}, queryset=queryset)


def task_get(*, campaign_slug: str, name: str) -> Task:
    """The task ``name`` of the campaign; raises `Task.DoesNotExist`."""
    return Task.objects.select_related("campaign", "last_snapshot").get(campaign__slug=campaign_slug, name=name)


def task_history(*, task: Task) -> QuerySet[TaskStatusChange]:
    """The task's status changes, oldest first, with who or which snapshot made them."""
    return task.status_changes.select_related("user", "snapshot").order_by("at", "pk")


def campaign_open_tasks_with_claims(*, campaign: Campaign) -> QuerySet[Task]:
    """The campaign's tasks that are not retired, with their active claim prefetched as ``active_claims``."""
    active = Claim.objects.filter(status=Claim.Status.ACTIVE).select_related("contributor")
    return (
        campaign.tasks.exclude(status=Task.Status.RETIRED)
        .prefetch_related(Prefetch("claims", queryset=active, to_attr="active_claims"))
        .order_by("name")
    )


def _finding_status(task_status: str) -> str:
    """The analyzer status a task stands for: claimed and in-review work is still ``todo``."""
    if task_status in (Task.Status.DONE, Task.Status.NOT_APPLICABLE):
        return str(task_status)
    return "todo"


def campaign_megaissue(*, campaign: Campaign, site_url: str | None = None) -> str:
    """The campaign's mega-issue Markdown, rendered by ``analyzer.markdown`` from the stored tasks.

    ``site_url`` is this site's absolute root (``https://jit.example.org/``); when given, the
    text links the site and every open item links its task page, where the guide is. The
    default is ``settings.SITE_URL`` (empty: no links).

    Retired tasks are left out; active claims (and, for done tasks, the completed claim)
    give the claimant and PR link. Permalinks use the latest snapshot's commit, in the
    repository that holds it (python/cpython, or the fork a shared snapshot came from).
    """
    # Imported here: the renderer is the analyzer's, and only this download needs it.
    from analyzer.campaigns import REGISTRY, CampaignResult, Evidence, Finding
    from analyzer.campaigns import Campaign as CampaignInfo
    from analyzer.markdown import ClaimInfo, render_megaissue

    info = REGISTRY.get(campaign.slug) or CampaignInfo(
        slug=campaign.slug,
        title=campaign.title,
        issue=campaign.issue,
        summary=campaign.summary,
        find=lambda analysis: None,
    )
    tasks = list(campaign.tasks.exclude(status=Task.Status.RETIRED).order_by("name"))
    findings = tuple(
        Finding(
            campaign=campaign.slug,
            name=t.name,
            kind=t.kind,
            status=_finding_status(t.status),
            file=t.file,
            line=t.line,
            end_line=t.end_line,
            difficulty=t.difficulty,
            reasons=tuple(t.reasons),
            evidence=tuple(Evidence(**e) for e in t.evidence),
            uop=t.uop,
            family=t.family or None,
            summary=t.summary,
            macros=tuple(t.macros),
        )
        for t in tasks
    )
    claims: dict[str, ClaimInfo] = {}
    credited = (
        Claim.objects.filter(task__campaign=campaign)
        .filter(Q(status=Claim.Status.ACTIVE) | Q(status=Claim.Status.COMPLETED, task__status=Task.Status.DONE))
        .select_related("task", "contributor")
        .order_by("claimed_at", "pk")
    )
    for claim in credited:  # later claims win
        claims[claim.task.name] = ClaimInfo(handle=claim.contributor.github_handle, pr_url=claim.pr_url or None)
    latest = snapshot_latest()
    commit = latest.commit or None if latest is not None else None
    repository = latest.repository if latest is not None else "python/cpython"
    root = (site_url if site_url is not None else settings.SITE_URL).rstrip("/")

    def task_url(finding: Finding) -> str:
        return root + reverse("web:task", args=[campaign.slug, finding.name])

    return render_megaissue(
        CampaignResult(info, findings),
        commit=commit,
        claims=claims,
        repository=repository,
        site_url=f"{root}/" if root else None,
        task_url=task_url if root else None,
    )


#: Statuses that are about the work itself; moves to other statuses (retired, not applicable)
#: are the analyzer's bookkeeping and are folded into one line per scan.
WORK_STATUSES = (Task.Status.TODO, Task.Status.CLAIMED, Task.Status.IN_REVIEW, Task.Status.DONE)


@dataclass(frozen=True)
class RecentChange:
    """One line of a campaign's "Recent changes".

    Either one task's move (``change`` set) or the tasks one scan retired or found not
    applicable (``folded`` names them, ``scan_label`` says which snapshot). ``date`` is the
    snapshot's date for changes a scan made (the sources' date, not when the scan ran) and
    the change's own date otherwise.
    """

    date: Any
    change: TaskStatusChange | None = None
    folded: tuple[str, ...] = ()
    folded_status: str = ""
    scan_label: str = ""


def change_date(change: TaskStatusChange) -> Any:
    """When a status change happened: its snapshot's date for scan changes, else its own date."""
    snapshot = change.snapshot
    if snapshot is not None and snapshot.date is not None:
        return snapshot.date
    return change.at.date()


def campaign_recent_changes(*, campaign: Campaign, limit: int = 20) -> list[RecentChange]:
    """The campaign's latest changes, newest first: work moves one per line, retirements one line per scan.

    A work move is a change to ``todo``, ``claimed``, ``in_review`` or ``done`` (first
    sightings of tasks are left out: nothing happened to them); every other change a scan
    made (retired, not applicable) is folded into one line per snapshot and status. Reads a
    bounded window of the newest changes (``limit * 20``) so the cost does not grow with history.
    """
    rows = list(
        TaskStatusChange.objects.filter(task__campaign=campaign)
        .exclude(from_status="")
        .select_related("task", "user", "snapshot")
        .order_by("-at", "-pk")[: limit * 20]
    )
    order: list[TaskStatusChange | tuple[int, str]] = []
    folded: dict[tuple[int, str], list[TaskStatusChange]] = {}
    for change in rows:
        if change.to_status in WORK_STATUSES or change.snapshot_id is None:
            order.append(change)
            continue
        key = (change.snapshot_id, change.to_status)
        if key not in folded:
            folded[key] = []
            order.append(key)
        folded[key].append(change)
    lines = []
    for item in order[:limit]:
        if isinstance(item, TaskStatusChange):
            lines.append(RecentChange(date=change_date(item), change=item))
            continue
        changes = folded[item]
        first = changes[0]
        lines.append(
            RecentChange(
                date=change_date(first),
                folded=tuple(sorted(c.task.name for c in changes)),
                folded_status=first.get_to_status_display(),
                scan_label=first.snapshot.label if first.snapshot else "",
            )
        )
    return lines


def campaign_todo_by_difficulty(*, campaign: Campaign) -> dict[str, int]:
    """How many unclaimed ``todo`` tasks the campaign has per difficulty, easiest first."""
    rows = dict(campaign.tasks.filter(status=Task.Status.TODO).values_list("difficulty").annotate(n=Count("pk")))
    return {d: rows.get(d, 0) for d in Task.Difficulty.values}
