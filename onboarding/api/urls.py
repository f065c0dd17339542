"""URLs of the API under /api/: the router's viewsets, tokens, the GitHub webhook, schema and docs.

``router`` is a module-level `DefaultRouter` other apps may register viewsets on: put the
registration in ``<app>/api.py`` (``from onboarding.api.urls import router;
router.register("leaderboard", LeaderboardViewSet, basename="leaderboard")``). The router's
URL patterns are built when Django first reads them, after importing every app's ``api``
module (Django's ``autodiscover_modules``), so a registration is in place whatever the
import order (an ``api`` module importing this one included). Apps may also
mount their own URLs under /api/<prefix>/ in ``onboarding/urls.py``, before the catch-all
that answers unknown /api/ paths with a JSON 404.
"""

from collections.abc import Sequence
from typing import Any

from django.urls import include, path
from django.utils.module_loading import autodiscover_modules
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from onboarding.api.auth import TokenView
from onboarding.api.campaigns import CampaignViewSet
from onboarding.api.claims import ClaimViewSet, PullRequestViewSet
from onboarding.api.contributors import ContributorViewSet
from onboarding.api.scans import ScanViewSet
from onboarding.api.tasks import TaskViewSet

app_name = "api"

router = DefaultRouter()
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("tasks", TaskViewSet, basename="task")
router.register("claims", ClaimViewSet, basename="claim")
router.register("pull-requests", PullRequestViewSet, basename="pullrequest")
router.register("contributors", ContributorViewSet, basename="contributor")
router.register("scans", ScanViewSet, basename="scan")


class _RouterPatterns(Sequence[Any]):
    """``router.urls``, read only when Django resolves URLs: by then every app has registered."""

    def _patterns(self) -> list[Any]:
        autodiscover_modules("api")
        return list(router.urls)

    def __getitem__(self, index: Any) -> Any:
        return self._patterns()[index]

    def __len__(self) -> int:
        return len(self._patterns())


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("webhooks/", include("onboarding.webhooks.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(_RouterPatterns())),
]
