"""Admin for claims, their events and pull requests."""

from django.contrib import admin

from onboarding.claims.models import Claim, ClaimEvent, PullRequest


class ClaimEventInline(admin.TabularInline):
    model = ClaimEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "note"]
    readonly_fields = fields


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["task", "contributor", "status", "claimed_at", "released_at", "pr_url", "flag"]
    list_filter = ["status", "task__campaign", ("flag", admin.EmptyFieldListFilter)]
    search_fields = ["task__name", "contributor__github_handle"]
    list_select_related = ["task", "task__campaign", "contributor"]
    raw_id_fields = ["task", "contributor", "assigned_by", "released_by"]
    inlines = [ClaimEventInline]


@admin.register(ClaimEvent)
class ClaimEventAdmin(admin.ModelAdmin):
    list_display = ["claim", "kind", "actor", "at", "note"]
    list_filter = ["kind"]
    raw_id_fields = ["claim", "actor"]


@admin.register(PullRequest)
class PullRequestAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "author", "campaign", "claim", "merged_at", "link_note", "updated_at"]
    list_filter = ["state", "repo", "campaign", "author_verified"]
    search_fields = ["url", "title", "author__github_handle", "link_note"]
    list_select_related = ["author", "campaign", "claim"]
    raw_id_fields = ["claim", "author", "confirmed_snapshot"]
    filter_horizontal = ["tasks"]
