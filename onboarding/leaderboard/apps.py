"""App configuration for onboarding.leaderboard."""

from django.apps import AppConfig


class LeaderboardConfig(AppConfig):
    name = "onboarding.leaderboard"
    label = "leaderboard"
    verbose_name = "leaderboard"
    default_auto_field = "django.db.models.BigAutoField"
