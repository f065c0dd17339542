"""``manage.py import_perf_events FILE``: import change annotations (doesjitgobrrr's ``perf_events.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.speedups.services import change_events_import


class Command(BaseCommand):
    # Django's system checks (URLs, models, admin, deploy settings) cost time on every run
    # and guard nothing this command does; `manage.py check` and `migrate` still run them.
    requires_system_checks: list[str] = []

    help = (
        "Import notable changes (a YAML file with a list `events` of `date`, `title`, `link`, as "
        "doesjitgobrrr.com's api/perf_events.yaml) as annotations of the speedup trend. Re-import changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The perf_events.yaml file.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"{path}: cannot read it ({exc.strerror or exc})") from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: not YAML ({exc})") from None
        events = data.get("events") if isinstance(data, dict) else None
        if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
            raise CommandError(f"{path}: expected a mapping with a list `events` of date/title/link entries")
        try:
            created, unchanged = change_events_import(events=events, source=path.name)
        except ValueError as exc:
            raise CommandError(f"{path}: {exc}") from None
        self.stdout.write(f"{path}: {created} change events created, {unchanged} unchanged.")
