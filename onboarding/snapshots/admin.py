"""Admin for snapshots and scans (read-mostly: scans are written by the scan service)."""

from django.contrib import admin

from onboarding.snapshots.models import Scan, Snapshot


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["label", "date", "short_commit", "scanned_at"]
    search_fields = ["label", "commit"]
    readonly_fields = ["bytecodes_sha256", "optimizer_sha256", "created_at", "scanned_at"]


@admin.register(Scan)
class ScanAdmin(admin.ModelAdmin):
    list_display = ["pk", "label", "status", "created_at", "duration"]
    list_filter = ["status"]
    search_fields = ["label", "path", "commit"]
    readonly_fields = [
        "snapshot",
        "created_at",
        "started_at",
        "finished_at",
        "duration",
        "counts",
        "warnings",
        "changes",
        "error",
    ]
