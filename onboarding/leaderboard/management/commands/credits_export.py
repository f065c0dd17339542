"""Write a campaign's credits: What's New line, all-contributors table, or merged conversions as YAML events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.campaigns.models import Campaign
from onboarding.leaderboard.credits import (
    credits_events_yaml,
    credits_markdown,
    credits_table,
    credits_whatsnew,
)
from onboarding.leaderboard.selectors import campaign_credits

RENDERERS = {
    "markdown": credits_markdown,
    "whatsnew": credits_whatsnew,
    "table": credits_table,
    "events": credits_events_yaml,
}


class Command(BaseCommand):
    # Django's system checks (URLs, models, admin, deploy settings) cost time on every run
    # and guard nothing this command does; `manage.py check` and `migrate` still run them.
    requires_system_checks: list[str] = []

    """``manage.py credits_export CAMPAIGN [--format markdown|whatsnew|table|events] [--output FILE]``.

    Only merged conversions confirmed by a re-scan (and reviews or mentoring a maintainer
    recorded on merged work) are credited. ``markdown`` (the default) holds the What's New
    line and the table; ``events`` is YAML (date, title, link) for a benchmark chart.
    """

    help = "Export a campaign's credits from merged work (What's New names, contributors table, YAML events)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", help="The campaign's slug, e.g. refcount.")
        parser.add_argument("--format", choices=sorted(RENDERERS), default="markdown")
        parser.add_argument("--output", "-o", type=Path, help="Write to this file instead of standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["campaign"]
        campaign = Campaign.objects.filter(slug=slug).first()
        if campaign is None:
            known = ", ".join(Campaign.objects.values_list("slug", flat=True)) or "none yet; run a scan first"
            raise CommandError(f"No campaign {slug!r}; known campaigns: {known}.")
        credits = campaign_credits(campaign=campaign)
        text = RENDERERS[options["format"]](credits)
        if text and not text.endswith("\n"):
            text += "\n"
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8")
        if int(options["verbosity"]) >= 1:
            self.stderr.write(
                f"Wrote {options['format']} credits of {campaign.slug} to {output}: "
                f"{len(credits.conversions)} conversion(s), {len(credits.people)} contributor(s)."
            )
