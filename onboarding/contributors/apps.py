"""App configuration for onboarding.contributors."""

from django.apps import AppConfig


class ContributorsConfig(AppConfig):
    name = "onboarding.contributors"
    label = "contributors"
    default_auto_field = "django.db.models.BigAutoField"
