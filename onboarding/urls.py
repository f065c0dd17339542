"""URL configuration: the site (``web``), accounts (django-allauth), the admin and the API (``/api/``)."""

from django.contrib import admin
from django.urls import include, path, re_path

from onboarding.api.errors import not_found as api_not_found

urlpatterns = [
    path("", include("onboarding.web.urls")),
    path("speedups/", include("onboarding.speedups.urls")),
    path("leaderboard/", include("onboarding.leaderboard.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("onboarding.api.urls")),
    # Keep last: any other /api/ path gets a JSON 404 in the API's error shape.
    re_path(r"^api/", api_not_found),
]

# The site's error pages; under /api/ they answer in the API's JSON error shape.
handler404 = "onboarding.web.errors.page_not_found"
handler403 = "onboarding.web.errors.permission_denied"
handler500 = "onboarding.web.errors.server_error"
