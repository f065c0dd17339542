"""URLs of the speedups pages (mounted at /speedups/)."""

from django.urls import path

from onboarding.speedups import feeds, views

app_name = "speedups"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("summary.csv", views.summary_csv, name="summary-csv"),
    path("regressions.atom", feeds.RegressionFeed(), name="regressions-feed"),
    path("runs/", views.run_list, name="runs"),
    path("runs/upload/", views.run_upload, name="run-upload"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("compare/", views.comparison_pick, name="compare-pick"),
    path("compare/<int:baseline>/<int:candidate>/", views.comparison_detail, name="compare"),
    path("benchmarks/<path:name>/", views.benchmark_detail, name="benchmark"),
]
