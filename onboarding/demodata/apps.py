from django.apps import AppConfig


class DemoDataConfig(AppConfig):
    """The demo's background data loader (``load_demo_data``) and the "still loading" banner."""

    name = "onboarding.demodata"
    label = "demodata"
    verbose_name = "Demo data"
