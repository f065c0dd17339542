"""Template tags of the leaderboard: the celebration feed, for the dashboard and the leaderboard page."""

from __future__ import annotations

from django import template

from onboarding.leaderboard.selectors import celebration_list

register = template.Library()


@register.inclusion_tag("leaderboard/_celebrations.html")
def celebration_feed(limit: int = 8) -> dict[str, object]:
    """The latest ``limit`` celebrations (two queries), with a link to the Atom feed."""
    return {"celebrations": celebration_list(limit=limit)}
