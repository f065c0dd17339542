"""A comparison as plain JSON data, the same for ``compare_runs --json`` and the API."""

from __future__ import annotations

import math
from typing import Any

from onboarding.speedups.measures import RATIO_CONVENTION
from onboarding.speedups.models import BenchmarkRun
from onboarding.speedups.selectors import Comparison

__all__ = ["comparison_as_json"]


def comparison_as_json(comparison: Comparison) -> dict[str, Any]:
    """The comparison as plain JSON data; ratios are baseline mean / candidate mean."""

    def run(item: BenchmarkRun) -> dict[str, Any]:
        return {
            "id": item.pk,
            "file_name": item.file_name,
            "machine": item.machine,
            "build": item.build,
            "commit_id": item.commit_id,
        }

    low, high = comparison.noise
    return {
        "convention": RATIO_CONVENTION,
        "baseline": run(comparison.baseline),
        "candidate": run(comparison.candidate),
        "forced": comparison.forced,
        "mismatches": list(comparison.mismatches),
        "geometric_mean": comparison.geometric_mean,
        "publisher": None
        if comparison.publisher is None
        else {
            "method": "bench_runner's overall geometric mean (README, JIT speedups)",
            "geometric_mean": comparison.publisher.geometric_mean,
            "result": comparison.publisher.text,
            "benchmarks": [
                {"name": row.name, "ratio": row.ratio, "significant": row.significant, "outliers": row.outliers}
                for row in comparison.publisher.benchmarks
            ],
            "left_out": [{"name": name, "why": why} for name, why in comparison.publisher.left_out],
        },
        "noise_interval": [_finite(low), _finite(high)],
        "benchmarks": [
            {
                "name": bench.name,
                "ratio": bench.ratio,
                "significant": bench.significant,
                "t_score": _finite(bench.t_score),
                "unit": bench.unit,
                "baseline_mean": bench.baseline_mean,
                "candidate_mean": bench.candidate_mean,
            }
            for bench in comparison.benchmarks
        ],
        "only_in_baseline": list(comparison.only_in_baseline),
        "only_in_candidate": list(comparison.only_in_candidate),
    }


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
