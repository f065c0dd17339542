"""Server-side SVG charts (pygal), embedded inline: no JavaScript, no CDN, works offline."""

from __future__ import annotations

from collections.abc import Sequence

import pygal
from pygal.style import Style

from onboarding.campaigns.models import CampaignProgress

_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#222",
    foreground_strong="#111",
    foreground_subtle="#666",
    colors=("#c0392b", "#2e7d32"),
    font_family="system-ui, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=15,
)


def burndown_svg(points: Sequence[CampaignProgress], *, title: str) -> str:
    """A line chart of todo and done findings per scanned snapshot over time, as an SVG string.

    Snapshots the campaign could not evaluate are left out. Returns ``""`` with fewer than
    one evaluated point.
    """
    evaluated = [p for p in points if p.evaluated]
    if not evaluated:
        return ""
    dated = all(p.snapshot.date for p in evaluated)
    config = {
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
    if dated:
        chart = pygal.DateLine(x_value_formatter=lambda d: d.strftime("%Y-%m"), **config)
        chart.x_labels = [p.snapshot.date for p in evaluated]
        chart.add("todo", [(p.snapshot.date, p.todo) for p in evaluated])
        chart.add("done", [(p.snapshot.date, p.done) for p in evaluated])
    else:
        chart = pygal.Line(**config)
        chart.x_labels = [p.snapshot.label for p in evaluated]
        chart.add("todo", [p.todo for p in evaluated])
        chart.add("done", [p.done for p in evaluated])
    return str(chart.render(is_unicode=True))
