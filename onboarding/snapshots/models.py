"""A CPython snapshot (one scanned source tree) and each Scan run over it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import ngettext

#: Where CPython's own commits live.
CPYTHON_REPOSITORY = "python/cpython"


class Snapshot(models.Model):
    """One version of CPython's DSL files, identified by ``label``, with the hashes that were read.

    ``date`` is when the sources are from (often approximate, see PROVENANCE.md); snapshots
    are ordered by it, which is what the burndown chart and the task state follow.
    """

    label = models.CharField(max_length=100, unique=True)
    commit = models.CharField(max_length=40, blank=True)
    repository = models.CharField(
        max_length=200,
        default=CPYTHON_REPOSITORY,
        help_text="The GitHub repository (owner/name) holding the commit; forks differ from python/cpython.",
    )
    date = models.DateField(null=True, blank=True, help_text="When the sources are from (may be approximate).")
    bytecodes_sha256 = models.CharField(max_length=64)
    optimizer_sha256 = models.CharField(max_length=64, blank=True, help_text="Empty: no optimizer_bytecodes.c.")
    created_at = models.DateTimeField(auto_now_add=True)
    scanned_at = models.DateTimeField(null=True, blank=True, help_text="End of the last successful scan.")

    class Meta:
        ordering = [models.F("date").asc(nulls_last=True), "scanned_at", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def short_commit(self) -> str:
        return (self.commit or "")[:10]

    @property
    def is_upstream(self) -> bool:
        """Whether the commit is one of python/cpython's (so upstream permalinks work)."""
        return bool(self.commit) and self.repository == CPYTHON_REPOSITORY

    @property
    def commit_url(self) -> str | None:
        return f"https://github.com/{self.repository}/commit/{self.commit}" if self.commit else None


class Scan(models.Model):
    """One run of the analyzer over a path; written even when it fails, saying why."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    snapshot = models.ForeignKey(
        Snapshot,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scans",
        help_text="Set once the scan succeeds; a failed scan creates no snapshot.",
    )
    label = models.CharField(max_length=100)
    path = models.CharField(max_length=1000)
    commit = models.CharField(max_length=40, blank=True)
    repository = models.CharField(max_length=200, default=CPYTHON_REPOSITORY)
    date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration = models.DurationField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="The analyzer's message, with file:line:col and a caret.")
    counts = models.JSONField(default=dict, blank=True, help_text="Definitions by kind and findings by campaign.")
    warnings = models.JSONField(default=list, blank=True, help_text="The analyzer's warnings, rendered.")
    changes = models.JSONField(default=dict, blank=True, help_text="What the scan changed, by kind of change.")
    progress = models.JSONField(
        default=list,
        blank=True,
        help_text="The steps a queued scan has reported so far (shown on the scan page while it runs).",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"scan of {self.label} ({self.status})"

    @property
    def change_summary(self) -> str:
        """``changes`` in words, for the scan pages: "163 new · 32 → done · 44 retired · 641 updated"."""
        changes = dict(self.changes or {})
        parts = [] if changes.pop("tasks_applied", True) else ["older snapshot: tasks unchanged"]
        changes.pop("status_changes", None)  # the sum of the to_* moves, shown one by one
        for key, words in _CHANGE_WORDS.items():
            if changes.get(key):
                n = changes.pop(key)
                parts.append(ngettext(*words, n).format(n=n))
        parts += [f"{key.replace('_', ' ')}: {n}" for key, n in sorted(changes.items()) if n]
        return " · ".join(parts)


#: How `Scan.change_summary` words each kind of change (keys of ``Scan.changes``): singular and
#: plural, chosen by ``ngettext``.
_CHANGE_WORDS = {
    "created": ("{n} new", "{n} new"),
    "to_done": ("{n} → done", "{n} → done"),
    "to_todo": ("{n} → to do", "{n} → to do"),
    "to_not_applicable": ("{n} → no change needed", "{n} → no change needed"),
    "to_retired": ("{n} retired", "{n} retired"),
    "revived": ("{n} retired task back", "{n} retired tasks back"),
    "claims_closed": ("{n} claim closed", "{n} claims closed"),
    "pull_requests_confirmed": ("{n} merged pull request confirmed", "{n} merged pull requests confirmed"),
    "updated": ("{n} updated", "{n} updated"),
}
