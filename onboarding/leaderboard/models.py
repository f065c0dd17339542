"""Work that earns leaderboard points besides conversions: reviews and mentoring recorded by a maintainer.

Conversions themselves are not stored here: they are read from claims, pull requests and
scan history (`onboarding.leaderboard.selectors.conversion_list`), so nobody can type one in.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Recognition(models.Model):
    """A maintainer's record that ``contributor`` reviewed or mentored one piece of work.

    It is anchored to a task or a pull request (at least one), so it names real work; the
    same contributor is recognised at most once per kind and piece of work (database
    constraints). ``at`` is when it was recorded, which decides the time window it counts in.
    Only recognitions whose ``recorded_by`` is a maintainer, other than the contributor, score.
    """

    class Kind(models.TextChoices):
        REVIEW = "review", "review"
        MENTORING = "mentoring", "mentoring"

    contributor = models.ForeignKey("contributors.Contributor", on_delete=models.CASCADE, related_name="recognitions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    task = models.ForeignKey(
        "campaigns.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="recognitions"
    )
    pull_request = models.ForeignKey(
        "claims.PullRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="recognitions"
    )
    recorded_by = models.ForeignKey(
        "contributors.Contributor",
        on_delete=models.PROTECT,
        related_name="recognitions_recorded",
        help_text="The maintainer who vouches for it.",
    )
    at = models.DateTimeField(help_text="When it was recorded.")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(task__isnull=False) | Q(pull_request__isnull=False),
                name="recognition_names_task_or_pull_request",
            ),
            models.UniqueConstraint(
                fields=["contributor", "kind", "pull_request"],
                condition=Q(pull_request__isnull=False),
                name="recognition_once_per_pull_request",
            ),
            models.UniqueConstraint(
                fields=["contributor", "kind", "task"],
                condition=Q(pull_request__isnull=True),
                name="recognition_once_per_task",
            ),
        ]
        indexes = [models.Index(fields=["contributor", "at"])]

    def __str__(self) -> str:
        return f"{self.contributor} {self.kind} of {self.pull_request or self.task}"
