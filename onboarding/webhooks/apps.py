"""App configuration for onboarding.webhooks."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "onboarding.webhooks"
    label = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"
