"""App configuration for onboarding.web."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "onboarding.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"
