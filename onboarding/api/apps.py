"""App configuration for onboarding.api."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _cache_table_create(*, app_config: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After ``migrate``: make the database cache's table (a no-op for Redis or when it exists).

    The throttles (and page caching) need one cache shared by every worker; without Redis it
    is the database cache, whose table ``migrate`` thus always leaves in place. Django sends
    ``post_migrate`` once per app that has models (this one has none), so it acts on the
    signal for ``contenttypes``, an app every install has.
    """
    if app_config.label != "contenttypes":
        return
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class ApiConfig(AppConfig):
    name = "onboarding.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_cache_table_create, dispatch_uid="onboarding.api.cache_table")
