"""App configuration for onboarding.speedups."""

from django.apps import AppConfig


class SpeedupsConfig(AppConfig):
    name = "onboarding.speedups"
    label = "speedups"
    verbose_name = "JIT speedups"
    default_auto_field = "django.db.models.BigAutoField"
