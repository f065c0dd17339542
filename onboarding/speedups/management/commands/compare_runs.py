"""``manage.py compare_runs BASELINE_ID CANDIDATE_ID [--json] [--force]``: a candidate run against a baseline."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.speedups.errors import SpeedupError
from onboarding.speedups.measures import RATIO_CONVENTION, format_speedup
from onboarding.speedups.models import BenchmarkRun
from onboarding.speedups.payloads import comparison_as_json
from onboarding.speedups.selectors import Comparison, comparison_get
from onboarding.speedups.units import format_value


class Command(BaseCommand):
    # Django's system checks (URLs, models, admin, deploy settings) cost time on every run
    # and guard nothing this command does; `manage.py check` and `migrate` still run them.
    requires_system_checks: list[str] = []

    help = (
        "Compare a candidate run with a baseline run over their common benchmarks: per benchmark the ratio "
        "baseline mean / candidate mean (above 1 = candidate faster) and whether pyperf's t-test finds it "
        "significant, then the geometric mean. Runs from different machines, compilers or benchmark "
        "definitions are refused unless --force, and a forced comparison says so."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("baseline", type=int, metavar="BASELINE_ID", help="Id of the baseline run.")
        parser.add_argument("candidate", type=int, metavar="CANDIDATE_ID", help="Id of the candidate run.")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        parser.add_argument(
            "--force", action="store_true", help="Compare even if machine, compiler or benchmark definitions differ."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        runs = BenchmarkRun.objects.in_bulk([options["baseline"], options["candidate"]])
        for key in ("baseline", "candidate"):
            if options[key] not in runs:
                raise CommandError(f"There is no benchmark run {options[key]} (the {key}).")
        try:
            comparison = comparison_get(
                baseline=runs[options["baseline"]], candidate=runs[options["candidate"]], force=options["force"]
            )
        except SpeedupError as exc:
            raise CommandError(exc.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(comparison_as_json(comparison), indent=2, allow_nan=False))
        else:
            self._table(comparison)

    def _table(self, comparison: Comparison) -> None:
        base, cand = comparison.baseline, comparison.candidate
        self.stdout.write(
            f"Run {cand.pk} ({cand.build} on {cand.machine}) against run {base.pk} ({base.build} on {base.machine})"
        )
        self.stdout.write(RATIO_CONVENTION)
        if comparison.forced:
            self.stdout.write(self.style.WARNING("FORCED COMPARISON, not like for like:"))
            for reason in comparison.mismatches:
                self.stdout.write(f"  - {reason}")
        rows = [("Benchmark", "Baseline", "Candidate", "Ratio", "Candidate is", "Significant")]
        for bench in comparison.benchmarks:
            rows.append(
                (
                    bench.name,
                    format_value(bench.unit, bench.baseline_mean),
                    format_value(bench.unit, bench.candidate_mean),
                    f"{bench.ratio:.3f}",
                    format_speedup(bench.ratio),
                    "yes" if bench.significant else "not significant",
                )
            )
        label = "Geometric mean (forced)" if comparison.forced else "Geometric mean"
        geo = comparison.geometric_mean
        rows.append((label, "(baseline)", "", f"{geo:.3f}", format_speedup(geo), ""))
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        self.stdout.write("")
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        self.stdout.write("")
        low, high = comparison.noise
        self.stdout.write(
            f"{comparison.significant_count} of {len(comparison.benchmarks)} benchmarks differ significantly "
            f"(pyperf t-test); all count in the geometric mean. 95% noise interval: {low:.3f} to {high:.3f}."
        )
        if comparison.publisher is not None:
            publisher = comparison.publisher
            self.stdout.write(
                f"bench_runner's overall geometric mean: {publisher.geometric_mean:.3f} ({publisher.text}) over "
                f"{len(publisher.benchmarks)} benchmarks; {len(publisher.left_out)} left out"
                + (
                    ": " + "; ".join(f"{name} ({why})" for name, why in publisher.left_out)
                    if publisher.left_out
                    else ""
                )
            )
        for what, names in (("baseline", comparison.only_in_baseline), ("candidate", comparison.only_in_candidate)):
            if names:
                self.stdout.write(f"Only in the {what}, left out: {', '.join(names)}")
