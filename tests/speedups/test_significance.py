"""Our vendored t-test and geometric mean give pyperf's results to the last bit, on real result files.

pyperf's private functions are imported here only, to prove the transcription equal; production
code must not import them (tests/speedups/test_no_private_imports.py).
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterator
from pathlib import Path

import pyperf
import pytest
from pyperf._compare import is_significant_benchs as pyperf_is_significant_benchs
from pyperf._utils import geometric_mean as pyperf_geometric_mean
from pyperf._utils import is_significant as pyperf_is_significant
from pyperf._utils import tdist95conf_level as pyperf_tdist95conf_level

from onboarding.speedups import measures
from onboarding.speedups.measures import geometric_mean, publisher_compare
from onboarding.speedups.significance import (
    is_significant,
    is_significant_benchmarks,
    pooled_sample_variance,
    t_critical_95,
    t_score,
)
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

pytestmark = pytest.mark.django_db  # the speedups conftest's autouse fixture clears the cache table

#: (baseline, candidate) file pairs of the corpus, relative to benchmarks/.
FILE_PAIRS = [
    (JIT_DEFAULT, JIT_JIT),
    (MULT_LIST_36, MULT_LIST_38),
    (FC_20221112, FC_20221119),
    (FC_310_REFERENCE, FC_20221119),
    (GZ_PY27, GZ_PY35),
]


def _load(path: Path) -> pyperf.BenchmarkSuite:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return pyperf.BenchmarkSuite.loads(handle.read())
    return pyperf.BenchmarkSuite.load(str(path))


def _nightly_pairs(benchmarks_dir: Path) -> Iterator[tuple[Path, Path]]:
    """(default, JIT) result files of each night of the bench_runner tree."""
    nightly = benchmarks_dir / "nightly-aarch64"
    for jit_dir in sorted(nightly.glob("bm-*-JIT")):
        default_dir = nightly / jit_dir.name.removesuffix("-JIT")
        yield next(default_dir.glob("*.json*")), next(jit_dir.glob("*.json*"))


def _benchmark_pairs(benchmarks_dir: Path) -> list[tuple[str, pyperf.Benchmark, pyperf.Benchmark]]:
    """Every benchmark present in both files of every pair of the corpus and of the nightly tree."""
    paths = [(benchmarks_dir / a, benchmarks_dir / b) for a, b in FILE_PAIRS] + list(_nightly_pairs(benchmarks_dir))
    pairs = []
    for baseline_path, candidate_path in paths:
        baseline, candidate = _load(baseline_path), _load(candidate_path)
        candidates = {bench.get_name(): bench for bench in candidate.get_benchmarks()}
        for bench in baseline.get_benchmarks():
            other = candidates.get(bench.get_name())
            if other is not None and bench.get_nvalue() and other.get_nvalue():
                pairs.append((f"{baseline_path.name}:{bench.get_name()}", bench, other))
    return pairs


@pytest.fixture(scope="module")
def benchmark_pairs(shared_dir: Path) -> list[tuple[str, pyperf.Benchmark, pyperf.Benchmark]]:
    return _benchmark_pairs(shared_dir / "benchmarks")


def _same(a: object, b: object) -> bool:
    """Equal to the last bit (NaN equal to NaN), and of the same type."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return type(a) is type(b) and a == b


def test_the_benchmark_verdicts_and_t_scores_are_pyperfs_on_every_real_pair(
    benchmark_pairs: list[tuple[str, pyperf.Benchmark, pyperf.Benchmark]],
) -> None:
    verdicts = {True: 0, False: 0, None: 0}
    for name, baseline, candidate in benchmark_pairs:
        ours = is_significant_benchmarks(baseline, candidate)
        theirs = pyperf_is_significant_benchs(baseline, candidate)
        assert bool(ours[0]) == bool(theirs[0]), name
        assert _same(ours[1], theirs[1]), (name, ours, theirs)
        verdicts[None if ours[1] is None else ours[0]] += 1
    # The corpus exercises both verdicts and the guard (pairs of unequal value counts).
    assert len(benchmark_pairs) > 500
    assert verdicts[True] > 50 and verdicts[False] > 50 and verdicts[None] > 0, verdicts


def test_the_t_test_on_raw_values_is_pyperfs_as_bench_runner_calls_it(
    benchmark_pairs: list[tuple[str, pyperf.Benchmark, pyperf.Benchmark]],
) -> None:
    compared = 0
    for name, baseline, candidate in benchmark_pairs:
        values1, values2 = list(baseline.get_values()), list(candidate.get_values())
        if len(values1) != len(values2) or len(values1) <= 3:
            continue
        significant, score = is_significant(values1, values2)
        pyperf_significant, pyperf_score = pyperf_is_significant(values1, values2)
        assert significant == pyperf_significant and score == pyperf_score, name
        compared += 1
    assert compared > 500


