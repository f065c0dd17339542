"""Task flips found in a CPython git history, the runs that found them, and analyses cached by blob id."""

from __future__ import annotations

from django.db import models


class HistoryRun(models.Model):
    """One ``scan_history`` over a checkout's commits; a failed run wrote no flips and says why."""

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    repository = models.CharField(max_length=500, help_text="The checkout's path as given.")
    branch = models.CharField(max_length=200)
    since = models.DateField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    mode = models.CharField(max_length=40, blank=True, help_text="in-process, or celery (the analyses fanned out).")
    commits = models.PositiveIntegerField(default=0, help_text="Commits that touched the DSL files in the range.")
    versions = models.PositiveIntegerField(default=0, help_text="Distinct (bytecodes.c, optimizer_bytecodes.c) blobs.")
    analyses = models.PositiveIntegerField(default=0, help_text="Versions analyzed by this run (not cached).")
    cache_hits = models.PositiveIntegerField(default=0)
    flips_created = models.PositiveIntegerField(default=0)
    flips_updated = models.PositiveIntegerField(default=0)
    flips_deleted = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True, help_text="Versions the analyzer rejected, by commit.")
    error = models.TextField(blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.repository} {self.branch} ({self.status})"


class VersionAnalysis(models.Model):
    """The campaign statuses of one version of the DSL files, keyed by their git blob ids.

    ``results``: ``{slug: {"evaluated": bool, "statuses": {finding name: status}}}``;
    ``error`` is the analyzer's message when it rejected the version (then ``results`` is
    empty). ``analyzer`` is a digest of the analyzer's own sources, so a changed analyzer
    never reuses an old answer.
    """

    bytecodes_blob = models.CharField(max_length=64)
    optimizer_blob = models.CharField(max_length=64, blank=True, help_text="Empty when the commit has no such file.")
    analyzer = models.CharField(max_length=64)
    results = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bytecodes_blob", "optimizer_blob", "analyzer"], name="version_analysis_unique_blobs"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bytecodes_blob[:10]}+{self.optimizer_blob[:10] or '-'}"


class TaskFlip(models.Model):
    """A task's status changed between a commit's DSL files and its predecessor's (``git log`` order).

    ``from_status``/``to_status`` are finding statuses (todo, done, not_applicable), or empty
    when the task is absent on that side. Identified like tasks are, by campaign and name;
    ``task`` links the row when the site has that task.
    """

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="flips")
    task_name = models.CharField(max_length=100)
    task = models.ForeignKey("campaigns.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="flips")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    commit = models.CharField(max_length=40)
    committed_at = models.DateTimeField(help_text="The commit's committer date.")
    author_name = models.CharField(max_length=200, blank=True)
    author_email = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    pr_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="From the message's (#NNNNNN) or (GH-NNNNNN)."
    )
    run = models.ForeignKey(HistoryRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="flips")

    class Meta:
        ordering = ["committed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "task_name", "commit"], name="task_flip_unique_per_commit"),
        ]
        indexes = [models.Index(fields=["campaign", "task_name", "committed_at"])]

    def __str__(self) -> str:
        change = f"{self.from_status or '-'} → {self.to_status or '-'}"
        return f"{self.campaign_id}/{self.task_name}: {change} at {self.commit[:10]}"
