"""App configuration for onboarding.web."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "onboarding.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every write to the site's data bumps the page-cache version (onboarding.web.pagecache).
        from django.core.signals import setting_changed
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate, pre_migrate

        from onboarding.web import pagecache

        connection_created.connect(pagecache.install_write_tracking, dispatch_uid="web-pagecache-writes")
        pre_migrate.connect(pagecache.migration_started, dispatch_uid="web-pagecache-migrate-start")
        post_migrate.connect(pagecache.migration_finished, dispatch_uid="web-pagecache-migrate-end")
        setting_changed.connect(pagecache.settings_changed, dispatch_uid="web-pagecache-settings")
