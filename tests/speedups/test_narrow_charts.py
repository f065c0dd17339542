"""The speedups charts drawn for phones: the same data and colours as the wide drawings, on a narrow canvas."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest

from onboarding.speedups.charts import benchmark_means_svg, comparison_ratios_svg, speedup_chart_svg
from onboarding.speedups.models import BenchmarkRun
from onboarding.speedups.selectors import (
    benchmark_result_history,
    comparison_get,
    conversion_merged_list,
    speedup_series,
)
from onboarding.web.charts import NARROW_DATE_LABELS, NARROW_WIDTH
from tests.onboarding.test_charts import legend, series_colours, title_lines, values, view_box, x_labels

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def test_the_narrow_speedup_chart_has_every_line_point_and_colour_of_the_wide_one(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun], merged_pull_request: Callable[..., object]
) -> None:
    merged_pull_request(dt.datetime(2026, 8, 20, tzinfo=UTC), number=140123)
    series = speedup_series(baseline_build="default", candidate_build="jit")
    title = "jit against default: geometric mean per night and machine"

    wide = speedup_chart_svg(series, markers=conversion_merged_list(), title=title)
    narrow = speedup_chart_svg(series, markers=conversion_merged_list(), title=title, narrow=True)

    assert view_box(wide)[0] == 800 and view_box(narrow)[0] == NARROW_WIDTH
    assert legend(narrow) == legend(wide)
    assert "merged conversion" in legend(narrow) and "PEP 836: 20% (JIT + free-threading vs FT)" in legend(narrow)
    assert values(narrow) == values(wide) and values(wide)
    assert series_colours(narrow) == series_colours(wide)
    assert "python/cpython#140123: Convert _BINARY_OP_ADD_INT" in narrow
    # The axis title moves into the wrapped title, so the plot keeps the width a rotated one takes.
    assert "baseline ÷ candidate (above 1 = faster)" in " ".join(title_lines(narrow))
    assert not re.search(r'class="title"[^>]*transform="rotate', narrow)
    dates = x_labels(narrow)
    assert 2 <= len(dates) <= NARROW_DATE_LABELS and len(set(dates)) == len(dates)
    assert [dt.date.fromisoformat(date) for date in dates] == sorted(dt.date.fromisoformat(date) for date in dates)


def test_the_narrow_chart_grows_with_its_legend_so_the_plot_keeps_its_height(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun], merged_pull_request: Callable[..., object]
) -> None:
    series = speedup_series(baseline_build="default", candidate_build="jit")
    without = speedup_chart_svg(series, markers=[], title="t", narrow=True)
    merged_pull_request(dt.datetime(2026, 8, 20, tzinfo=UTC), number=140123)

    with_marker = speedup_chart_svg(series, markers=conversion_merged_list(), title="t", narrow=True)

    assert len(legend(with_marker)) == len(legend(without)) + 1
    assert view_box(with_marker)[1] > view_box(without)[1]


def test_the_narrow_means_chart_has_the_same_lines_and_one_label_for_runs_of_one_day(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun],
) -> None:
    history = list(benchmark_result_history(name="richards"))

    wide = benchmark_means_svg(history, title="richards: mean per machine and build")
    narrow = benchmark_means_svg(history, title="richards: mean per machine and build", narrow=True)

    assert view_box(narrow)[0] == NARROW_WIDTH
    assert len(legend(narrow)) == 2 and legend(narrow) == legend(wide)
    assert values(narrow) == values(wide) and series_colours(narrow) == series_colours(wide)
    runs_days = {result.run.date.date() for result in history}
    assert len(runs_days) == 1 and x_labels(narrow) == [f"{runs_days.pop():%Y-%m-%d}"]


def test_the_narrow_comparison_chart_has_every_bar_short_names_and_a_few_ratio_labels(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun],
) -> None:
    default, jit = jit_pair
    comparison = comparison_get(baseline=default, candidate=jit)

    wide = comparison_ratios_svg(comparison, title="Run 2 against run 1: ratio per benchmark")
    narrow = comparison_ratios_svg(comparison, title="Run 2 against run 1: ratio per benchmark", narrow=True)

    assert view_box(narrow) == (NARROW_WIDTH, view_box(wide)[1])  # one row per benchmark, as tall
    assert values(narrow) == values(wide) and len(values(narrow)) == len(comparison.benchmarks)
    assert narrow.count('class="ci"') == wide.count('class="ci"')
    names = re.findall(r'<g class="axis y[^"]*">(.*?)</g>\s*<g class="axis x', narrow, re.S)
    shown = re.findall(r"<text[^>]*>([^<]+)</text>", names[0])
    assert len(shown) == len(comparison.benchmarks) and max(map(len, shown)) <= 16
    long_names = [bench.name for bench in comparison.benchmarks if len(bench.name) > 16]
    assert all(f"{name[:15]}…" in shown for name in long_names)
    ratios = re.findall(r'<g class="axis x[^"]*">(.*?)</g>\s*</g>\s*<g class="series', narrow, re.S)
    ticks = re.findall(r"<text[^>]*>([^<]+)</text>", ratios[0])
    assert 2 <= len(ticks) <= 5 and "1.000" in ticks
    assert re.findall(r'class="major guide line" />\s*<text[^>]*>([^<]+)</text>', narrow) == ["1.000"]
