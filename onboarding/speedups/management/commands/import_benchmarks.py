"""``manage.py import_benchmarks FILE_OR_DIR... [--machine NAME] [--build NAME] [--config TOML]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.speedups.errors import BenchmarkFileInvalid
from onboarding.speedups.layout import excluded_benchmarks_read, result_path_parse
from onboarding.speedups.pyperf_files import BUILD_DEFAULT
from onboarding.speedups.selectors import benchmark_run_builds, speedup_series
from onboarding.speedups.services import benchmark_run_import

#: What a directory argument imports, at any depth: pyperf's file names.
RESULT_PATTERNS = ("*.json", "*.json.gz")
#: The runner configuration a bench_runner results tree keeps beside its results.
CONFIG_NAME = "bench_runner.toml"


def result_files(paths: list[str]) -> list[Path]:
    """The files to import: each file as given, each directory's pyperf files (any depth) in path order."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted({found for pattern in RESULT_PATTERNS for found in path.rglob(pattern) if found.is_file()})
        else:
            files.append(path)
    return files


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class Command(BaseCommand):
    # Django's system checks (URLs, models, admin, deploy settings) cost time on every run
    # and guard nothing this command does; `manage.py check` and `migrate` still run them.
    requires_system_checks: list[str] = []

    help = (
        "Import pyperf result files (.json or .json.gz; a directory imports the ones in it at any depth) as "
        "benchmark runs, and print the id of each run created. Files in bench_runner's layout "
        "(bm-DATE-VERSION-SHA[-FLAGS]/bm-DATE-NICKNAME-ARCH-FORK-REF-VERSION-SHA.json[.gz]) take the machine "
        "from the runner nickname and the build from the folder's flags (JIT, NOGIL, PYTHON_UOPS, TAILCALL; "
        "none = default); other files take the build from the configure arguments and the machine from the "
        "hostname. --machine and --build override both. A bench_runner.toml given with --config (or found "
        "at the top of a directory argument) gives the benchmarks the publisher's comparison leaves out. A "
        "file imported before changes nothing. Files that are not pyperf output are reported by name and "
        "skipped, the others still imported, and the command then exits with status 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="pyperf result files or directories.")
        parser.add_argument("--machine", default="", help="Name of the machine (default: runner nickname or hostname).")
        parser.add_argument("--build", default="", help="Build label, overriding the folder flags and configure args.")
        parser.add_argument(
            "--config", default="", help=f"The runner's {CONFIG_NAME} (default: one at the top of a directory)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])
        excluded = self._excluded(options["config"], options["files"], verbosity)
        failures = []
        files = result_files(options["files"])
        if not files:
            raise CommandError("No pyperf result files (*.json, *.json.gz) found in " + ", ".join(options["files"]))
        created = unchanged = 0
        for number, path in enumerate(files, start=1):
            layout = result_path_parse(path)
            progress = f"[{number}/{len(files)}] " if len(files) > 1 else ""
            try:
                outcome = benchmark_run_import(
                    content=path.read_bytes(),
                    file_name=path.name,
                    machine=options["machine"] or (layout.nickname if layout else ""),
                    build=options["build"] or (layout.build if layout else ""),
                    configuration=layout.configuration if layout else "",
                    excluded_benchmarks=excluded,
                )
            except OSError as exc:
                failures.append(f"{path}: cannot read it ({exc.strerror or exc})")
                continue
            except BenchmarkFileInvalid as exc:
                failures.append(exc.message)
                if verbosity:
                    self.stderr.write(f"{progress}skipped {path}: not imported")
                continue
            run = outcome.run
            created += outcome.created
            unchanged += not outcome.created
            if verbosity == 0:
                if outcome.created:
                    self.stdout.write(str(run.pk))
            elif outcome.created:
                self.stdout.write(
                    progress
                    + self.style.SUCCESS(f"Created run {run.pk}")
                    + f" from {path}: {run.build} on {run.machine}, {_count(run.results.count(), 'benchmark')}"
                )
            else:
                self.stdout.write(f"{progress}Unchanged: {path} is already run {run.pk}")
        if verbosity and len(files) > 1:
            self.stdout.write(f"{created} created, {unchanged} unchanged, {len(failures)} not imported.")
        if created:
            # Compute (and keep) every pair's comparison now, so the pages only read them.
            for build in benchmark_run_builds():
                if build != BUILD_DEFAULT:
                    speedup_series(baseline_build=BUILD_DEFAULT, candidate_build=build)
        if failures:
            raise CommandError(
                f"{len(failures)} of {len(files)} files not imported:\n" + "\n".join(f"  {f}" for f in failures)
            )

    def _excluded(self, config: str, paths: list[str], verbosity: int) -> list[str]:
        candidates = [Path(config)] if config else [Path(p) / CONFIG_NAME for p in paths if Path(p).is_dir()]
        found = [path for path in candidates if path.is_file()]
        if config and not found:
            raise CommandError(f"{config}: no such file")
        excluded: set[str] = set()
        for path in found:
            try:
                excluded.update(excluded_benchmarks_read(path))
            except (ValueError, OSError) as exc:
                raise CommandError(str(exc)) from None
            if verbosity:
                self.stdout.write(f"{path}: {len(excluded)} excluded benchmarks for the publisher's comparison")
        return sorted(excluded)
