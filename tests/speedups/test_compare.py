"""Comparisons agree with ``python -m pyperf compare_to`` and the corpus READMEs; unfair ones are refused."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from onboarding.speedups.errors import NothingToCompare, RunsNotComparable
from onboarding.speedups.measures import format_speedup
from onboarding.speedups.models import BenchmarkRun
from onboarding.speedups.selectors import comparison_get, comparison_mismatches
from tests.speedups.conftest import (
    FC_310_REFERENCE,
    FC_20221112,
    FC_20221119,
    GZ_PY27,
    GZ_PY35,
    JIT_DEFAULT,
    JIT_JIT,
    MULT_LIST_36,
    MULT_LIST_38,
)

pytestmark = pytest.mark.django_db

#: (baseline, candidate) pairs checked against the pyperf CLI.
PAIRS = [
    pytest.param(JIT_DEFAULT, JIT_JIT, id="jit-vs-default-3.14.7"),
    pytest.param(MULT_LIST_36, MULT_LIST_38, id="mult_list-py36-vs-py38"),
    pytest.param(FC_20221112, FC_20221119, id="fc-same-benchmark-hash"),
    pytest.param(GZ_PY27, GZ_PY35, id="gz-py27-vs-py35"),
]

#: The JIT pair's README: per benchmark, JIT mean / default mean to 4 decimals.
README_JIT_OVER_DEFAULT = {
    "deltablue": 0.9291,
    "float": 0.8863,
    "nbody": 1.0946,
    "richards": 0.7495,
    "chaos": 1.0605,
    "fannkuch": 1.0217,
    "go": 1.1218,
    "spectral_norm": 1.0511,
    "hexiom": 0.9434,
    "nqueens": 1.0752,
    "raytrace": 0.8596,
    "unpack_sequence": 2.0288,
    "coroutines": 0.8537,
    "generators": 0.8568,
    "json_dumps": 0.9939,
}


@dataclass
class CompareTo:
    """What ``python -m pyperf compare_to BASELINE CANDIDATE`` printed."""

    shown: dict[str, str]  # benchmark name -> "1.08x faster", significant ones only
    hidden_count: int
    geometric_mean: str | None


def pyperf_compare_to(baseline: Path, candidate: Path) -> CompareTo:
    out = subprocess.run(
        [sys.executable, "-m", "pyperf", "compare_to", str(baseline), str(candidate)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # With pyperformance tags, per-tag sections come first; the last section covers all benchmarks.
    out = out.split("All benchmarks:")[-1]
    shown = {}
    for line in out.splitlines():
        if "Mean +- std dev:" in line:
            name = line.split(": Mean +- std dev:")[0] if not line.startswith("Mean +- std dev:") else ""
            shown[name] = line.rsplit(": ", 1)[1]
    hidden = re.search(r"not significant \((\d+)\)", out)
    geometric = re.search(r"^Geometric mean: (.+)$", out, re.MULTILINE)
    return CompareTo(shown, int(hidden.group(1)) if hidden else 0, geometric.group(1) if geometric else None)


@pytest.mark.parametrize(("baseline_name", "candidate_name"), PAIRS)
def test_ratios_significance_and_geometric_mean_agree_with_pyperf_compare_to(
    import_file: Callable[..., BenchmarkRun], benchmarks_dir: Path, baseline_name: str, candidate_name: str
) -> None:
    comparison = comparison_get(baseline=import_file(baseline_name), candidate=import_file(candidate_name))
    cli = pyperf_compare_to(benchmarks_dir / baseline_name, benchmarks_dir / candidate_name)

    ours = {bench.name: bench for bench in comparison.benchmarks}
    if list(cli.shown) == [""]:  # one benchmark: pyperf prints no name
        cli.shown = {next(iter(ours)): cli.shown[""]}
    assert {name for name, bench in ours.items() if bench.significant} == set(cli.shown)
    assert len(ours) - len(cli.shown) == cli.hidden_count
    for name, words in cli.shown.items():
        assert format_speedup(ours[name].ratio) == words, name
    if len(ours) > 1:
        assert format_speedup(comparison.geometric_mean) == cli.geometric_mean
    assert comparison.forced is False


def test_the_jit_pair_gives_the_readmes_geometric_mean_and_ratios(jit_pair: tuple[BenchmarkRun, BenchmarkRun]) -> None:
    default, jit = jit_pair

    comparison = comparison_get(baseline=default, candidate=jit)

    # The README's 1.00698 is JIT / default; the site's ratio is default / JIT (above 1 = JIT faster).
    assert round(1 / comparison.geometric_mean, 5) == 1.00698
    assert round(comparison.geometric_mean, 4) == 0.9931
    assert format_speedup(comparison.geometric_mean) == "1.01x slower"
    assert {bench.name: round(1 / bench.ratio, 4) for bench in comparison.benchmarks} == README_JIT_OVER_DEFAULT
    assert [bench.name for bench in comparison.benchmarks if not bench.significant] == ["fannkuch", "json_dumps"]
    without_unpack = set(README_JIT_OVER_DEFAULT) - {"unpack_sequence"}
    assert round(1 / comparison.subset(without_unpack)[0], 3) == 0.958


def test_the_jit_pairs_noise_interval_contains_no_change(jit_pair: tuple[BenchmarkRun, BenchmarkRun]) -> None:
    comparison = comparison_get(baseline=jit_pair[0], candidate=jit_pair[1])

    low, high = comparison.noise
    # The README: the two halves of the run disagree by about 3 %, so 0.993 is within noise.
    assert low < 1.0 < high
    assert low > 0.95 and high < 1.05


def test_means_are_pyperfs_to_the_last_bit_after_the_round_trip_through_the_database(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun],
) -> None:
    default, jit = jit_pair

    comparison = comparison_get(baseline=default, candidate=jit)

    stored = {result.name: result.mean for result in default.results.all()}
    assert {bench.name: bench.baseline_mean for bench in comparison.benchmarks} == stored
    assert round(stored["unpack_sequence"], 13) == 5.35726e-08


def test_runs_of_different_benchmark_definitions_are_refused(import_file: Callable[..., BenchmarkRun]) -> None:
    reference, recent = import_file(FC_310_REFERENCE), import_file(FC_20221119)

    with pytest.raises(RunsNotComparable) as caught:
        comparison_get(baseline=reference, candidate=recent)

    assert caught.value.extra["reasons"] == [
        "benchmark definitions (bench_runner's benchmark_hash) differs: '215d35' (baseline) vs '9d713f' (candidate)",
        "pyperformance version differs: '1.0.4' (baseline) vs '1.0.5' (candidate)",
    ]
    assert "force it only knowingly" in caught.value.message


def test_a_forced_comparison_is_labelled_and_says_why(import_file: Callable[..., BenchmarkRun]) -> None:
    reference, recent = import_file(FC_310_REFERENCE), import_file(FC_20221119)

    comparison = comparison_get(baseline=reference, candidate=recent, force=True)

    assert comparison.forced is True
    assert len(comparison.mismatches) == 2
    # The corpus README's example: 3.10.4 -> 3.12.0a3+ reads 1.70x faster in pyperf's formula.
    assert format_speedup(comparison.geometric_mean) == "1.70x faster"


def test_runs_from_different_machines_and_compilers_are_refused(import_file: Callable[..., BenchmarkRun]) -> None:
    jit, fc = import_file(JIT_JIT), import_file(FC_20221119)

    reasons = comparison_mismatches(baseline=fc, candidate=jit)

    assert [reason.split(" differs")[0] for reason in reasons] == [
        "machine",
        "hostname",
        "CPU model",
        "compiler",
        "benchmark definitions (bench_runner's benchmark_hash)",
        "pyperformance version",
    ]
    assert "'GCC 9.4.0' (baseline) vs 'GCC 12.2.0' (candidate)" in reasons[3]
    assert "'9d713f' (baseline) vs 'unknown' (candidate)" in reasons[4]


def test_a_machine_named_differently_on_import_is_a_different_machine(import_file: Callable[..., BenchmarkRun]) -> None:
    default = import_file(JIT_DEFAULT, machine="vm-a")
    jit = import_file(JIT_JIT, machine="vm-b")

    assert comparison_mismatches(baseline=default, candidate=jit) == [
        "machine differs: 'vm-a' (baseline) vs 'vm-b' (candidate)"
    ]


def test_a_run_against_itself_is_refused_even_when_forced(import_file: Callable[..., BenchmarkRun]) -> None:
    run = import_file(JIT_JIT)

    with pytest.raises(NothingToCompare, match="against itself"):
        comparison_get(baseline=run, candidate=run, force=True)


def test_runs_without_a_common_benchmark_are_refused_even_when_forced(import_file: Callable[..., BenchmarkRun]) -> None:
    timeit, mult_list = import_file(GZ_PY35), import_file(MULT_LIST_38)

    with pytest.raises(NothingToCompare, match="no benchmark in common"):
        comparison_get(baseline=timeit, candidate=mult_list, force=True)


def test_only_common_benchmarks_are_compared_and_the_others_listed(
    import_file: Callable[..., BenchmarkRun],
) -> None:
    fc, jit = import_file(FC_20221119), import_file(JIT_JIT)

    comparison = comparison_get(baseline=fc, candidate=jit, force=True)

    assert [bench.name for bench in comparison.benchmarks] == ["deltablue", "richards", "unpack_sequence"]
    assert len(comparison.only_in_candidate) == 12
    assert comparison.only_in_baseline == ()
