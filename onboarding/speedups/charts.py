"""The speedup-over-time chart: pygal renders it server-side as inline SVG (no JavaScript, no CDN)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Any

import pygal
from pygal.style import Style

from onboarding.speedups.measures import format_publisher, format_speedup, noise_interval
from onboarding.speedups.models import BenchmarkResult, ChangeEvent
from onboarding.speedups.selectors import Comparison, MergedConversion, SpeedupSeries
from onboarding.speedups.trends import PEP836_TARGETS, ROLLING_NIGHTS, Regression, nights_by_machine

# pyperf's formatting of a value in its unit ("3.82 ms"), for the axis and the tooltips.
from onboarding.speedups.units import format_value
from onboarding.web.charts import NARROW_DATE_LABELS, NARROW_WIDTH

__all__ = ["TARGETS", "benchmark_means_svg", "comparison_ratios_svg", "speedup_chart_svg"]

#: The speedups the JIT work aims at (PEP 836), drawn as horizontal lines: (ratio, label, source).
TARGETS = tuple((ratio, label) for ratio, label, _source in PEP836_TARGETS)
#: Dates around a lone point, so that a one-point chart still has a time axis.
_PAD = dt.timedelta(days=15)
#: Room above the highest target and around the points, in ratio units.
_MARGIN = 0.02
_MACHINE_COLOURS = ("#1f5fa8", "#6a1b9a", "#00838f", "#ad1457", "#37474f")
_TARGET_COLOURS = ("#e0a100", "#2e7d32")
_NO_CHANGE_COLOUR = "#888888"
_MARKER_COLOUR = "#c0392b"
_EVENT_COLOUR = "#8d6e63"
_REGRESSION_COLOUR = "#d50000"


def speedup_chart_svg(
    series: SpeedupSeries,
    *,
    markers: Sequence[MergedConversion],
    title: str,
    events: Sequence[ChangeEvent] = (),
    regressions: Sequence[Regression] = (),
    narrow: bool = False,
) -> str:
    """The figure per night per machine over time, its rolling average, PEP 836's targets and annotations.

    One line per machine (`Comparison.speedup`: bench_runner's geometric mean, above 1 = the
    candidate is faster) and a dashed rolling average of `ROLLING_NIGHTS`; PEP 836's 5 % and
    20 % targets and a "no change" line span the chart; change events (``events``, within the
    plotted dates) sit on the bottom edge and merged conversions on the 1.00 line, each linking
    its source; flagged regressions are ringed. The SVG scales to its container (viewBox).
    ``narrow`` draws the same lines in the same colours for a phone (see `_date_time_line`).
    Returns ``""`` when the series has no point.
    """
    if series.is_empty:
        return ""
    machines = nights_by_machine(series)
    dates = [night.point.date for nights in machines.values() for night in nights]
    start, end = min(dates), max(dates)
    markers = [marker for marker in markers if start - _PAD <= marker.merged_at <= end + _PAD]
    dates += [marker.merged_at for marker in markers]
    start, end = min(dates), max(dates)
    if end - start < 2 * _PAD:
        start, end = start - _PAD, end + _PAD
    shown_events = [event for event in events if start.date() <= event.date <= end.date()]
    speedups = [night.speedup for nights in machines.values() for night in nights if _plottable(night.speedup)]
    low = min(1.0, *speedups) - _MARGIN
    high = max(TARGETS[-1][0], *speedups) + _MARGIN
    colours: list[str] = []
    lines: list[tuple[str, list[Any], dict[str, Any]]] = []
    for index, (machine, nights) in enumerate(machines.items()):
        colour = _MACHINE_COLOURS[index % len(_MACHINE_COLOURS)]
        points = [
            {
                "value": (night.point.date, night.speedup),
                "label": f"{night.night:%Y-%m-%d} {night.commit_id[:7]}: {format_publisher(night.speedup)} "
                f"(rolling {night.rolling:.3f})",
            }
            for night in nights
            if _plottable(night.speedup)
        ]
        lines.append((machine, points, {}))
        colours.append(colour)
        rolling = [(night.point.date, night.rolling) for night in nights if _plottable(night.rolling)]
        if len(rolling) < 2:
            continue
        lines.append(
            (f"{machine}: rolling average of {ROLLING_NIGHTS} nights", rolling, {"show_dots": False, "dashed": True})
        )
        colours.append(colour)
    for (ratio, label), colour in zip(TARGETS, _TARGET_COLOURS, strict=True):
        lines.append((label, [(start, ratio), (end, ratio)], {"show_dots": False, "dashed": True}))
        colours.append(colour)
    lines.append(("no change", [(start, 1.0), (end, 1.0)], {"show_dots": False}))
    colours.append(_NO_CHANGE_COLOUR)
    if shown_events:
        edge = low + _MARGIN / 2
        lines.append(
            (
                "change (doesjitgobrrr perf_events)",
                [
                    {
                        "value": (dt.datetime.combine(event.date, dt.time(12), tzinfo=dt.UTC), edge),
                        "label": f"{event.date:%Y-%m-%d}: {event.title}",
                        "xlink": {"href": event.link, "target": "_blank"},
                    }
                    for event in shown_events
                ],
                {"stroke": False, "dots_size": 3},
            )
        )
        colours.append(_EVENT_COLOUR)
    if markers:
        lines.append(
            (
                "merged conversion",
                [
                    {
                        "value": (marker.merged_at, 1.0),
                        "label": marker.label,
                        "xlink": {"href": marker.pull_request.url, "target": "_blank"},
                    }
                    for marker in markers
                ],
                {"stroke": False, "dots_size": 5 if narrow else 7},
            )
        )
        colours.append(_MARKER_COLOUR)
    if regressions:
        lines.append(
            (
                "regression flagged",
                [
                    {
                        "value": (item.night.point.date, item.night.speedup),
                        "label": f"{item.night.night:%Y-%m-%d}: {item.verdict}",
                    }
                    for item in regressions
                ],
                {"stroke": False, "dots_size": 7 if narrow else 9},
            )
        )
        colours.append(_REGRESSION_COLOUR)
    chart = _date_time_line(
        title=title,
        y_title="baseline ÷ candidate (above 1 = faster)",
        colours=colours,
        value_formatter=lambda value: f"{value:.3f}",
        range=(low, high),
        legend_at_bottom_columns=2,
        height=440,
        narrow=narrow,
        legend_rows=len(lines),
        span=(start, end),
    )
    for label, values, options in lines:
        if options.pop("dashed", False):
            options["stroke_style"] = {"width": 2, "dasharray": "8, 4"}
        chart.add(label, values, **options)
    return _render(chart)


#: Means beyond this many seconds (or units) are not drawn: pygal's axis arithmetic overflows on
#: values like 1e308, and a timing of years is a broken file, not a point to plot.
_PLOTTABLE = 1e9


def _plottable(value: float) -> bool:
    return math.isfinite(value) and abs(value) < _PLOTTABLE


def _render(chart: pygal.graph.graph.Graph) -> str:
    """The chart as responsive SVG, or ``""`` when values defeat pygal's arithmetic (the tables still show them)."""
    try:
        return _responsive(str(chart.render(is_unicode=True)))
    except (OverflowError, ValueError, ZeroDivisionError):
        return ""


