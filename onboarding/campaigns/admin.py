"""Admin for campaigns, tasks, their status history and per-snapshot progress."""

from django.contrib import admin

from onboarding.campaigns.models import Campaign, CampaignProgress, Task, TaskStatusChange


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "issue", "position"]
    search_fields = ["slug", "title", "issue"]


class TaskStatusChangeInline(admin.TabularInline):
    model = TaskStatusChange
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "reason", "scan", "user"]
    readonly_fields = fields


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "status", "difficulty", "family", "kind", "last_snapshot"]
    list_filter = ["campaign", "status", "difficulty", "kind"]
    search_fields = ["name", "uop", "family"]
    list_select_related = ["campaign", "last_snapshot"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [TaskStatusChangeInline]


@admin.register(TaskStatusChange)
class TaskStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["task", "from_status", "to_status", "reason", "at", "user", "snapshot"]
    list_filter = ["to_status", "task__campaign"]
    search_fields = ["task__name", "reason"]
    list_select_related = ["task", "task__campaign", "user", "snapshot"]


@admin.register(CampaignProgress)
class CampaignProgressAdmin(admin.ModelAdmin):
    list_display = ["campaign", "snapshot", "evaluated", "todo", "done", "not_applicable"]
    list_filter = ["campaign", "evaluated"]
