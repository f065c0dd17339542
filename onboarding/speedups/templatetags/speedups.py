"""Template filters for speedups: the site's one way to say a ratio, and pyperf's way to say a value."""

from __future__ import annotations

import math

from django import template

from onboarding.speedups.measures import format_publisher, format_speedup

# pyperf's formatting of a value in its unit ("3.82 ms", "53.6 ns"), as compare_to prints it.
from onboarding.speedups.units import format_value, format_values

register = template.Library()


@register.filter
def speedup(ratio: float | None) -> str:
    """A baseline ÷ candidate ratio as "1.33x faster" / "2.03x slower" / "no change"."""
    return "–" if ratio is None else format_speedup(ratio)


@register.filter
def ratio(value: float | None) -> str:
    """A ratio with three decimals, "∞" when unbounded."""
    if value is None:
        return "–"
    return f"{value:.3f}" if math.isfinite(value) else "∞"


@register.simple_tag
def mean_stdev(mean: float, stdev: float | None, unit: str = "second") -> str:
    """ "3.82 ms +- 0.79 ms", as ``pyperf compare_to`` prints a mean and standard deviation."""
    if stdev is None:
        return format_value(unit, mean)
    mean_text, stdev_text = format_values(unit, (mean, stdev))
    return f"{mean_text} +- {stdev_text}"


@register.filter
def published(ratio: float | None) -> str:
    """bench_runner's words for its geometric mean: "1.073x faster", "1.063x slower" (2 − g)."""
    return "–" if ratio is None or not math.isfinite(ratio) else format_publisher(ratio)


@register.filter
def attr_night(night: object) -> str:
    """A `trends.Night`'s date as YYYY-MM-DD ("–" for none)."""
    value = getattr(night, "night", None)
    return value.isoformat() if value is not None else "–"
