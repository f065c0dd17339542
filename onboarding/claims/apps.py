"""App configuration for onboarding.claims."""

from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "onboarding.claims"
    label = "claims"
    default_auto_field = "django.db.models.BigAutoField"
