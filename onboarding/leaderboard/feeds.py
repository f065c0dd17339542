"""The celebration feed as Atom (Django's syndication framework): conversions and recognised help."""

from __future__ import annotations

import datetime as dt
import threading

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, get_tag_uri

from onboarding.leaderboard.selectors import Celebration, celebration_list

#: Entries in the feed.
FEED_ITEMS = 50
#: The host the current request came to, per thread: the authority of the entries' tag URIs.
_request = threading.local()


class CelebrationFeed(Feed):
    """``/leaderboard/feed.atom``: the latest merged conversions (first contributions marked) and recognitions."""

    feed_type = Atom1Feed
    title = "JIT onboarding: celebrations"
    subtitle = "Merged conversions confirmed by a re-scan of CPython; reviews and mentoring recorded by maintainers."

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> None:
        _request.host = request.get_host().split(":")[0]

    def link(self) -> str:
        return reverse("leaderboard:leaderboard")

    def items(self) -> list[Celebration]:
        return celebration_list(limit=FEED_ITEMS)

    def item_title(self, item: Celebration) -> str:
        return item.text

    def item_description(self, item: Celebration) -> str:
        parts = []
        if item.task is not None:
            parts.append(f"{item.task.campaign.title}: {item.task.name} ({item.task.difficulty}).")
        if item.pull_request is not None:
            parts.append(f"Pull request: {item.pull_request.url}")
        return " ".join(parts)

    def item_link(self, item: Celebration) -> str:
        if item.task is not None:
            return reverse("web:task", args=[item.task.campaign.slug, item.task.name])
        return reverse("leaderboard:contributor", args=[item.contributor.github_handle])

    def item_guid(self, item: Celebration) -> str:
        """A tag URI (RFC 4151), as RFC 4287 asks of entry ids: ``tag:HOST,YYYY-MM-DD:/leaderboard/KEY``.

        The date is the celebration's own (merge or recognition), so an entry's id never changes.
        """
        host = getattr(_request, "host", "") or "localhost"
        return get_tag_uri(f"http://{host}{reverse('leaderboard:leaderboard')}{item.key}", item.at)

    item_guid_is_permalink = False

    def item_pubdate(self, item: Celebration) -> dt.datetime:
        return item.at

    def item_updateddate(self, item: Celebration) -> dt.datetime:
        return item.at

    def item_author_name(self, item: Celebration) -> str:
        return f"@{item.contributor.github_handle}"

    def item_author_link(self, item: Celebration) -> str:
        return f"https://github.com/{item.contributor.github_handle}"