def _responsive(svg: str) -> str:
    """Let the SVG fill its container's width (it keeps its viewBox, so it scales)."""
    return re.sub(r'^<svg([^>]*?) width="\d+(?:\.\d+)?" height="\d+(?:\.\d+)?"', r'<svg\1 width="100%"', svg, count=1)


def benchmark_means_svg(history: Sequence[BenchmarkResult], *, title: str, narrow: bool = False) -> str:
    """The mean of one benchmark over time, one line per machine and build (lower is faster).

    ``history`` is `selectors.benchmark_result_history`; runs without a date are left out.
    Returns ``""`` when no run has a date. Lines of different machines or benchmark definitions
    are drawn side by side, not compared. ``narrow`` draws it for a phone (see `_date_time_line`).
    """
    lines: dict[str, list[BenchmarkResult]] = {}
    for result in history:
        if result.run.date is not None and _plottable(result.mean):
            lines.setdefault(f"{result.run.machine} · {result.run.build}", []).append(result)
    if not lines:
        return ""
    unit = history[0].unit
    dates = [result.run.date for results in lines.values() for result in results]
    chart = _date_time_line(
        title=title,
        y_title=f"mean ({unit}; lower is faster)",
        colours=_MACHINE_COLOURS,
        value_formatter=lambda value: format_value(unit, value),
        include_x_axis=True,
        narrow=narrow,
        legend_rows=len(lines),
        span=(min(dates), max(dates)),
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
    return _render(chart)


#: Bar colours of the comparison chart: significantly faster, significantly slower, within the noise.
RATIO_COLOURS = {"faster": "#2e7d32", "slower": "#c0392b", "within_noise": "#9e9e9e"}
#: Height of the comparison chart per benchmark and for its title and axis, in SVG units.
_ROW_HEIGHT = 22
_FRAME_HEIGHT = 110
#: Characters of a benchmark's name on the narrow comparison chart (pygal ends a cut name with "…").
_NARROW_NAME = 16
#: Ratio labels at most on the narrow comparison chart's axis.
_NARROW_RATIO_TICKS = 5
#: Height of a narrow date chart's plot and title, and of each legend row below it, in SVG units.
_NARROW_PLOT_HEIGHT = 340
_NARROW_LEGEND_ROW = 22


def comparison_ratios_svg(comparison: Comparison, *, title: str, narrow: bool = False) -> str:
    """One horizontal bar per benchmark from the 1.00 line to its ratio, with its 95 % noise whisker.

    The ratio is `BenchmarkComparison.ratio` (baseline mean ÷ candidate mean, above 1 = the
    candidate is faster), sorted so that the fastest benchmark is on top; the whisker is
    `measures.noise_interval` of the ratio (± `measures.NOISE_Z` standard errors of its
    logarithm, from the spread of the per-process means). A benchmark whose noise is unknown (one
    value per side) has no whisker. Bars are coloured by pyperf's t-test (`RATIO_COLOURS`). The
    SVG has a viewBox and no fixed size, so it scales to its container (site.css gives
    ``.chart svg`` width 100 %). ``narrow`` draws the same bars for a phone: `NARROW_WIDTH` units
    wide, names cut to `_NARROW_NAME` characters (the table below has them whole) and fewer ratio
    labels. Returns ``""`` without benchmarks.
    """
    benches = sorted(
        (bench for bench in comparison.benchmarks if _plottable(bench.ratio) and bench.ratio > 0),
        key=lambda bench: (bench.ratio, bench.name),
    )
    if not benches:
        return ""
    values: list[dict[str, Any]] = []
    ends = [1.0]
    for bench in benches:
        low, high = noise_interval(bench.ratio, bench.log_stderr)
        verdict = "within_noise" if not bench.significant else "faster" if bench.ratio > 1 else "slower"
        value: dict[str, Any] = {
            "value": bench.ratio,
            "color": RATIO_COLOURS[verdict],
            "label": f"{format_speedup(bench.ratio)}{'' if bench.significant else ', not significant'}",
        }
        if _plottable(low) and _plottable(high) and low > 0:
            value["ci"] = {"low": low, "high": high}
            value["label"] += f"; 95% noise {low:.3f}–{high:.3f}"
            ends += [low, high]
        values.append(value)
        ends.append(bench.ratio)
    margin = max(_MARGIN, (max(ends) - min(ends)) * 0.05)
    low, high = max(0.0, min(ends) - margin), max(ends) + margin
    axis_title = "baseline ÷ candidate (above 1 = faster); whisker: 95% noise"
    names = [bench.name for bench in benches]
    sizes: dict[str, Any] = {"title": title, "x_title": axis_title, "width": 800, "truncate_label": -1}
    if narrow:
        # The axis title as the title's second line: below the axis pygal wraps it to the plot's width.
        sizes = {
            "title": f"{title}\n{axis_title}",
            "width": NARROW_WIDTH,
            "y_labels": _ratio_ticks(low, high),
            "truncate_label": -1,  # the names are cut above; pygal would cut the ratios to "1.0…"
        }
        names = [name if len(name) <= _NARROW_NAME else f"{name[: _NARROW_NAME - 1]}…" for name in names]
    chart = pygal.HorizontalBar(
        # The 1.00 line ("no change") solid and dark, the other guides light.
        style=_style(
            list(RATIO_COLOURS.values()),
            narrow=narrow,
            major_guide_stroke_color="#444",
            major_guide_stroke_dasharray="0",
        ),
        js=[],
        disable_xml_declaration=True,
        height=_FRAME_HEIGHT + _ROW_HEIGHT * len(benches),
        show_legend=False,
        zero=1,  # bars start at "no change", so faster and slower grow in opposite directions
        range=(low, high),
        y_labels_major=[1.0],
        value_formatter=lambda ratio: f"{ratio:.3f}",
        x_labels=names,
        **sizes,
    )
    chart.add("ratio", values)
    return _render(chart)


def _ratio_ticks(low: float, high: float) -> list[float]:
    """At most `_NARROW_RATIO_TICKS` round ratios from ``low`` to ``high``, 1.0 among them (it is in the range)."""
    scale = 10 ** math.floor(math.log10(high - low))
    for step in (scale * factor for factor in (0.1, 0.2, 0.5, 1, 2, 5, 10)):
        first, last = math.ceil((low - 1) / step), math.floor((high - 1) / step)
        if last - first + 1 <= _NARROW_RATIO_TICKS:
            return [round(1 + index * step, 6) for index in range(first, last + 1)]
    return [1.0]


def _date_time_line(
    *,
    title: str,
    y_title: str,
    colours: Sequence[str],
    narrow: bool,
    legend_rows: int,
    span: tuple[dt.datetime, dt.datetime],
    **config: Any,
) -> pygal.DateTimeLine:
    """The house chart over dates: inline SVG without scripts, legend below, dates as ``YYYY-MM-DD``.

    ``narrow`` draws it for a phone: `NARROW_WIDTH` units wide, `NARROW_DATE_LABELS` date labels
    spread over ``span`` (the first and last date plotted; one label when they share a day), fewer value
    labels, the axis title as the title's second line (the plot keeps the width a rotated one
    takes), one legend entry per row (``legend_rows`` of them, each adding to the height so the
    plot keeps its size).
    """
    config.setdefault("height", 360)
    config.setdefault("x_label_rotation", 20)
    if narrow:
        title, y_title = f"{title}\n{y_title}", ""
        config.update(
            width=NARROW_WIDTH,
            height=_NARROW_PLOT_HEIGHT + _NARROW_LEGEND_ROW * legend_rows,
            legend_at_bottom_columns=1,
            x_labels=_date_labels(*span),
            x_label_rotation=30,
            max_scale=8,
        )
    else:
        config.setdefault("width", 800)
    return pygal.DateTimeLine(
        title=title,
        y_title=y_title,
        style=_style(colours, narrow=narrow),
        js=[],
        disable_xml_declaration=True,
        legend_at_bottom=True,
        truncate_legend=-1,
        x_value_formatter=lambda value: value.strftime("%Y-%m-%d"),
        dots_size=4,
        show_x_guides=False,
        **config,
    )


def _date_labels(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """`NARROW_DATE_LABELS` evenly spaced times from ``start`` to ``end``, one per day at most."""
    step = (end - start) / (NARROW_DATE_LABELS - 1)
    labels: dict[dt.date, dt.datetime] = {}
    for index in range(NARROW_DATE_LABELS):
        moment = start + step * index
        labels.setdefault(moment.date(), moment)
    return list(labels.values())


def _style(machine_colours: Sequence[str], *, narrow: bool = False, **overrides: Any) -> Style:
    """The house style in ``machine_colours``; ``narrow`` (phones) has a smaller title and legend."""
    return Style(
        background="transparent",
        plot_background="transparent",
        foreground="#222",
        foreground_strong="#111",
        foreground_subtle="#666",
        colors=tuple(machine_colours),
        guide_stroke_color="#e4e4e8",
        font_family="system-ui, sans-serif",
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=12 if narrow else 13,
        title_font_size=13 if narrow else 15,
        **{"major_guide_stroke_color": "#e4e4e8", **overrides},
    )
