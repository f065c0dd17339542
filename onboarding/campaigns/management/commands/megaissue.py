"""``manage.py megaissue SLUG``: print a campaign's mega-issue Markdown checklist."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.campaigns.models import Campaign
from onboarding.campaigns.selectors import campaign_megaissue


class Command(BaseCommand):
    # Django's system checks (URLs, models, admin, deploy settings) cost time on every run
    # and guard nothing this command does; `manage.py check` and `migrate` still run them.
    requires_system_checks: list[str] = []

    help = (
        "Print the campaign's mega-issue Markdown (checklist with claimants and PR links) from the "
        "last scan, ready to paste into GitHub. The campaign page offers the same file for download."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The campaign, e.g. refcount or optimizer.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            campaign = Campaign.objects.get(slug=options["slug"])
        except Campaign.DoesNotExist:
            known = ", ".join(Campaign.objects.values_list("slug", flat=True)) or "none yet: run manage.py scan"
            raise CommandError(f"unknown campaign {options['slug']!r} (known: {known})") from None
        markdown = campaign_megaissue(campaign=campaign)
        self.stdout.write(markdown if markdown.endswith("\n") else markdown + "\n", ending="")
