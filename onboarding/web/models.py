"""The web app's one model: the version of the data the pages show (see `onboarding.web.pagecache`)."""

from __future__ import annotations

from django.db import models


class SiteDataVersion(models.Model):
    """One row (``id`` 1): bumped after every committed write to the site's data.

    ``version`` counts writes; ``epoch`` is a random token chosen when the row is created, so a
    flushed and re-created row never repeats an earlier (epoch, version) pair. Pages cached
    under one pair are never served once the data changed (`onboarding.web.pagecache`).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)
    epoch = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.epoch}.{self.version}"
