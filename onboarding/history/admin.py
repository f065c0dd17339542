"""Admin of the history app: backfill runs and the flips they found (read-mostly)."""

from django.contrib import admin

from onboarding.history.models import HistoryRun, TaskFlip


@admin.register(HistoryRun)
class HistoryRunAdmin(admin.ModelAdmin):
    list_display = ["repository", "branch", "since", "until", "status", "commits", "analyses", "started_at"]
    list_filter = ["status"]


@admin.register(TaskFlip)
class TaskFlipAdmin(admin.ModelAdmin):
    list_display = ["task_name", "campaign", "from_status", "to_status", "commit", "committed_at", "pr_number"]
    list_filter = ["campaign", "to_status"]
    search_fields = ["task_name", "commit", "author_name"]
