"""Campaigns, their tasks (one per instruction or uop), task status history and progress per snapshot."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Campaign(models.Model):
    """A conversion effort modelled on a CPython mega-issue (``analyzer.campaigns``)."""

    slug = models.SlugField(max_length=50, unique=True)
    title = models.CharField(max_length=200)
    issue = models.CharField(max_length=20, help_text="The mega-issue, e.g. gh-134584.")
    summary = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in lists (the analyzer's registry).")

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def issue_url(self) -> str:
        return f"https://github.com/python/cpython/issues/{self.issue.removeprefix('gh-')}"


class Task(models.Model):
    """One instruction or uop to convert in a campaign; ``name`` is stable across snapshots.

    The finding's fields are copied from the last snapshot that had it; ``status`` is the
    workflow state (DESIGN.md section 6): todo → claimed → in_review → done, plus
    not_applicable and retired (gone upstream).
    """

    class Status(models.TextChoices):
        TODO = "todo", "to do"
        CLAIMED = "claimed", "claimed"
        IN_REVIEW = "in_review", "in review"
        DONE = "done", "done"
        NOT_APPLICABLE = "not_applicable", "not applicable"
        RETIRED = "retired", "retired"

    class Difficulty(models.TextChoices):
        EASY = "easy", "easy"
        MEDIUM = "medium", "medium"
        HARD = "hard", "hard"

    #: States in which the task is still work to do (someone may hold it).
    OPEN_STATUSES = (Status.TODO, Status.CLAIMED, Status.IN_REVIEW)
    #: States that no contributor can claim.
    CLOSED_STATUSES = (Status.DONE, Status.NOT_APPLICABLE, Status.RETIRED)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, help_text="inst, op or macro.")
    uop = models.CharField(max_length=100, help_text="The definition that holds the code.")
    family = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TODO)
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    summary = models.TextField(blank=True)
    reasons = models.JSONField(default=list, blank=True)
    evidence = models.JSONField(default=list, blank=True, help_text="[{file, line, text, note}, ...]")
    macros = models.JSONField(default=list, blank=True)
    file = models.CharField(max_length=200)
    line = models.PositiveIntegerField()
    end_line = models.PositiveIntegerField()
    definition = models.TextField(blank=True, help_text="Source lines file:line..end_line at the last snapshot.")
    guide = models.TextField(
        blank=True, help_text="Step-by-step guide (Markdown) from analyzer.markdown.render_guide at the last scan."
    )
    impact = models.FloatField(
        null=True,
        blank=True,
        help_text="Share (0..1) of executed tier-1 instructions whose expansion contains the uop, "
        "from a pystats file (analyzer.impact); null without execution counts.",
    )
    last_snapshot = models.ForeignKey(
        "snapshots.Snapshot",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The latest snapshot whose findings included this task.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign__position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="task_unique_name_per_campaign"),
        ]
        indexes = [models.Index(fields=["status", "difficulty"])]

    def __str__(self) -> str:
        return f"{self.campaign.slug}/{self.name}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def permalink(self) -> str | None:
        """GitHub link to ``file#Lline-Lend_line`` at the last snapshot's commit, in its repository."""
        snapshot = self.last_snapshot
        if snapshot is None or not snapshot.commit:
            return None
        return (
            f"https://github.com/{snapshot.repository}/blob/{snapshot.commit}/{self.file}#L{self.line}-L{self.end_line}"
        )


class TaskStatusChange(models.Model):
    """One change of a task's status, made by a scan or by a person, with the reason."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Task.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Task.Status.choices)
    scan = models.ForeignKey("snapshots.Scan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    snapshot = models.ForeignKey(
        "snapshots.Snapshot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.task}: {self.from_status or '-'} → {self.to_status}"


class CampaignProgress(models.Model):
    """How many findings of a campaign had each status in one snapshot (a burndown point)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="progress")
    snapshot = models.ForeignKey("snapshots.Snapshot", on_delete=models.CASCADE, related_name="progress")
    evaluated = models.BooleanField(default=True, help_text="False: the snapshot lacks what the campaign needs.")
    note = models.CharField(max_length=300, blank=True)
    todo = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    not_applicable = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "snapshot"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "snapshot"], name="progress_unique_per_snapshot"),
        ]
        verbose_name_plural = "campaign progress"

    def __str__(self) -> str:
        return f"{self.campaign.slug} at {self.snapshot.label}: {self.todo} todo, {self.done} done"
