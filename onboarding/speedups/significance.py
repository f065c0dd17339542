"""Student's two-sample t-test at 95 %, exactly as pyperf decides whether two benchmarks differ.

Vendored (transcribed, same arithmetic in the same order) from **pyperf 2.10.0**, MIT license,
Copyright 2016 Red Hat, Inc. and Google Inc. (https://github.com/psf/pyperf):

- ``pyperf/_utils.py``: ``_T_DIST_95_CONF_LEVELS``, ``tdist95conf_level``,
  ``pooled_sample_variance``, ``tscore``, ``is_significant`` -> `T_DIST_95_CONF_LEVELS`,
  `t_critical_95`, `pooled_sample_variance`, `t_score`, `is_significant`;
- ``pyperf/_compare.py``: ``is_significant_benchs`` (the guards ``pyperf compare_to`` wraps
  around the test) -> `is_significant_benchmarks`.

Those pyperf modules are private (they change without notice), so the formula lives here. It is
also the test bench_runner (faster-cpython/bench_runner, ``bench_runner/result.py``) calls for
its published "overall geometric mean", whose figures we reproduce to the last decimal: keep the
arithmetic as it is (``statistics.mean``, not ``fmean``; ``math.fsum`` of squares; the table).
``tests/speedups/test_significance.py`` pins every function to pyperf's own on real result files.

Samples are sequences of floats in one unit (seconds, usually). The t-score needs samples of the
same length (``ValueError`` otherwise); zero spread on both sides raises ``ZeroDivisionError``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import pyperf

__all__ = [
    "T_DIST_95_CONF_LEVELS",
    "is_significant",
    "is_significant_benchmarks",
    "pooled_sample_variance",
    "t_critical_95",
    "t_score",
]

#: Two-tailed 95 % critical values of Student's t distribution, indexed by degrees of freedom
#: (0 to 30); `t_critical_95` approximates beyond the table. pyperf's table, as is.
T_DIST_95_CONF_LEVELS: tuple[float, ...] = (
    0,
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)

#: (lowest degrees of freedom, critical value) beyond the table, highest first.
_T_DIST_95_STEPS: tuple[tuple[int, float], ...] = (
    (200, 1.960),
    (100, 1.984),
    (80, 1.990),
    (60, 2.000),
    (50, 2.009),
    (40, 2.021),
)


def t_critical_95(degrees_of_freedom: float) -> float:
    """The two-tailed 95 % critical value of Student's t for ``degrees_of_freedom`` (rounded to an int).

    From the table up to 30, the last table value from 31 to 39, then steps down to 1.960 at 200+.
    """
    df = round(degrees_of_freedom)
    for lowest, value in _T_DIST_95_STEPS:
        if df >= lowest:
            return value
    if df >= len(T_DIST_95_CONF_LEVELS):
        return T_DIST_95_CONF_LEVELS[-1]
    return T_DIST_95_CONF_LEVELS[df]


def pooled_sample_variance(sample1: Sequence[float], sample2: Sequence[float]) -> float:
    """Pooled sample variance of two samples: (Σ(x − x̄)² + Σ(y − ȳ)²) / (n1 + n2 − 2), in unit²."""
    degrees_of_freedom = len(sample1) + len(sample2) - 2
    mean1 = statistics.mean(sample1)
    mean2 = statistics.mean(sample2)
    squares1 = math.fsum((x - mean1) ** 2 for x in sample1)
    squares2 = math.fsum((x - mean2) ** 2 for x in sample2)
    return (squares1 + squares2) / float(degrees_of_freedom)


def t_score(sample1: Sequence[float], sample2: Sequence[float]) -> float:
    """Two-sample t-score (mean1 − mean2) / sqrt(2 · pooled variance / n) of two samples of equal length n.

    Raises ValueError for samples of different lengths, ZeroDivisionError when neither varies.
    """
    if len(sample1) != len(sample2):
        raise ValueError("different number of values")
    error = pooled_sample_variance(sample1, sample2) / len(sample1)
    diff = statistics.mean(sample1) - statistics.mean(sample2)
    return diff / math.sqrt(error * 2)


def is_significant(sample1: Sequence[float], sample2: Sequence[float]) -> tuple[bool, float]:
    """(significant, t-score): Student's two-sample two-tailed t-test at 95 %, |t| ≥ the critical value.

    Raises as `t_score` does.
    """
    critical_value = t_critical_95(len(sample1) + len(sample2) - 2)
    score = t_score(sample1, sample2)
    return abs(score) >= critical_value, score


def is_significant_benchmarks(bench1: pyperf.Benchmark, bench2: pyperf.Benchmark) -> tuple[bool, float | None]:
    """`is_significant` over all values of two benchmarks, with ``pyperf compare_to``'s guards.

    One value on each side, or a test that cannot be computed (different numbers of values, no
    spread, empty or overflowing samples), counts as significant with no t-score: ``(True, None)``.
    pyperf catches any ``Exception`` there; we catch the arithmetic and value errors those cases
    raise, so that a bug of ours still surfaces.
    """
    values1 = bench1.get_values()
    values2 = bench2.get_values()
    if len(values1) == 1 and len(values2) == 1:
        return True, None
    try:
        return is_significant(values1, values2)
    except (ArithmeticError, ValueError):
        return True, None
