"""``manage.py demo_accounts``: migrate and load the demo accounts in one process (what the site needs to serve)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from onboarding.demodata.status import FINISHED, read_status, write_status

#: The demo accounts (maintainer, alice, bob), relative to the project root.
ACCOUNTS_FIXTURE = "fixtures/users.json"


class Command(BaseCommand):
    help = (
        f"Apply the migrations and load the demo accounts ({ACCOUNTS_FIXTURE}); one process instead of "
        "migrate + loaddata, so `make demo` serves sooner. Idempotent."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loading",
            action="store_true",
            help="Mark the demo data as loading in the status file (load_demo_data is about to start), "
            "so pages say so before the loader has started; steps already done are kept.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, skip_checks=True, verbosity=options["verbosity"], stdout=self.stdout)
        call_command(
            "loaddata", str(settings.BASE_DIR / ACCOUNTS_FIXTURE), verbosity=options["verbosity"], stdout=self.stdout
        )
        if options["loading"]:
            status = read_status() or {
                "steps": [{"name": "start", "title": "starting the loader", "status": "pending"}]
            }
            if any(isinstance(s, dict) and s.get("status") not in FINISHED for s in status["steps"]):
                write_status(status | {"starting": True})
