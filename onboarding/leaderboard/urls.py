"""URLs of the leaderboard pages (mounted at /leaderboard/)."""

from django.urls import path

from onboarding.leaderboard import people_views, views
from onboarding.leaderboard.feeds import CelebrationFeed

app_name = "leaderboard"

urlpatterns = [
    path("", views.leaderboard, name="leaderboard"),
    path("feed.atom", CelebrationFeed(), name="feed"),
    path("contributors/<slug:handle>/", views.contributor_detail, name="contributor"),
    path("contributors/<slug:handle>/recognitions/", views.recognition_create, name="recognition-create"),
    path("campaigns/<slug:slug>/credits.md", views.credits_download, name="credits"),
    path("campaigns/<slug:slug>/conversions.yaml", views.events_download, name="events"),
    path("bus-factor/", people_views.bus_factor_page, name="bus-factor"),
    path("pull-requests/unlinked/", people_views.unlinked_pull_requests, name="unlinked-pulls"),
]
