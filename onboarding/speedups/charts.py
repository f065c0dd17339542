"""The speedup-over-time chart: pygal renders it server-side as inline SVG (no JavaScript, no CDN)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pygal
from pygal.style import Style

# pyperf's own formatting of a value in its unit ("3.82 ms"), for the axis and the tooltips.
from pyperf._formatter import format_value

from onboarding.speedups.measures import format_speedup
from onboarding.speedups.models import BenchmarkResult
from onboarding.speedups.selectors import MergedConversion, SpeedupSeries

__all__ = ["TARGETS", "benchmark_means_svg", "speedup_chart_svg"]

#: The speedups the JIT work aims at, drawn as horizontal lines (ratio 1.05 = 5 % faster).
TARGETS = ((1.05, "target: 5% faster"), (1.10, "target: 10% faster"))
#: Dates around a lone point, so that a one-point chart still has a time axis.
_PAD = dt.timedelta(days=15)
#: Room above the highest target and around the points, in ratio units.
_MARGIN = 0.02
_MACHINE_COLOURS = ("#1f5fa8", "#6a1b9a", "#00838f", "#ad1457", "#37474f")
_TARGET_COLOURS = ("#e0a100", "#2e7d32")
_NO_CHANGE_COLOUR = "#888888"
_MARKER_COLOUR = "#c0392b"


def speedup_chart_svg(series: SpeedupSeries, *, markers: Sequence[MergedConversion], title: str) -> str:
    """Ratio (baseline ÷ candidate) per machine over time, with the targets and merged conversions.

    One line per machine; the target lines at 1.05 and 1.10 and a "no change" line at 1.00 span
    the chart; merged conversions are dots on the 1.00 line at their merge date. Returns ``""``
    when the series has no point.
    """
    if series.is_empty:
        return ""
    dates = [point.date for points in series.points.values() for point in points]
    dates += [marker.merged_at for marker in markers]
    start, end = min(dates), max(dates)
    if end - start < 2 * _PAD:
        start, end = start - _PAD, end + _PAD
    ratios = [point.comparison.geometric_mean for points in series.points.values() for point in points]
    low = min(1.0, *ratios) - _MARGIN
    high = max(TARGETS[-1][0], *ratios) + _MARGIN
    machines = list(series.points)
    colours = (_MACHINE_COLOURS * (len(machines) // len(_MACHINE_COLOURS) + 1))[: len(machines)]
    chart = _date_time_line(
        title=title,
        y_title="baseline ÷ candidate (above 1 = candidate faster)",
        colours=colours,
        value_formatter=lambda value: f"{value:.3f}",
        range=(low, high),
    )
    for machine, points in series.points.items():
        chart.add(
            machine,
            [
                {
                    "value": (point.date, point.comparison.geometric_mean),
                    "label": f"{point.commit_id[:7]}: {format_speedup(point.comparison.geometric_mean)}",
                }
                for point in points
            ],
        )
    for ratio, label in TARGETS:
        chart.add(
            label, [(start, ratio), (end, ratio)], show_dots=False, stroke_style={"width": 2, "dasharray": "8, 4"}
        )
    chart.add("no change", [(start, 1.0), (end, 1.0)], show_dots=False, stroke_style={"width": 1.5})
    if markers:
        chart.add(
            "merged conversion",
            [{"value": (marker.merged_at, 1.0), "label": marker.label} for marker in markers],
            stroke=False,
            dots_size=7,
        )
    return str(chart.render(is_unicode=True))


def benchmark_means_svg(history: Sequence[BenchmarkResult], *, title: str) -> str:
    """The mean of one benchmark over time, one line per machine and build (lower is faster).

    ``history`` is `selectors.benchmark_result_history`; runs without a date are left out.
    Returns ``""`` when no run has a date. Lines of different machines or benchmark definitions
    are drawn side by side, not compared.
    """
    lines: dict[str, list[BenchmarkResult]] = {}
    for result in history:
        if result.run.date is not None:
            lines.setdefault(f"{result.run.machine} · {result.run.build}", []).append(result)
    if not lines:
        return ""
    unit = history[0].unit
    chart = _date_time_line(
        title=title,
        y_title=f"mean ({unit}; lower is faster)",
        colours=_MACHINE_COLOURS,
        value_formatter=lambda value: str(format_value(unit, value)),
        include_x_axis=True,
    )
    for label, results in lines.items():
        results = sorted(results, key=lambda result: result.run.date)
        chart.add(
            label,
            [
                {"value": (result.run.date, result.mean), "label": f"run {result.run.pk}, {result.run.short_commit}"}
                for result in results
            ],
        )
    return str(chart.render(is_unicode=True))


def _date_time_line(*, title: str, y_title: str, colours: Sequence[str], **config: Any) -> pygal.DateTimeLine:
    """The house chart over dates: inline SVG without scripts, legend below, dates as ``YYYY-MM-DD``."""
    return pygal.DateTimeLine(
        title=title,
        y_title=y_title,
        style=_style(colours),
        js=[],
        disable_xml_declaration=True,
        width=800,
        height=360,
        legend_at_bottom=True,
        truncate_legend=-1,
        x_label_rotation=20,
        x_value_formatter=lambda value: value.strftime("%Y-%m-%d"),
        dots_size=4,
        show_x_guides=False,
        **config,
    )


def _style(machine_colours: Sequence[str]) -> Style:
    return Style(
        background="transparent",
        plot_background="transparent",
        foreground="#222",
        foreground_strong="#111",
        foreground_subtle="#666",
        colors=(*machine_colours, *_TARGET_COLOURS, _NO_CHANGE_COLOUR, _MARKER_COLOUR),
        guide_stroke_color="#e4e4e8",
        major_guide_stroke_color="#e4e4e8",
        font_family="system-ui, sans-serif",
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=13,
        title_font_size=15,
    )
