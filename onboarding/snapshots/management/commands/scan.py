"""``manage.py scan PATH [--commit SHA] [--date YYYY-MM-DD] [--label LABEL] [--repository OWNER/NAME]``."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analyzer.gitinfo import checkout_head
from onboarding.errors import ScanFailed
from onboarding.snapshots.services import scan_run


def parse_date(value: str) -> dt.date:
    """``--date``'s type: argparse turns `ArgumentTypeError` into a usage error (exit 2), not a traceback."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-02-14") from None


class Command(BaseCommand):
    # Django's system checks (URLs, models, admin, deploy settings) cost time on every run
    # and guard nothing this command does; `manage.py check` and `migrate` still run them.
    requires_system_checks: list[str] = []

    help = (
        "Scan a CPython checkout (or a bytecodes.c) and update snapshots, campaigns and tasks in one "
        "transaction. Scanning the same snapshot twice changes nothing; a failed scan changes nothing "
        "but the scan's own row, which says why. For a git checkout, --commit and --date default to HEAD."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A CPython checkout directory or a Python/bytecodes.c file.")
        parser.add_argument("--commit", help="The commit the sources are from (40 hex digits).")
        parser.add_argument("--repository", help="owner/name where the commit lives (default: python/cpython).")
        parser.add_argument("--date", type=parse_date, help="When the sources are from, YYYY-MM-DD.")
        parser.add_argument("--label", help="A name for the snapshot (default: the commit, else the folder).")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        commit, date = options["commit"], options["date"]
        if commit is None and path.is_dir():
            head = checkout_head(path)
            if head is not None:
                commit, date = head.commit, date or head.date
        verbosity = int(options["verbosity"])

        def progress(message: str, level: int) -> None:
            if level <= verbosity:
                self.stdout.write(message)

        try:
            scan = scan_run(
                path=path,
                label=options["label"],
                commit=commit,
                repository=options["repository"],
                date=date,
                progress=progress,
            )
        except ScanFailed as exc:
            raise CommandError(exc.message) from None
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(f"Scan #{scan.pk} of {scan.label}: {scan.status}"))
