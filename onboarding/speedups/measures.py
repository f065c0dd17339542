"""The statistics of a comparison, as pyperf does them: ratios of means, significance, geometric mean, noise.

Means and standard deviations come from ``pyperf.Benchmark``; the t-test is pyperf's, vendored in
`onboarding.speedups.significance`; the geometric mean is ``statistics.geometric_mean`` (the very
function pyperf's own delegates to).

One convention everywhere (`RATIO_CONVENTION`): a ratio is baseline mean / candidate mean, so
above 1 the candidate is faster. ``pyperf compare_to REF NEW`` prints the inverse (NEW / REF,
below 1 = faster); `format_speedup` turns either into the same words.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import pyperf

# pyperf's t-test (``pyperf compare_to`` and bench_runner decide significance with it), vendored
# with its source named because pyperf keeps it private; tests pin it to pyperf's own function.
from onboarding.speedups.significance import is_significant, is_significant_benchmarks

__all__ = [
    "NOISE_Z",
    "OUTLIER_STDEVS",
    "RATIO_CONVENTION",
    "BenchmarkComparison",
    "PublisherBenchmark",
    "PublisherComparison",
    "benchmark_compare",
    "format_publisher",
    "format_speedup",
    "geometric_mean",
    "geometric_mean_log_stderr",
    "noise_interval",
    "publisher_compare",
    "pyperf_benchmark",
]

#: The site's one convention for speedups, shown wherever a ratio is.
RATIO_CONVENTION = (
    "Ratio = baseline mean ÷ candidate mean: above 1.00 the candidate is faster, below 1.00 it is slower "
    "(1.05 = 1.05x faster). Same words as pyperf compare_to, which prints the inverse ratio."
)
#: Standard errors to each side for a two-sided 95 % noise interval (normal approximation).
NOISE_Z = 1.96


@dataclass(frozen=True)
class BenchmarkComparison:
    """One benchmark present in both runs.

    ``ratio`` is baseline mean / candidate mean. ``significant`` and ``t_score`` are pyperf's
    t-test over all values (``t_score`` is None when pyperf could not compute it).
    ``log_stderr`` is the standard error of ``log(ratio)``, from the spread of the per-process
    means of each side (worker processes are the independent samples in pyperf's design).
    """

    name: str
    unit: str
    baseline_mean: float
    candidate_mean: float
    baseline_stdev: float | None
    candidate_stdev: float | None
    baseline_nvalue: int
    candidate_nvalue: int
    ratio: float
    significant: bool
    t_score: float | None
    log_stderr: float


def pyperf_benchmark(*, name: str, unit: str, values: Sequence[Sequence[float]]) -> pyperf.Benchmark:
    """A ``pyperf.Benchmark`` rebuilt from stored values (one list per worker process).

    Its ``mean()``/``stdev()`` are the original file's to the last bit: pyperf computes them over
    the flat list of values in this same order.
    """
    metadata = {"name": name, "unit": unit}
    return pyperf.Benchmark([pyperf.Run(process, metadata=metadata, collect_metadata=False) for process in values])


def benchmark_compare(*, baseline: pyperf.Benchmark, candidate: pyperf.Benchmark) -> BenchmarkComparison:
    """Compare one benchmark as ``pyperf compare_to BASELINE CANDIDATE`` does, in the site's ratio."""
    significant, t_score = is_significant_benchmarks(baseline, candidate)
    return BenchmarkComparison(
        name=baseline.get_name(),
        unit=baseline.get_unit(),
        baseline_mean=baseline.mean(),
        candidate_mean=candidate.mean(),
        baseline_stdev=baseline.stdev() if baseline.get_nvalue() > 1 else None,
        candidate_stdev=candidate.stdev() if candidate.get_nvalue() > 1 else None,
        baseline_nvalue=baseline.get_nvalue(),
        candidate_nvalue=candidate.get_nvalue(),
        ratio=baseline.mean() / candidate.mean(),
        significant=bool(significant),
        t_score=t_score,
        log_stderr=math.hypot(_relative_stderr(baseline), _relative_stderr(candidate)),
    )


def geometric_mean(ratios: Iterable[float]) -> float:
    """Geometric mean of positive ratios, the one ``pyperf compare_to`` prints.

    pyperf's (``pyperf/_utils.py``, private) is ``statistics.geometric_mean`` over the values as
    floats; so is this. Raises ValueError (``statistics.StatisticsError``) when empty or when a
    ratio is not positive.
    """
    return statistics.geometric_mean([float(ratio) for ratio in ratios])


def geometric_mean_log_stderr(log_stderrs: Sequence[float]) -> float:
    """Standard error of log(geometric mean) of N independent ratios: sqrt(Σ se_i²) / N."""
    return math.sqrt(math.fsum(se * se for se in log_stderrs)) / len(log_stderrs)


def noise_interval(ratio: float, log_stderr: float) -> tuple[float, float]:
    """The 95 % interval around a ratio whose log has standard error ``log_stderr``."""
    spread = math.exp(NOISE_Z * log_stderr) if math.isfinite(log_stderr) else math.inf
    return ratio / spread, ratio * spread


def format_speedup(ratio: float) -> str:
    """``1.33x faster`` / ``2.03x slower`` / ``no change`` for a baseline ÷ candidate ratio.

    The same text ``pyperf compare_to`` prints for the inverse ratio (pyperf/_compare.py,
    format_normalized_mean): two decimals of whichever side is above 1.
    """
    if ratio == 1.0:
        return "no change"
    if ratio > 1.0:
        return f"{ratio:.2f}x faster"
    return f"{1.0 / ratio:.2f}x slower"


def _relative_stderr(bench: pyperf.Benchmark) -> float:
    """Standard error of the mean relative to the mean, by process means (by values if one process)."""
    samples = [statistics.fmean(run.values) for run in bench.get_runs() if run.values]
    if len(samples) < 2:
        samples = list(bench.get_values())
    if len(samples) < 2:
        return math.inf
    return statistics.stdev(samples) / (math.sqrt(len(samples)) * statistics.fmean(samples))


#: bench_runner drops a value further than this many (population) standard deviations from its
#: sample's mean before forming the ratios of a significant benchmark.
OUTLIER_STDEVS = 2.0


@dataclass(frozen=True)
class PublisherBenchmark:
    """One benchmark as bench_runner weighs it in its "overall geometric mean".

    ``ratio`` is the mean of every pairwise ratio baseline value / candidate value after outlier
    removal, for a benchmark pyperf's t-test finds significant; a benchmark that is not
    significant enters the geometric mean as 1.00 (``ratio`` 1.0, ``significant`` False).
    ``outliers`` counts the values dropped on both sides.
    """

    name: str
    ratio: float
    significant: bool
    t_score: float | None
    outliers: int


@dataclass(frozen=True)
class PublisherComparison:
    """bench_runner's JIT-vs-default figure for one pair of runs, and what it left out and why."""

    geometric_mean: float
    benchmarks: tuple[PublisherBenchmark, ...]
    left_out: tuple[tuple[str, str], ...]

    @property
    def text(self) -> str:
        return format_publisher(self.geometric_mean)


def publisher_compare(
    pairs: Iterable[tuple[str, Sequence[float], Sequence[float]]], *, excluded: Collection[str] = ()
) -> PublisherComparison | None:
    """The geometric mean the way bench_runner publishes it, from (name, baseline values, candidate values).

    Source: faster-cpython/bench_runner, ``bench_runner/result.py``,
    ``BenchmarkComparison._get_combined_data`` and ``geometric_mean_float``. For each benchmark
    the baseline has values for, the candidate has too and the runner does not exclude, and only
    when both runs have the *same number* of values (pyperf's t-score needs equal samples):

    1. with more than 3 values a side, pyperf's two-sample t-test at 95 %
       (pyperf's ``is_significant``, the very function bench_runner calls, vendored in
       `onboarding.speedups.significance`); not
       significant -> the benchmark counts as 1.00;
    2. significant -> drop each side's values further than 2 population standard deviations
       from its mean, then the ratio is the mean of all pairwise ratios baseline / candidate
       (equal to mean(baseline) × mean(1 / candidate));
    3. the figure is the product of the significant ratios to the power 1/N, N counting every
       benchmark of step 0 (so the insignificant ones weigh as 1.00).

    Returns None when no benchmark qualifies. Benchmarks left out are listed with the reason;
    values too extreme to compute with (overflow) are left out, never a crash.
    """
    rows, left_out = [], []
    excluded = set(excluded)
    for name, baseline, candidate in pairs:
        if not baseline:
            continue
        if name in excluded:
            left_out.append((name, "excluded by the runner's bench_runner.toml"))
            continue
        if len(baseline) != len(candidate):
            left_out.append((name, f"{len(baseline)} vs {len(candidate)} values: bench_runner compares equal counts"))
            continue
        try:
            rows.append(_publisher_benchmark(name, list(baseline), list(candidate)))
        except (OverflowError, ZeroDivisionError, ValueError):
            left_out.append((name, "values too extreme to compute a ratio"))
    if not rows:
        return None
    log_sum = math.fsum(math.log(row.ratio) for row in rows if row.significant)
    return PublisherComparison(
        geometric_mean=math.exp(log_sum / len(rows)), benchmarks=tuple(rows), left_out=tuple(left_out)
    )


def _publisher_benchmark(name: str, baseline: list[float], candidate: list[float]) -> PublisherBenchmark:
    t_score: float | None = None
    outliers = 0
    if len(baseline) > 3 and len(candidate) > 3:
        try:
            significant, t_score = is_significant(baseline, candidate)
        except ZeroDivisionError:  # no spread at all on either side: significant exactly when the means differ
            significant = statistics.fmean(baseline) != statistics.fmean(candidate)
        if not significant:
            return PublisherBenchmark(name, 1.0, False, t_score, 0)
        kept_baseline, kept_candidate = _without_outliers(baseline), _without_outliers(candidate)
        outliers = len(baseline) - len(kept_baseline) + len(candidate) - len(kept_candidate)
        baseline, candidate = kept_baseline, kept_candidate
    ratio = statistics.fmean(baseline) * statistics.fmean([1.0 / value for value in candidate])
    if not math.isfinite(ratio) or ratio <= 0:
        raise ValueError(name)
    return PublisherBenchmark(name, ratio, True, t_score, outliers)


def _without_outliers(values: list[float]) -> list[float]:
    mean = statistics.fmean(values)
    limit = OUTLIER_STDEVS * statistics.pstdev(values)
    kept = [value for value in values if abs(value - mean) < limit]
    return kept or values  # all equal: nothing is an outlier


def format_publisher(ratio: float) -> str:
    """bench_runner's words for its geometric mean: ``1.073x faster``, ``1.063x slower`` (2 − g), ``not sig``.

    Note the slower side is ``1 + (1 − g)``, not ``1 / g``: a 0.937 figure reads "1.063x slower".
    """
    if ratio == 1.0:
        return "not sig"
    if ratio > 1.0:
        return f"{ratio:.3f}x faster"
    return f"{1.0 + (1.0 - ratio):.3f}x slower"
