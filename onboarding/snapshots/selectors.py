"""Reads about snapshots and scans."""

from __future__ import annotations

from django.db.models import QuerySet

from onboarding.snapshots.models import Scan


def scan_list() -> QuerySet[Scan]:
    """Every scan, newest first, with its snapshot."""
    return Scan.objects.select_related("snapshot").order_by("-created_at", "-pk")
