"""Admin for benchmark runs and their results (read-mostly: runs come from pyperf files)."""

from django.contrib import admin

from onboarding.speedups.models import BenchmarkResult, BenchmarkRun


class BenchmarkResultInline(admin.TabularInline):
    model = BenchmarkResult
    extra = 0
    can_delete = False
    fields = ["position", "name", "unit", "mean", "stdev", "nvalue", "nprocess"]
    readonly_fields = fields


@admin.register(BenchmarkRun)
class BenchmarkRunAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "machine",
        "build",
        "short_commit",
        "commit_date",
        "python_version",
        "file_name",
        "imported_at",
    ]
    list_filter = ["machine", "build", "compiler"]
    search_fields = ["commit_id", "file_name", "hostname", "file_sha256"]
    readonly_fields = ["detected_build", "file_sha256", "metadata", "imported_at"]
    inlines = [BenchmarkResultInline]


@admin.register(BenchmarkResult)
class BenchmarkResultAdmin(admin.ModelAdmin):
    list_display = ["name", "run", "mean", "stdev", "nvalue", "nprocess"]
    search_fields = ["name"]
    raw_id_fields = ["run"]
    readonly_fields = ["values", "metadata"]
