"""``manage.py load_pystats FILE``: set every task's impact from instruction execution counts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.campaigns.services import tasks_impact_load
from onboarding.errors import ApplicationError


class Command(BaseCommand):
    # Django's system checks (URLs, models, admin, deploy settings) cost time on every run
    # and guard nothing this command does; `manage.py check` and `migrate` still run them.
    requires_system_checks: list[str] = []

    help = (
        "Read a pystats .json or .json.gz file (CPython's instruction execution counts, e.g. "
        "../shared/pystats/) and set each task's impact: the share of executed instructions whose "
        "expansion contains its uop, against the newest scanned snapshot. Changes nothing on error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A pystats file (flat JSON, optionally gzip-compressed).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            scan, changed = tasks_impact_load(pystats=options["file"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        if int(options["verbosity"]) >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"Impact set from {options['file']} against {scan.label}: {changed} task(s) changed")
            )
