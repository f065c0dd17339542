"""The burndown chart's two drawings: the wide one for screens and the narrow one for phones (issue 15, item 1)."""

from __future__ import annotations

import datetime as dt
import itertools
import pickle
import re

from onboarding.campaigns.models import CampaignProgress
from onboarding.snapshots.models import Snapshot
from onboarding.web.charts import NARROW_DATE_LABELS, NARROW_WIDTH, ChartPair, burndown_svg, chart_pair


def view_box(svg: str) -> tuple[float, float]:
    """The (width, height) of the SVG's viewBox: its drawing size in SVG units."""
    box = re.search(r'<svg[^>]* viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    assert box is not None, svg[:300]
    return float(box.group(1)), float(box.group(2))


def series_colours(svg: str) -> dict[int, str]:
    """Series index -> stroke colour, from the style pygal embeds."""
    return {int(index): colour for index, colour in re.findall(r"\.color-(\d+) a:visited\{stroke:(#\w+)", svg)}


def legend(svg: str) -> list[str]:
    return re.findall(r'class="legend reactive activate-serie">.*?<text[^>]*>([^<]*)</text>', svg, re.S)


def title_lines(svg: str) -> list[str]:
    return re.findall(r'<text[^>]*class="title plot_title">([^<]*)</text>', svg)


def values(svg: str) -> list[str]:
    """Every point's value as its tooltip states it (the data drawn)."""
    return re.findall(r'<desc class="value">([^<]*)</desc>', svg)


def x_labels(svg: str) -> list[str]:
    axis = re.search(r'<g class="axis x[^"]*">(.*?)</g>\s*</g>\s*(?:<g class="axis|<g class="series)', svg, re.S)
    assert axis is not None
    return re.findall(r"<text[^>]*>([^<]+)</text>", axis.group(1))


def progress(*points: tuple[dt.date | None, int, int], evaluated: bool = True) -> list[CampaignProgress]:
    """Unsaved burndown points: (snapshot date, todo, done), labelled main-<index>."""
    return [
        CampaignProgress(snapshot=Snapshot(label=f"main-{i}", date=date), todo=todo, done=done, evaluated=evaluated)
        for i, (date, todo, done) in enumerate(points)
    ]


#: Monthly snapshots over two years, then a burst of four a week apart (their labels would collide).
MONTHLY = [(dt.date(2024, 6, 1) + dt.timedelta(days=30 * i), 150 - 3 * i, 3 * i) for i in range(24)]
BURST = [(dt.date(2026, 6, 1) + dt.timedelta(days=7 * i), 70 - i, 80 + i) for i in range(4)]


def test_the_narrow_burndown_is_a_phone_sized_drawing_of_the_same_series() -> None:
    points = progress(*MONTHLY, *BURST)

    wide = burndown_svg(points, title="Eliminate redundant refcounting in the JIT: todo and done per snapshot")
    narrow = burndown_svg(
        points, title="Eliminate redundant refcounting in the JIT: todo and done per snapshot", narrow=True
    )

    assert view_box(wide) == (800, 320)
    assert view_box(narrow)[0] == NARROW_WIDTH
    assert legend(narrow) == legend(wide) == ["todo", "done"]
    assert values(narrow) == values(wide) and len(values(wide)) == 2 * len(points)
    assert series_colours(narrow) == series_colours(wide) == {0: "#c0392b", 1: "#2e7d32"}
    # pygal wraps the title to the canvas: two lines on the phone, one on the screen.
    assert title_lines(wide) == ["Eliminate redundant refcounting in the JIT: todo and done per snapshot"]
    assert title_lines(narrow) == ["Eliminate redundant refcounting in the JIT:", "todo and done per snapshot"]


def test_the_narrow_burndown_labels_a_few_spaced_dates_the_first_and_the_last() -> None:
    points = progress(*MONTHLY, *BURST)

    labels = x_labels(burndown_svg(points, title="t", narrow=True))

    assert len(x_labels(burndown_svg(points, title="t"))) == len(points)  # the wide chart: one per snapshot
    assert 2 <= len(labels) <= NARROW_DATE_LABELS
    assert labels[0] == "2024-06" and labels[-1] == "2026-06"
    months = [dt.date.fromisoformat(f"{label}-01") for label in labels]
    span = months[-1] - months[0]
    assert all(
        later - earlier >= span / NARROW_DATE_LABELS - dt.timedelta(days=31)
        for earlier, later in itertools.pairwise(months)
    )


def test_undated_snapshots_keep_their_labels_and_show_at_most_four_on_a_phone() -> None:
    points = progress(*[(None, 10 - i, i) for i in range(10)])

    narrow = burndown_svg(points, title="t", narrow=True)

    assert values(narrow) == values(burndown_svg(points, title="t"))
    assert x_labels(narrow) == ["main-0", "main-3", "main-6", "main-9"]


def test_no_evaluated_snapshot_draws_neither_chart() -> None:
    points = progress((dt.date(2026, 6, 1), 1, 0), evaluated=False)

    pair = chart_pair(burndown_svg, points, title="t")

    assert pair == ChartPair(wide="", narrow="") and not pair


def test_a_chart_pair_holds_both_drawings_and_survives_the_memo_pickle() -> None:
    points = progress(*MONTHLY)

    pair = chart_pair(burndown_svg, points, title="t")

    assert pair and view_box(pair.wide)[0] == 800 and view_box(pair.narrow)[0] == NARROW_WIDTH
    assert pickle.loads(pickle.dumps(pair)) == pair
