"""URLs of the API under /api/: the router's viewsets, tokens, the GitHub webhook, schema and docs.

Every app's viewsets are registered here explicitly (STYLE.md: no app mutates a global
router at import time), so the router's patterns are built once, at import. Apps may also
mount their own URLs under /api/<prefix>/ in ``onboarding/urls.py``, before the catch-all
that answers unknown /api/ paths with a JSON 404.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from onboarding.api.auth import TokenView
from onboarding.api.campaigns import CampaignViewSet
from onboarding.api.claims import ClaimViewSet, PullRequestViewSet
from onboarding.api.contributors import ContributorViewSet
from onboarding.api.scans import ScanViewSet
from onboarding.api.tasks import TaskViewSet
from onboarding.contributors.api import BusFactorViewSet
from onboarding.leaderboard.api import ContributorProfileViewSet, LeaderboardViewSet
from onboarding.speedups.api import (
    BenchmarkRunViewSet,
    SpeedupRegressionViewSet,
    SpeedupSeriesViewSet,
    SpeedupSummaryViewSet,
)

app_name = "api"

router = DefaultRouter()
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("tasks", TaskViewSet, basename="task")
router.register("claims", ClaimViewSet, basename="claim")
router.register("pull-requests", PullRequestViewSet, basename="pullrequest")
router.register("contributors", ContributorViewSet, basename="contributor")
router.register("scans", ScanViewSet, basename="scan")

router.register("bus-factor", BusFactorViewSet, basename="bus-factor")
router.register("leaderboard", LeaderboardViewSet, basename="leaderboard")
# After the core "contributors" routes, which resolve first (as before).
router.register("contributors", ContributorProfileViewSet, basename="contributor-profile")
router.register("benchmark-runs", BenchmarkRunViewSet, basename="benchmarkrun")
router.register("speedup-series", SpeedupSeriesViewSet, basename="speedup-series")
router.register("speedup-summary", SpeedupSummaryViewSet, basename="speedup-summary")
router.register("speedup-regressions", SpeedupRegressionViewSet, basename="speedup-regressions")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("webhooks/", include("onboarding.webhooks.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]
