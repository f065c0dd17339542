"""``manage.py demo_accounts``: migrate and load the demo accounts in one process (what the site needs to serve)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

#: The demo accounts (maintainer, alice, bob), relative to the project root.
ACCOUNTS_FIXTURE = "fixtures/users.json"


class Command(BaseCommand):
    help = (
        f"Apply the migrations and load the demo accounts ({ACCOUNTS_FIXTURE}); one process instead of "
        "migrate + loaddata, so `make demo` serves sooner. Idempotent."
    )
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, skip_checks=True, verbosity=options["verbosity"], stdout=self.stdout)
        call_command(
            "loaddata", str(settings.BASE_DIR / ACCOUNTS_FIXTURE), verbosity=options["verbosity"], stdout=self.stdout
        )
