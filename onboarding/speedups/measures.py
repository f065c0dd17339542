"""The statistics of a comparison, done by pyperf itself: ratios of means, significance, geometric mean, noise.

One convention everywhere (`RATIO_CONVENTION`): a ratio is baseline mean / candidate mean, so
above 1 the candidate is faster. ``pyperf compare_to REF NEW`` prints the inverse (NEW / REF,
below 1 = faster); `format_speedup` turns either into the same words.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyperf

# The exact function ``pyperf compare_to`` uses to decide whether a benchmark's difference is
# significant (pyperf/_compare.py: Student's two-sample t-test at 95 %, via
# pyperf._utils.is_significant, with its guards for one-value samples). It is private to pyperf,
# so tests pin our verdicts to the CLI's output on real files.
from pyperf._compare import is_significant_benchs
from pyperf._utils import geometric_mean as _pyperf_geometric_mean

__all__ = [
    "NOISE_Z",
    "RATIO_CONVENTION",
    "BenchmarkComparison",
    "benchmark_compare",
    "format_speedup",
    "geometric_mean",
    "geometric_mean_log_stderr",
    "noise_interval",
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
    significant, t_score = is_significant_benchs(baseline, candidate)
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
    """pyperf's geometric mean (the one ``compare_to`` prints). Raises ValueError when empty."""
    return float(_pyperf_geometric_mean(ratios))


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
