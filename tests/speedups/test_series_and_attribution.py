"""The speedup series per machine, the chart, and what merged conversions did."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from onboarding.speedups.charts import speedup_chart_svg
from onboarding.speedups.measures import format_publisher
from onboarding.speedups.models import BenchmarkRun
from onboarding.speedups.selectors import conversion_merged_list, speedup_series
from onboarding.speedups.services import benchmark_run_import
from onboarding.speedups.trends import attribution_list, regression_list
from tests.speedups.conftest import FC_20221112, FC_20221119, JIT_DEFAULT, JIT_JIT

pytestmark = pytest.mark.django_db

LATER_COMMIT = "f" * 40
LATER_DATE = "2026-09-01T00:00:00+00:00"
UTC = dt.UTC


def import_path(path: Path, **options: str) -> BenchmarkRun:
    return benchmark_run_import(content=path.read_bytes(), file_name=path.name, **options).run


def test_the_series_has_one_point_per_commit_and_machine(jit_pair: tuple[BenchmarkRun, BenchmarkRun]) -> None:
    series = speedup_series(baseline_build="default", candidate_build="jit")

    [point] = series.points["vm"]
    assert point.commit_id.startswith("0edaa75")
    assert point.date == dt.datetime(2026, 8, 11, 6, 9, 43, tzinfo=UTC)
    assert round(1 / point.comparison.geometric_mean, 5) == 1.00698
    assert series.left_out == []


def test_the_series_leaves_out_pairs_that_are_not_comparable_and_says_why(
    derived_file: Callable[..., Path], import_file: Callable[..., BenchmarkRun]
) -> None:
    import_file(JIT_DEFAULT, machine="vm")
    import_path(derived_file(JIT_JIT, commit_id="0edaa75d86fbd8907f132ae567e4df8d31691849", commit_date=LATER_DATE))
    BenchmarkRun.objects.filter(build="jit").update(compiler="clang 19")

    series = speedup_series(baseline_build="default", candidate_build="jit")

    assert series.is_empty
    [left_out] = series.left_out
    assert left_out.reasons == ("compiler differs: 'GCC 12.2.0' (baseline) vs 'clang 19' (candidate)",)


def test_the_series_of_one_benchmark_plots_its_own_ratio(jit_pair: tuple[BenchmarkRun, BenchmarkRun]) -> None:
    series = speedup_series(baseline_build="default", candidate_build="jit", benchmark="richards")

    [point] = series.points["vm"]
    assert [bench.name for bench in point.comparison.benchmarks] == ["richards"]
    assert round(point.comparison.geometric_mean, 3) == 1.334


def test_the_series_ignores_runs_without_a_commit(import_file: Callable[..., BenchmarkRun]) -> None:
    import_file(FC_20221112, build="default")
    import_file(FC_20221119, build="jit")  # another commit: no pair

    assert speedup_series(baseline_build="default", candidate_build="jit").is_empty


def test_the_chart_is_inline_svg_with_both_target_lines_and_no_external_script(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun],
) -> None:
    series = speedup_series(baseline_build="default", candidate_build="jit")

    svg = speedup_chart_svg(series, markers=[], title="jit against default")

    assert svg.startswith("<svg")
    assert "PEP 836: 5% (JIT + GIL vs GIL)" in svg and "PEP 836: 20% (JIT + free-threading vs FT)" in svg
    assert ">vm<" in svg and "rolling average" not in svg  # one night has no average to draw
    assert "merged conversion" not in svg
    assert not re.search(r"<script[^>]+src=", svg)
    assert 'viewBox="' in svg
    point = series.points["vm"][0]
    assert f"0edaa75: {format_publisher(point.comparison.speedup)}" in svg


def test_the_chart_marks_merged_conversions(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun], merged_pull_request: Callable[..., object]
) -> None:
    merged_pull_request(dt.datetime(2026, 8, 20, tzinfo=UTC), number=140123)
    series = speedup_series(baseline_build="default", candidate_build="jit")

    svg = speedup_chart_svg(series, markers=conversion_merged_list(), title="jit against default")

    assert "merged conversion" in svg
    assert "python/cpython#140123: Convert _BINARY_OP_ADD_INT" in svg


def test_an_empty_series_draws_no_chart(db: None) -> None:
    series = speedup_series(baseline_build="default", candidate_build="jit")

    assert speedup_chart_svg(series, markers=[], title="t") == ""


def test_only_merged_pull_requests_with_a_merge_date_are_conversions_to_mark(
    merged_pull_request: Callable[..., object],
) -> None:
    merged_pull_request(dt.datetime(2026, 8, 20, tzinfo=UTC), number=1)
    open_pr = merged_pull_request(dt.datetime(2026, 8, 21, tzinfo=UTC), number=2)
    open_pr.state, open_pr.merged_at = "open", None
    open_pr.save()

    assert [conversion.pull_request.number for conversion in conversion_merged_list()] == [1]


EARLIER_COMMIT = "e" * 40
EARLIER_DATE = "2026-08-01T00:00:00+00:00"
LATEST_COMMIT = "d" * 40
LATEST_DATE = "2026-09-08T00:00:00+00:00"


def derived_pair(derived_file: Callable[..., Path], commit: str, date: str, scale: float) -> None:
    """A default/JIT pair of another commit from the real 0edaa75 files, every JIT value × ``scale``."""
    import_path(derived_file(JIT_DEFAULT, commit_id=commit, commit_date=date))
    import_path(derived_file(JIT_JIT, commit_id=commit, commit_date=date, scale=scale))


def test_attribution_without_nights_on_both_sides_of_the_merge_is_not_enough_data(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun], merged_pull_request: Callable[..., object]
) -> None:
    merged_pull_request(dt.datetime(2026, 8, 20, tzinfo=UTC))
    series = speedup_series(baseline_build="default", candidate_build="jit")

    [attribution] = attribution_list(series)

    assert attribution.delta is None
    assert attribution.note == (
        "not enough data: 1 night on vm before the merge and 0 nights after; 2 on each side are needed"
    )


def test_attribution_without_any_pair_is_not_enough_data(merged_pull_request: Callable[..., object]) -> None:
    merged_pull_request(dt.datetime(2026, 8, 20, tzinfo=UTC))

    [attribution] = attribution_list(speedup_series(baseline_build="default", candidate_build="jit"))

    assert attribution.note.startswith("not enough data: no comparable jit and default runs")


def test_attribution_measures_the_speedup_change_across_the_merge_with_its_noise(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun],
    derived_file: Callable[..., Path],
    merged_pull_request: Callable[..., object],
) -> None:
    derived_pair(derived_file, EARLIER_COMMIT, EARLIER_DATE, 1.02)
    derived_pair(derived_file, LATER_COMMIT, LATER_DATE, 0.8)
    derived_pair(derived_file, LATEST_COMMIT, LATEST_DATE, 0.79)
    merged_pull_request(dt.datetime(2026, 8, 20, tzinfo=UTC))
    series = speedup_series(baseline_build="default", candidate_build="jit")

    [attribution] = attribution_list(series)

    assert [night.commit_id for night in attribution.before] == [EARLIER_COMMIT, jit_pair[0].commit_id]
    assert [night.commit_id for night in attribution.after] == [LATER_COMMIT, LATEST_COMMIT]
    assert attribution.delta is not None and attribution.delta > 1.15  # the JIT values were scaled by ~0.8
    assert attribution.delta == pytest.approx(attribution.after_speedup / attribution.before_speedup)
    assert attribution.low is not None and attribution.high is not None
    assert attribution.low < attribution.delta < attribution.high
    assert attribution.beyond_noise


def test_attribution_of_no_change_is_within_noise(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun],
    derived_file: Callable[..., Path],
    merged_pull_request: Callable[..., object],
) -> None:
    derived_pair(derived_file, EARLIER_COMMIT, EARLIER_DATE, 1.0)
    derived_pair(derived_file, LATER_COMMIT, LATER_DATE, 1.0)
    derived_pair(derived_file, LATEST_COMMIT, LATEST_DATE, 1.0)
    merged_pull_request(dt.datetime(2026, 8, 20, tzinfo=UTC))

    [attribution] = attribution_list(speedup_series(baseline_build="default", candidate_build="jit"))

    assert attribution.delta == pytest.approx(1.0)
    assert not attribution.beyond_noise


def test_attribution_skips_runs_that_are_not_comparable_across_the_merge(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun],
    derived_file: Callable[..., Path],
    merged_pull_request: Callable[..., object],
) -> None:
    derived_pair(derived_file, EARLIER_COMMIT, EARLIER_DATE, 1.0)
    derived_pair(derived_file, LATER_COMMIT, LATER_DATE, 0.8)
    derived_pair(derived_file, LATEST_COMMIT, LATEST_DATE, 0.8)
    BenchmarkRun.objects.filter(commit_id__in=[LATER_COMMIT, LATEST_COMMIT]).update(performance_version="1.15.0")
    merged_pull_request(dt.datetime(2026, 8, 20, tzinfo=UTC))

    [attribution] = attribution_list(speedup_series(baseline_build="default", candidate_build="jit"))

    assert attribution.delta is None
    assert "not comparable" in attribution.note


def test_a_drop_from_the_baseline_build_is_flagged_as_suspect_pairing_not_a_jit_regression(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun], derived_file: Callable[..., Path]
) -> None:
    for number, date in enumerate(("2026-08-12", "2026-08-13", "2026-08-14"), start=1):
        derived_pair(derived_file, f"{number}" * 40, f"{date}T00:00:00+00:00", 1.0)
    # The night after: the JIT run is the real one, the default run is 20 % faster than every other default run.
    default = derived_file(JIT_DEFAULT, commit_id="9" * 40, commit_date="2026-08-15T00:00:00+00:00", scale=0.8)
    import_path(default)
    import_path(derived_file(JIT_JIT, commit_id="9" * 40, commit_date="2026-08-15T00:00:00+00:00"))

    [regression] = regression_list(speedup_series(baseline_build="default", candidate_build="jit"))

    assert regression.night.commit_id == "9" * 40
    assert regression.night.speedup < regression.floor
    assert regression.baseline_change == pytest.approx(1.25)  # the default runs moved...
    assert regression.candidate_change == pytest.approx(1.0)  # ...the JIT runs did not
    assert regression.verdict.startswith("suspect the pairing or the machine rather than the jit build")
    assert regression.first_commit == "3" * 40 and regression.last_commit == "9" * 40