def test_two_samples_worked_by_hand() -> None:
    # Means 3 and 8, squares 10 + 10 over 8 degrees of freedom: variance 2.5, t = -5 / sqrt(2 * 2.5 / 5).
    assert pooled_sample_variance([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == 2.5
    assert is_significant([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == (True, -5.0)
    # Means 2.5 and 4.5, variance 10 / 6: t = -2 / sqrt(5 / 6) = -2.19 < 2.447 (6 degrees of freedom).
    significant, score = is_significant([1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0])
    assert not significant
    assert score == pytest.approx(-2.0 / math.sqrt(5.0 / 6.0), rel=1e-15)
    assert (significant, score) == pyperf_is_significant([1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0])


def test_the_critical_values_are_pyperfs_table_and_steps() -> None:
    assert [t_critical_95(df) for df in (1, 2, 10, 30, 31, 39, 40, 50, 60, 80, 100, 199, 200, 10_000)] == [
        12.706,
        4.303,
        2.228,
        2.042,
        2.042,
        2.042,
        2.021,
        2.009,
        2.000,
        1.990,
        1.984,
        1.984,
        1.960,
        1.960,
    ]
    assert all(t_critical_95(df) == pyperf_tdist95conf_level(df) for df in range(400))
    assert t_critical_95(9.6) == pyperf_tdist95conf_level(9.6) == 2.228  # rounds to 10


def test_the_guards_of_pyperf_compare_to_are_kept() -> None:
    def bench(*values: float) -> pyperf.Benchmark:
        metadata = {"name": "b", "unit": "second"}
        return pyperf.Benchmark([pyperf.Run(list(values), metadata=metadata, collect_metadata=False)])

    cases = [
        (bench(1.0), bench(2.0)),  # one value each: significant, no score
        (bench(1.0, 2.0, 3.0), bench(1.0, 2.0)),  # unequal counts: the t-score cannot be computed
        (bench(1.0, 1.0, 1.0), bench(2.0, 2.0, 2.0)),  # no spread: division by zero
    ]
    for baseline, candidate in cases:
        assert is_significant_benchmarks(baseline, candidate) == (True, None)
        assert pyperf_is_significant_benchs(baseline, candidate) == (True, None)
    with pytest.raises(ValueError, match="different number of values"):
        t_score([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ZeroDivisionError):
        is_significant([1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0])


def test_the_geometric_mean_is_pyperfs_on_the_ratios_of_real_pairs(
    benchmark_pairs: list[tuple[str, pyperf.Benchmark, pyperf.Benchmark]],
) -> None:
    ratios = [baseline.mean() / candidate.mean() for _name, baseline, candidate in benchmark_pairs]
    assert geometric_mean(ratios) == pyperf_geometric_mean(ratios)
    assert geometric_mean(iter(ratios[:7])) == pyperf_geometric_mean(ratios[:7])
    assert geometric_mean([2, 8]) == pytest.approx(4.0, rel=1e-15)
    with pytest.raises(ValueError):
        geometric_mean([])


def test_each_nightly_figure_is_the_one_pyperfs_own_t_test_gives_to_the_last_bit(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def figures() -> list[float]:
        result = []
        for default_path, jit_path in _nightly_pairs(shared_dir / "benchmarks"):
            jit = {bench.get_name(): bench for bench in _load(jit_path).get_benchmarks()}
            pairs = [
                (bench.get_name(), bench.get_values(), jit[bench.get_name()].get_values())
                for bench in _load(default_path).get_benchmarks()
                if bench.get_name() in jit
            ]
            comparison = publisher_compare(pairs)
            assert comparison is not None
            result.append(comparison.geometric_mean)
        return result

    ours = figures()
    monkeypatch.setattr(measures, "is_significant", pyperf_is_significant)
    assert figures() == ours
    assert len(ours) == 18


def test_the_corpus_files_are_json_pyperf_reads(shared_dir: Path) -> None:
    # A guard on the fixtures above: the nightly tree gives 18 nights of two readable files each.
    pairs = list(_nightly_pairs(shared_dir / "benchmarks"))
    assert len(pairs) == 18
    with gzip.open(pairs[0][0], "rt", encoding="utf-8") as handle:
        assert "benchmarks" in json.load(handle)
