"""App configuration for onboarding.snapshots."""

from django.apps import AppConfig


class SnapshotsConfig(AppConfig):
    name = "onboarding.snapshots"
    label = "snapshots"
    default_auto_field = "django.db.models.BigAutoField"
