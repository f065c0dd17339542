"""Template tags of the leaderboard: the celebration feed, for the dashboard and the leaderboard page."""

from __future__ import annotations

from django import template

from onboarding.leaderboard.selectors import celebration_list
from onboarding.web.pagecache import memoize

register = template.Library()


@register.inclusion_tag("leaderboard/_celebrations.html")
def celebration_feed(limit: int = 8) -> dict[str, object]:
    """The latest ``limit`` celebrations (two queries), with a link to the Atom feed.

    Building those queries costs far more than running them, so the list is memoized until
    the next write to the data (`onboarding.web.pagecache.memoize`).
    """
    return {"celebrations": memoize(f"celebrations:{limit}", lambda: celebration_list(limit=limit))}
