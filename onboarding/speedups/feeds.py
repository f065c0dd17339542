"""Flagged speedup regressions as an Atom feed (``/speedups/regressions.atom``), JIT against default."""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from onboarding.speedups.measures import format_publisher
from onboarding.speedups.selectors import speedup_series
from onboarding.speedups.trends import Regression, regression_list


class RegressionFeed(Feed):
    """One entry per night flagged by `trends.regression_list` (the JIT build against the default build)."""

    feed_type = Atom1Feed
    title = "JIT onboarding: speedup regressions"
    subtitle = (
        "Nights whose JIT-vs-default geometric mean fell below the machine's previous nights by more than its noise."
    )

    def link(self) -> str:
        return reverse("speedups:overview")

    def items(self) -> list[Regression]:
        return regression_list(speedup_series(baseline_build="default", candidate_build="jit"))

    def item_title(self, item: Regression) -> str:
        night = item.night
        return (
            f"{night.machine} {night.night:%Y-%m-%d} ({night.commit_id[:7]}): {format_publisher(night.speedup)}, "
            f"below the previous nights' {item.floor:.3f}-{max(n.speedup for n in item.previous):.3f}"
        )

    def item_description(self, item: Regression) -> str:
        movers = ", ".join(f"{mover.name} {mover.before:.3f} -> {mover.ratio:.3f}" for mover in item.movers)
        changes = "; ".join(f"{event.date}: {event.title} ({event.link})" for event in item.changes)
        return (
            f"{item.verdict}. Benchmarks that moved most (ratio before -> this night): {movers}. "
            f"Commits after {item.first_commit} up to {item.last_commit}: {item.compare_url}."
            + (f" Changes in between: {changes}." if changes else "")
        )

    def item_link(self, item: Regression) -> str:
        return reverse("speedups:overview") + f"#regression-{item.night.machine}-{item.night.night:%Y%m%d}"

    def item_guid(self, item: Regression) -> str:
        return f"speedup-regression:{item.night.machine}:{item.night.commit_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Regression) -> dt.datetime:
        return item.night.point.date

    def item_updateddate(self, item: Regression) -> dt.datetime:
        return item.night.point.date
