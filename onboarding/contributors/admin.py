"""Admin for contributors (maintainers set handles and the maintainer role here)."""

from django.contrib import admin

from onboarding.contributors.models import Contributor


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    list_display = ["github_handle", "user", "is_maintainer", "created_at"]
    list_filter = ["is_maintainer"]
    search_fields = ["github_handle", "user__username"]
    raw_id_fields = ["user"]
