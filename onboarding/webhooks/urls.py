"""URL of the GitHub webhook receiver (mounted under /api/webhooks/)."""

from django.urls import path

from onboarding.webhooks.views import GitHubWebhookView

app_name = "webhooks"

urlpatterns = [path("github/", GitHubWebhookView.as_view(), name="github")]
