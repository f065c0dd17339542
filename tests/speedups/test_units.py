"""Values read in their unit exactly as pyperf prints them (checked against pyperf's public
``Benchmark.format_values``), on every benchmark of the real result files and on each unit."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyperf
import pytest

from onboarding.speedups.units import UNITS, format_value, format_values

pytestmark = pytest.mark.django_db  # the speedups conftest's autouse fixture clears the cache table


def _bench(unit: str, first: float = 1.0) -> pyperf.Benchmark:
    return pyperf.Benchmark([pyperf.Run([first], metadata={"name": "b", "unit": unit}, collect_metadata=False)])


def _suites(benchmarks_dir: Path) -> list[pyperf.BenchmarkSuite]:
    suites = []
    for path in sorted(benchmarks_dir.rglob("*.json*")):
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                suites.append(pyperf.BenchmarkSuite.loads(handle.read()))
        else:
            suites.append(pyperf.BenchmarkSuite.load(str(path)))
    return suites


def test_means_and_stdevs_of_every_real_benchmark_read_as_pyperf_prints_them(shared_dir: Path) -> None:
    checked = 0
    for suite in _suites(shared_dir / "benchmarks"):
        for bench in suite.get_benchmarks():
            if bench.get_nvalue() < 2:
                continue
            shown = (bench.mean(), bench.stdev(), min(bench.get_values()), max(bench.get_values()))
            assert format_values(bench.get_unit(), shown) == bench.format_values(shown)
            assert format_value(bench.get_unit(), bench.mean()) == bench.format_value(bench.mean())
            checked += 1
    assert checked > 1000


def test_each_unit_at_its_scale_boundaries_reads_as_pyperf_prints_it() -> None:
    seconds = [1e-10, 1e-9, 5.3642e-8, 9.999e-7, 1e-6, 3.82e-3, 0.0123, 0.5, 1.0, 12.5, 250.0, 1234.5]
    sizes = [0, 1, 2, 10239, 10240, 123456, 10 * 1024 * 1024, 10 * 1024 * 1024 + 1, 3.5e9]
    counts = [0, 1, 2, 8192, 8193, 16384, 9999, 10000, 12345, 100000, 10**9, 10**9 + 1]
    for unit, values in (("second", seconds), ("byte", sizes), ("integer", counts)):
        for value in values:
            assert format_value(unit, value) == _bench(unit).format_value(value), (unit, value)
        assert format_values(unit, values) == _bench(unit).format_values(values)
    assert set(UNITS) == {"second", "byte", "integer"}


def test_known_readings() -> None:
    assert format_value("second", 0.00382) == "3.82 ms"
    assert format_values("second", (0.00382, 0.00079)) == ("3.82 ms", "0.79 ms")
    assert format_value("", 5.36e-8) == "53.6 ns"  # no unit means seconds, as in pyperf
    assert format_value("byte", 20 * 1024 * 1024) == "20.0 MiB"
    assert format_value("integer", 16384) == "2^14"


def test_an_unknown_unit_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown unit 'furlong': pyperf's units are second, byte, integer"):
        format_value("furlong", 1.0)
