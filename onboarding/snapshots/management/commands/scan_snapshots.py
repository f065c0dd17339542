"""``manage.py scan_snapshots MANIFEST --root DIR``: scan the snapshots a JSON manifest lists, in order."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    # Django's system checks (URLs, models, admin, deploy settings) cost time on every run
    # and guard nothing this command does; `manage.py check` and `migrate` still run them.
    requires_system_checks: list[str] = []

    help = (
        "Scan every snapshot listed in a manifest such as fixtures/snapshots.json "
        '({"snapshots": [{"label", "commit", "date"}, ...]}), oldest first; each one is '
        "ROOT/<label>. Stops at the first missing folder or failed scan."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("manifest", help="The JSON manifest, e.g. fixtures/snapshots.json.")
        parser.add_argument("--root", required=True, help="The folder holding one sub-folder per label.")

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(options["root"])
        try:
            entries = json.loads(Path(options["manifest"]).read_text())["snapshots"]
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"cannot read the manifest {options['manifest']}: {exc}") from None
        missing = [e["label"] for e in entries if not (root / e["label"]).is_dir()]
        if missing:
            raise CommandError(f"{root} lacks the snapshot folder(s) {', '.join(missing)}")
        for entry in sorted(entries, key=lambda e: dt.date.fromisoformat(e["date"])):
            args = [str(root / entry["label"]), "--label", entry["label"], "--date", entry["date"]]
            if entry.get("commit"):
                args += ["--commit", entry["commit"]]
            if entry.get("repository"):
                args += ["--repository", entry["repository"]]
            call_command("scan", *args, verbosity=options["verbosity"], stdout=self.stdout, stderr=self.stderr)
