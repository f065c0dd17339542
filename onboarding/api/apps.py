"""App configuration for onboarding.api."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "onboarding.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"
