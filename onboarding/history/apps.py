"""App configuration for onboarding.history (backfilling task flips from a CPython git history)."""

from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "onboarding.history"
    label = "history"
    verbose_name = "git history"
    default_auto_field = "django.db.models.BigAutoField"
