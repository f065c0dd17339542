"""Admin for recognitions: maintainers may correct or remove them; new ones go through the profile page."""

from django.contrib import admin

from onboarding.leaderboard.models import Recognition


@admin.register(Recognition)
class RecognitionAdmin(admin.ModelAdmin):
    list_display = ["contributor", "kind", "task", "pull_request", "recorded_by", "at"]
    list_filter = ["kind"]
    search_fields = ["contributor__github_handle", "task__name", "pull_request__url", "note"]
    list_select_related = ["contributor", "task", "task__campaign", "pull_request", "recorded_by"]
    raw_id_fields = ["contributor", "task", "pull_request", "recorded_by"]
    date_hierarchy = "at"
