"""A GitHub webhook delivery, stored once per ``X-GitHub-Delivery`` GUID (redeliveries reuse it)."""

from __future__ import annotations

from django.db import models


class Delivery(models.Model):
    """One delivery as GitHub sent it; processing happens off the request path (``webhooks.jobs``).

    ``delivery_id`` is unique, so a redelivery (same GUID, per GitHub's best-practices page)
    finds the row and changes nothing. ``pr_updated_at`` is the pull request's own
    ``updated_at`` in the payload: deliveries may arrive out of order, and an older one must
    not undo the state a newer one set.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "received"
        PROCESSED = "processed", "processed"
        IGNORED = "ignored", "ignored"
        FAILED = "failed", "failed"

    delivery_id = models.CharField(max_length=100, unique=True, help_text="The X-GitHub-Delivery header.")
    event = models.CharField(max_length=50, help_text="The X-GitHub-Event header (pull_request, ping, ...).")
    action = models.CharField(max_length=50, blank=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    result = models.TextField(blank=True, help_text="What processing did, or why it did nothing.")
    pull_request = models.ForeignKey(
        "claims.PullRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    pr_updated_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event}.{self.action or '-'} {self.delivery_id}"
