"""Server-side SVG charts (pygal), embedded inline: no JavaScript, no CDN, works offline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pygal
from pygal.style import Style

from onboarding.campaigns.models import CampaignProgress

__all__ = ["NARROW_DATE_LABELS", "NARROW_WIDTH", "ChartPair", "burndown_svg", "chart_pair"]

#: The canvas of a chart drawn for phones, in SVG units: a 390 px phone's column is 320-370 px
#: wide, so its 12-unit labels show 10-12 px tall (the 800-unit wide chart would shrink them to 5 px).
NARROW_WIDTH = 380
#: Date labels at most on a narrow chart's time axis.
NARROW_DATE_LABELS = 4

_STYLE_OPTIONS: dict[str, Any] = {
    "background": "transparent",
    "plot_background": "transparent",
    "foreground": "#222",
    "foreground_strong": "#111",
    "foreground_subtle": "#666",
    "colors": ("#c0392b", "#2e7d32"),
    "font_family": "system-ui, sans-serif",
    "label_font_size": 12,
    "major_label_font_size": 12,
    "legend_font_size": 13,
    "title_font_size": 15,
}
_STYLE = Style(**_STYLE_OPTIONS)
_NARROW_STYLE = Style(**{**_STYLE_OPTIONS, "legend_font_size": 12, "title_font_size": 13})


@dataclass(frozen=True)
class ChartPair:
    """One chart drawn twice as SVG strings: ``wide`` for screens above 40rem, ``narrow`` for phones.

    ``web/_chart.html`` outputs both and site.css shows the one that fits. False when there is
    no chart (the wide drawing is ``""``). Picklable, so `pagecache.memoize` keeps it.
    """

    wide: str
    narrow: str

    def __bool__(self) -> bool:
        return bool(self.wide)


def chart_pair(draw: Callable[..., str], /, *args: Any, **kwargs: Any) -> ChartPair:
    """``draw(*args, **kwargs)`` and ``draw(*args, narrow=True, **kwargs)`` as a `ChartPair`."""
    return ChartPair(wide=draw(*args, **kwargs), narrow=draw(*args, narrow=True, **kwargs))


def burndown_svg(points: Sequence[CampaignProgress], *, title: str, narrow: bool = False) -> str:
    """A line chart of todo and done findings per scanned snapshot over time, as an SVG string.

    Snapshots the campaign could not evaluate are left out. Returns ``""`` with fewer than
    one evaluated point. ``narrow`` draws it for a phone (`NARROW_WIDTH` units wide, at most
    `NARROW_DATE_LABELS` date labels, fewer value labels, the title wrapped): the same series
    and colours.
    """
    evaluated = [p for p in points if p.evaluated]
    if not evaluated:
        return ""
    dated = all(p.snapshot.date for p in evaluated)
    config: dict[str, Any] = {
        "title": title,
        "style": _STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "height": 320,
        "width": 800,
        "show_legend": True,
        "legend_at_bottom": True,
        "dots_size": 4,
        "include_x_axis": True,
        "x_label_rotation": 20,
        "truncate_label": -1,
    }
    if narrow:
        config.update(
            width=NARROW_WIDTH,
            height=300,
            legend_at_bottom_columns=2,
            dots_size=3,
            x_label_rotation=30,
            max_scale=7,
            style=_NARROW_STYLE,
        )
    if dated:
        chart = pygal.DateLine(x_value_formatter=lambda d: d.strftime("%Y-%m"), **config)
        dates = [p.snapshot.date for p in evaluated]
        chart.x_labels = _spaced(dates, NARROW_DATE_LABELS) if narrow else dates
        chart.add("todo", [(p.snapshot.date, p.todo) for p in evaluated])
        chart.add("done", [(p.snapshot.date, p.done) for p in evaluated])
    else:
        chart = pygal.Line(
            **config, **({"x_labels_major_count": NARROW_DATE_LABELS, "show_minor_x_labels": False} if narrow else {})
        )
        chart.x_labels = [p.snapshot.label for p in evaluated]
        chart.add("todo", [p.todo for p in evaluated])
        chart.add("done", [p.done for p in evaluated])
    return str(chart.render(is_unicode=True))


def _spaced(dates: Sequence[dt.date], count: int) -> list[dt.date]:
    """The first and last of ``dates`` and, in order, those between at least 1/``count`` of their span apart.

    Labels of snapshots a few weeks apart would overlap on a phone's axis; the points stay.
    """
    ordered = sorted(set(dates))
    first, last = ordered[0], ordered[-1]
    gap = (last - first) / count
    kept = [first]
    for date in ordered[1:-1]:
        if date - kept[-1] >= gap and last - date >= gap:
            kept.append(date)
    return [*kept, last] if last != first else kept
