"""Claims on tasks (rows with a history, never an overwritten flag) and linked pull requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from onboarding.contributors.models import Contributor


class Claim(models.Model):
    """A contributor's claim on a task; at most one active claim per task (a database constraint)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        RELEASED = "released", "released"
        EXPIRED = "expired", "expired"
        COMPLETED = "completed", "completed"

    task = models.ForeignKey("campaigns.Task", on_delete=models.CASCADE, related_name="claims")
    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.CASCADE, related_name="claims")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    claimed_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The maintainer who assigned it, if it was not claimed by the contributor.",
    )
    released_at = models.DateTimeField(null=True, blank=True, help_text="When it stopped being active.")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when a scan closed it.",
    )
    reason = models.CharField(max_length=300, blank=True)
    pr_url = models.URLField(blank=True, verbose_name="pull request URL")
    flag = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why a maintainer should look at this claim (a scan found its task gone); empty when all is well.",
    )
    flagged_at = models.DateTimeField(null=True, blank=True, help_text="When the flag was raised.")

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["task"], condition=Q(status="active"), name="claim_one_active_per_task"),
        ]

    def __str__(self) -> str:
        return f"{self.contributor} on {self.task} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class ClaimEvent(models.Model):
    """Something that happened to a claim: claimed, assigned, released, completed, PR linked."""

    class Kind(models.TextChoices):
        CLAIMED = "claimed", "claimed"
        ASSIGNED = "assigned", "assigned"
        RELEASED = "released", "released"
        EXPIRED = "expired", "expired"
        COMPLETED = "completed", "completed"
        PR_LINKED = "pr_linked", "pull request linked"
        REMINDED = "reminded", "reminded"
        FLAGGED = "flagged", "flagged for a maintainer"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the system (a scan) acted.",
    )
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.claim}: {self.kind}"


class PullRequest(models.Model):
    """A GitHub pull request: linked to a claim (URL or webhook) or imported (``import_pulls``/``sync_pulls``).

    What GitHub does not tell stays unknown, never invented: ``author`` is empty for an
    unknown author, ``merged_at`` for a merge whose date was not found (``state`` is still
    ``merged``), ``opened_at`` likewise, and an empty ``changed_files`` means the files are
    not known. ``link_note`` says why an imported PR is linked to no task.
    """

    class State(models.TextChoices):
        OPEN = "open", "open"
        CLOSED = "closed", "closed"
        MERGED = "merged", "merged"

    url = models.URLField(unique=True)
    repo = models.CharField(max_length=200, help_text="owner/name, e.g. python/cpython.")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    merged_at = models.DateTimeField(null=True, blank=True)
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.SET_NULL, related_name="pull_requests")
    tasks = models.ManyToManyField("campaigns.Task", blank=True, related_name="pull_requests")
    author = models.ForeignKey(
        "contributors.Contributor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_pull_requests",
        help_text="Who opened it on GitHub (user.login); empty when unknown.",
    )
    author_verified = models.BooleanField(
        default=True, help_text="False when the author could not be confirmed from the pull request itself."
    )
    issue = models.PositiveIntegerField(
        null=True, blank=True, help_text="The mega-issue it belongs to (134584 for gh-134584); empty when unknown."
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pull_requests",
        help_text="The campaign owning its issue (the campaign's own issue or a follow-up it lists).",
    )
    changed_files = models.JSONField(
        default=list, blank=True, help_text="Paths it is known to change (often incomplete); empty when unknown."
    )
    opened_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was opened on GitHub; empty when unknown."
    )
    link_note = models.CharField(
        max_length=300, blank=True, help_text="Why an imported pull request is linked to no task; empty otherwise."
    )
    confirmed_snapshot = models.ForeignKey(
        "snapshots.Snapshot",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The first scanned snapshot dated on or after the merge that shows a task of it done.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["repo", "number"], name="pull_request_unique_number")]

    def __str__(self) -> str:
        return f"{self.repo}#{self.number}"

    @property
    def credited_contributor(self) -> Contributor | None:
        """Who its converted tasks are credited to: the claimant when it is linked to a claim, else its author."""
        if self.claim_id is not None and self.claim is not None:
            return self.claim.contributor
        return self.author

    @property
    def merge_date_known(self) -> bool:
        """False for a merged pull request whose merge date was not found."""
        return self.merged_at is not None
