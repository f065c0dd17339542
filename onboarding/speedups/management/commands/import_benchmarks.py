"""``manage.py import_benchmarks FILE... [--machine NAME] [--build NAME]``: import pyperf result files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.speedups.errors import BenchmarkFileInvalid
from onboarding.speedups.services import benchmark_run_import

#: What a directory argument imports: pyperf's file names.
RESULT_PATTERNS = ("*.json", "*.json.gz")


def result_files(paths: list[str]) -> list[Path]:
    """The files to import: each file as given, each directory's pyperf files in name order."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted({found for pattern in RESULT_PATTERNS for found in path.glob(pattern)})
        else:
            files.append(path)
    return files


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class Command(BaseCommand):
    help = (
        "Import pyperf result files (.json or .json.gz; a directory imports the ones in it) as benchmark "
        "runs, and print the id of each run created. The build (jit, default, tailcall, free-threading) is "
        "read from the configure arguments unless --build says otherwise; the machine is the hostname "
        "unless --machine names it. A file imported before changes nothing. Files that are not pyperf "
        "output are reported, the others still imported, and the command then exits with status 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="pyperf result files or directories.")
        parser.add_argument("--machine", default="", help="Name of the machine (default: the file's hostname).")
        parser.add_argument("--build", default="", help="Build label, overriding the configure arguments.")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])
        failures = []
        files = result_files(options["files"])
        if not files:
            raise CommandError("No pyperf result files (*.json, *.json.gz) found in " + ", ".join(options["files"]))
        for path in files:
            try:
                outcome = benchmark_run_import(
                    content=path.read_bytes(), file_name=path.name, machine=options["machine"], build=options["build"]
                )
            except OSError as exc:
                failures.append(f"{path}: cannot read it ({exc.strerror or exc})")
                continue
            except BenchmarkFileInvalid as exc:
                failures.append(exc.message)
                continue
            run = outcome.run
            if verbosity == 0:
                if outcome.created:
                    self.stdout.write(str(run.pk))
            elif outcome.created:
                self.stdout.write(
                    self.style.SUCCESS(f"Created run {run.pk}")
                    + f" from {path}: {run.build} on {run.machine}, {_count(run.results.count(), 'benchmark')}"
                )
            else:
                self.stdout.write(f"Unchanged: {path} is already run {run.pk}")
        if failures:
            raise CommandError(
                f"{len(failures)} of {len(files)} files not imported:\n" + "\n".join(f"  {f}" for f in failures)
            )
