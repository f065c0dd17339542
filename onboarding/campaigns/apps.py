"""App configuration for onboarding.campaigns."""

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "onboarding.campaigns"
    label = "campaigns"
    default_auto_field = "django.db.models.BigAutoField"
