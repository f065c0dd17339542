"""Reads of the speedups app: runs, comparisons, the speedup series per machine, and attribution.

Every ratio here is baseline mean / candidate mean (`measures.RATIO_CONVENTION`): above 1 the
candidate is faster. Comparisons are recomputed from the stored raw values with pyperf.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import pyperf
from django.db.models import Count, F, QuerySet

from onboarding.claims.models import PullRequest
from onboarding.speedups.errors import NothingToCompare, RunsNotComparable
from onboarding.speedups.measures import (
    BenchmarkComparison,
    PublisherBenchmark,
    PublisherComparison,
    benchmark_compare,
    geometric_mean,
    geometric_mean_log_stderr,
    noise_interval,
    publisher_compare,
    pyperf_benchmark,
)
from onboarding.speedups.models import BenchmarkResult, BenchmarkRun, ComparisonRecord

__all__ = [
    "COMPARABILITY_FIELDS",
    "RUN_ORDER",
    "Comparison",
    "MergedConversion",
    "SpeedupPoint",
    "SpeedupSeries",
    "benchmark_result_history",
    "benchmark_run_builds",
    "benchmark_run_get",
    "benchmark_run_list",
    "comparison_get",
    "comparison_mismatches",
    "conversion_merged_list",
    "same_setup",
    "speedup_series",
]

#: What two runs must share to be compared fairly (DESIGN.md section 6), as (run attribute,
#: what to call it). bench_runner itself only compares runs whose ``benchmark_hash`` matches.
COMPARABILITY_FIELDS = (
    ("machine", "machine"),
    ("hostname", "hostname"),
    ("cpu_model_name", "CPU model"),
    ("compiler", "compiler"),
    ("benchmark_hash", "benchmark definitions (bench_runner's benchmark_hash)"),
    ("performance_version", "pyperformance version"),
)


#: The version of the comparison computation; stored `ComparisonRecord` rows of another version
#: are recomputed. Raise it whenever `_comparison_compute` or what it calls changes its results.
COMPARISON_METHOD = 1


@dataclass(frozen=True)
class Comparison:
    """A candidate run against a baseline run over the benchmarks both have (in the baseline's order).

    ``geometric_mean`` is pyperf's geometric mean of the ratios; ``log_stderr`` is the standard
    error of its logarithm. ``forced`` is True when the runs were not comparable and the
    comparison was asked for anyway; ``mismatches`` then says why it is suspect. ``notes`` names
    common benchmarks left out (a unit that differs between the runs).
    """

    baseline: BenchmarkRun
    candidate: BenchmarkRun
    benchmarks: tuple[BenchmarkComparison, ...]
    geometric_mean: float
    log_stderr: float
    forced: bool
    mismatches: tuple[str, ...]
    only_in_baseline: tuple[str, ...]
    only_in_candidate: tuple[str, ...]
    notes: tuple[str, ...] = ()
    publisher: PublisherComparison | None = None

    @property
    def speedup(self) -> float:
        """The figure the site plots: bench_runner's geometric mean when it has one, else pyperf's."""
        return self.publisher.geometric_mean if self.publisher is not None else self.geometric_mean

    @property
    def significant_count(self) -> int:
        return sum(1 for bench in self.benchmarks if bench.significant)

    @property
    def noise(self) -> tuple[float, float]:
        """The 95 % interval of the geometric mean (from the spread of per-process means)."""
        return noise_interval(self.geometric_mean, self.log_stderr)

    @property
    def speedup_noise(self) -> tuple[float, float]:
        """The 95 % interval around `speedup`, with the same log standard error as `noise`."""
        return noise_interval(self.speedup, self.log_stderr)

    def subset(self, names: Collection[str]) -> tuple[float, float]:
        """(geometric mean, its log standard error) over the named benchmarks only."""
        chosen = [bench for bench in self.benchmarks if bench.name in names]
        return (
            geometric_mean(bench.ratio for bench in chosen),
            geometric_mean_log_stderr([bench.log_stderr for bench in chosen]),
        )


@dataclass(frozen=True)
class SpeedupPoint:
    """The candidate build against the baseline build of one commit on one machine."""

    machine: str
    commit_id: str
    date: dt.datetime
    comparison: Comparison


@dataclass(frozen=True)
class LeftOut:
    """A commit with both builds on a machine whose runs are not comparable, so not plotted."""

    machine: str
    commit_id: str
    baseline: BenchmarkRun
    candidate: BenchmarkRun
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class SpeedupSeries:
    """Points per machine, oldest first, and the pairs left out because they are not comparable."""

    baseline_build: str
    candidate_build: str
    benchmark: str
    points: dict[str, list[SpeedupPoint]] = field(default_factory=dict)
    left_out: list[LeftOut] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(self.points.values())


@dataclass(frozen=True)
class MergedConversion:
    """A merged pull request of a conversion task (claims app), with the names of its tasks."""

    pull_request: PullRequest
    merged_at: dt.datetime
    tasks: tuple[str, ...]

    @property
    def label(self) -> str:
        title = f": {self.pull_request.title}" if self.pull_request.title else ""
        return f"{self.pull_request}{title}"


#: The order runs are listed and offered in: newest commit first, runs without a commit date last
#: (then newest import first).
RUN_ORDER = (F("commit_date").desc(nulls_last=True), "-imported_at", "-pk")


def benchmark_run_list(*, machine: str = "", build: str = "") -> QuerySet[BenchmarkRun]:
    """Runs in `RUN_ORDER`, each with ``benchmark_count``; optionally of one machine or build."""
    runs = BenchmarkRun.objects.annotate(benchmark_count=Count("results")).order_by(*RUN_ORDER)
    if machine:
        runs = runs.filter(machine=machine)
    if build:
        runs = runs.filter(build=build)
    return runs


def benchmark_run_get(*, run_id: int) -> BenchmarkRun:
    """One run with its results prefetched. Raises ``BenchmarkRun.DoesNotExist``."""
    return BenchmarkRun.objects.prefetch_related("results").get(pk=run_id)


def benchmark_run_builds() -> list[str]:
    """The builds that have at least one run, sorted."""
    return sorted(set(BenchmarkRun.objects.values_list("build", flat=True)))


def benchmark_result_history(*, name: str) -> QuerySet[BenchmarkResult]:
    """Every stored result of the benchmark ``name``, with its run, oldest code first."""
    return (
        BenchmarkResult.objects.filter(name=name)
        .select_related("run")
        .order_by("run__machine", "run__commit_date", "run__started_at", "run__build")
    )


def comparison_mismatches(*, baseline: BenchmarkRun, candidate: BenchmarkRun) -> list[str]:
    """Why the two runs may not be compared fairly (machine, CPU, compiler, benchmark definitions), or []."""
    reasons = []
    for attr, what in COMPARABILITY_FIELDS:
        left, right = getattr(baseline, attr), getattr(candidate, attr)
        if left != right:
            reasons.append(f"{what} differs: {left or 'unknown'!r} (baseline) vs {right or 'unknown'!r} (candidate)")
    return reasons


def comparison_get(
    *, baseline: BenchmarkRun, candidate: BenchmarkRun, force: bool = False, names: Collection[str] = ()
) -> Comparison:
    """Compare ``candidate`` against ``baseline`` over their common benchmarks (or only ``names``).

    Raises `RunsNotComparable` when `comparison_mismatches` finds a difference and ``force`` is
    False (``extra``: ``reasons``, the list; ``lead`` and ``advice``, the message's sentences
    around it), and `NothingToCompare` for the same run twice or no benchmark in common.
    """
    if baseline.pk == candidate.pk:
        raise NothingToCompare(f"Run {baseline.pk} against itself says nothing; pick two different runs.")
    mismatches = comparison_mismatches(baseline=baseline, candidate=candidate)
    if mismatches and not force:
        lead = f"Run {candidate.pk} cannot be compared fairly with run {baseline.pk}"
        advice = (
            "A comparison across these differences measures them, not the build; force it only "
            "knowingly, and it will be labelled as forced."
        )
        # One line for the API and the shell; the parts apart for a page that lists the reasons once.
        raise RunsNotComparable(
            f"{lead}: {'; '.join(mismatches)}. {advice}",
            extra={"reasons": mismatches, "lead": lead, "advice": advice},
        )
    selection = ",".join(sorted(names))[:300]
    record = ComparisonRecord.objects.filter(
        baseline=baseline, candidate=candidate, selection=selection, method=COMPARISON_METHOD
    ).first()
    if record is not None:
        return _comparison_from_json(record.data, baseline=baseline, candidate=candidate)
    comparison = _comparison_compute(baseline, candidate, names, mismatches)
    # A derived record, not a change of state: the runs it is computed from never change.
    ComparisonRecord.objects.get_or_create(
        baseline=baseline,
        candidate=candidate,
        selection=selection,
        method=COMPARISON_METHOD,
        defaults={"data": _comparison_to_json(comparison)},
    )
    return comparison


def _comparison_compute(
    baseline: BenchmarkRun, candidate: BenchmarkRun, names: Collection[str], mismatches: list[str]
) -> Comparison:
    left = _results(baseline, names)
    right = _results(candidate, names)
    benchmarks, notes = [], []
    for name, result in left.items():
        other = right.get(name)
        if other is None:
            continue
        if result.unit != other.unit:
            notes.append(f"{name} left out: its unit differs ({result.unit} vs {other.unit})")
            continue
        try:
            compared = benchmark_compare(baseline=_pyperf(result), candidate=_pyperf(other))
        except (OverflowError, ZeroDivisionError, ValueError):
            compared = None
        if compared is None or not (math.isfinite(compared.ratio) and compared.ratio > 0):
            notes.append(f"{name} left out: its values are too extreme to compare")
            continue
        benchmarks.append(compared)
    if not benchmarks:
        raise NothingToCompare(f"Runs {baseline.pk} and {candidate.pk} have no benchmark in common.")
    publisher = publisher_compare(
        (
            (name, _flat(result.values), _flat(right[name].values))
            for name, result in left.items()
            if name in right and result.unit == right[name].unit
        ),
        excluded=set(baseline.excluded_benchmarks) | set(candidate.excluded_benchmarks),
    )
    return Comparison(
        baseline=baseline,
        candidate=candidate,
        benchmarks=tuple(benchmarks),
        geometric_mean=geometric_mean(bench.ratio for bench in benchmarks),
        log_stderr=geometric_mean_log_stderr([bench.log_stderr for bench in benchmarks]),
        forced=bool(mismatches),
        mismatches=tuple(mismatches),
        only_in_baseline=tuple(name for name in left if name not in right),
        only_in_candidate=tuple(name for name in right if name not in left),
        notes=tuple(notes),
        publisher=publisher,
    )


def speedup_series(*, baseline_build: str, candidate_build: str, benchmark: str = "") -> SpeedupSeries:
    """The candidate build against the baseline build per machine over time, one point per commit.

    A point needs a run of each build of the same commit on the same machine (the newest import
    of each) that `comparison_mismatches` accepts; other pairs are listed in ``left_out``. With
    ``benchmark``, each point is that benchmark's ratio alone; otherwise the geometric mean.
    """
    series = SpeedupSeries(baseline_build=baseline_build, candidate_build=candidate_build, benchmark=benchmark)
    for (machine, commit_id), (baseline, candidate) in _build_pairs(baseline_build, candidate_build):
        reasons = comparison_mismatches(baseline=baseline, candidate=candidate)
        if reasons:
            series.left_out.append(LeftOut(machine, commit_id, baseline, candidate, tuple(reasons)))
            continue
        try:
            comparison = comparison_get(baseline=baseline, candidate=candidate, names=[benchmark] if benchmark else ())
        except NothingToCompare:
            continue
        date = candidate.date or baseline.date
        if date is None:
            continue
        series.points.setdefault(machine, []).append(SpeedupPoint(machine, commit_id, date, comparison))
    for points in series.points.values():
        points.sort(key=lambda point: point.date)
    return series


def conversion_merged_list() -> list[MergedConversion]:
    """Merged pull requests with a merge date (claims app), oldest first: the conversions to mark."""
    pull_requests = (
        PullRequest.objects.filter(state=PullRequest.State.MERGED, merged_at__isnull=False)
        .prefetch_related("tasks")
        .order_by("merged_at", "pk")
    )
    return [
        MergedConversion(pr, pr.merged_at, tuple(task.name for task in pr.tasks.all()))
        for pr in pull_requests
        if pr.merged_at is not None
    ]


def same_setup(old: Comparison, new: Comparison) -> bool:
    """Whether two comparisons' baseline runs are comparable with each other, and their candidate runs too.

    A fact missing from one run's metadata (e.g. the nightly files from 2026-06-16 on no longer
    record ``python_compiler``) is unknown, not different: only two known values that differ count.
    """
    pairs = ((old.baseline, new.baseline), (old.candidate, new.candidate))
    return not any(
        getattr(left, attr) and getattr(right, attr) and getattr(left, attr) != getattr(right, attr)
        for left, right in pairs
        for attr, _what in COMPARABILITY_FIELDS
    )


def _build_pairs(
    baseline_build: str, candidate_build: str
) -> Iterable[tuple[tuple[str, str], tuple[BenchmarkRun, BenchmarkRun]]]:
    newest: dict[tuple[str, str], dict[str, BenchmarkRun]] = defaultdict(dict)
    runs = BenchmarkRun.objects.filter(build__in=[baseline_build, candidate_build]).exclude(commit_id="")
    for run in runs.order_by("imported_at", "pk"):
        newest[(run.machine, run.commit_id)][run.build] = run
    for key, by_build in newest.items():
        if baseline_build in by_build and candidate_build in by_build and baseline_build != candidate_build:
            yield key, (by_build[baseline_build], by_build[candidate_build])


def _results(run: BenchmarkRun, names: Collection[str]) -> dict[str, BenchmarkResult]:
    results = run.results.all()
    if names:
        results = results.filter(name__in=names)
    return {result.name: result for result in results.order_by("position")}


def _number(value: float | None) -> float | str | None:
    return value if value is None or math.isfinite(value) else repr(value)


def _float(value: float | str | None) -> float | None:
    return None if value is None else float(value)


def _comparison_to_json(comparison: Comparison) -> dict[str, Any]:
    publisher = comparison.publisher
    return {
        "benchmarks": [
            {key: _number(value) if isinstance(value, float) else value for key, value in asdict(bench).items()}
            for bench in comparison.benchmarks
        ],
        "geometric_mean": _number(comparison.geometric_mean),
        "log_stderr": _number(comparison.log_stderr),
        "forced": comparison.forced,
        "mismatches": list(comparison.mismatches),
        "only_in_baseline": list(comparison.only_in_baseline),
        "only_in_candidate": list(comparison.only_in_candidate),
        "notes": list(comparison.notes),
        "publisher": None
        if publisher is None
        else {
            "geometric_mean": publisher.geometric_mean,
            "benchmarks": [
                [row.name, row.ratio, row.significant, _number(row.t_score), row.outliers]
                for row in publisher.benchmarks
            ],
            "left_out": [list(item) for item in publisher.left_out],
        },
    }


def _comparison_from_json(data: dict[str, Any], *, baseline: BenchmarkRun, candidate: BenchmarkRun) -> Comparison:
    floats = {"baseline_mean", "candidate_mean", "baseline_stdev", "candidate_stdev", "ratio", "t_score", "log_stderr"}
    publisher = data["publisher"]
    return Comparison(
        baseline=baseline,
        candidate=candidate,
        benchmarks=tuple(
            BenchmarkComparison(**{key: _float(value) if key in floats else value for key, value in bench.items()})
            for bench in data["benchmarks"]
        ),
        geometric_mean=float(data["geometric_mean"]),
        log_stderr=float(data["log_stderr"]),
        forced=data["forced"],
        mismatches=tuple(data["mismatches"]),
        only_in_baseline=tuple(data["only_in_baseline"]),
        only_in_candidate=tuple(data["only_in_candidate"]),
        notes=tuple(data["notes"]),
        publisher=None
        if publisher is None
        else PublisherComparison(
            geometric_mean=publisher["geometric_mean"],
            benchmarks=tuple(
                PublisherBenchmark(name, ratio, significant, _float(t_score), outliers)
                for name, ratio, significant, t_score, outliers in publisher["benchmarks"]
            ),
            left_out=tuple((name, why) for name, why in publisher["left_out"]),
        ),
    )


def _flat(values: list[list[float]]) -> list[float]:
    return [value for process in values for value in process]


def _pyperf(result: BenchmarkResult) -> pyperf.Benchmark:
    return pyperf_benchmark(name=result.name, unit=result.unit, values=result.values)
