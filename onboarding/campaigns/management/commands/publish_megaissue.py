"""``manage.py publish_megaissue SLUG --repo OWNER/NAME --issue N [--dry-run]``: update a mega-issue on GitHub."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.campaigns.models import Campaign
from onboarding.campaigns.publishing import megaissue_publish
from onboarding.errors import PublishFailed


def _repo(value: str) -> str:
    owner, _, name = value.partition("/")
    if not owner or not name or "/" in name:
        raise CommandError(f"--repo {value!r} is not OWNER/NAME, e.g. python/cpython")
    return value


class Command(BaseCommand):
    # Django's system checks (URLs, models, admin, deploy settings) cost time on every run
    # and guard nothing this command does; `manage.py check` and `migrate` still run them.
    requires_system_checks: list[str] = []

    help = (
        "Replace the generated block (between its hidden markers) of an existing GitHub issue's body with "
        "the campaign's mega-issue checklist, through GitHub's REST API. Text outside the block is kept; "
        "items are matched by their hidden task IDs. The token comes from GITHUB_TOKEN. --dry-run prints "
        "the unified diff and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The campaign, e.g. refcount or optimizer.")
        parser.add_argument("--repo", required=True, type=_repo, help="The issue's repository, OWNER/NAME.")
        parser.add_argument("--issue", required=True, type=int, help="The issue number.")
        parser.add_argument("--dry-run", action="store_true", help="Print the diff; do not edit the issue.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            campaign = Campaign.objects.get(slug=options["slug"])
        except Campaign.DoesNotExist:
            known = ", ".join(Campaign.objects.values_list("slug", flat=True)) or "none yet: run manage.py scan"
            raise CommandError(f"unknown campaign {options['slug']!r} (known: {known})") from None
        try:
            result = megaissue_publish(
                campaign=campaign,
                repo=options["repo"],
                issue=options["issue"],
                token=settings.GITHUB_TOKEN,
                dry_run=options["dry_run"],
            )
        except PublishFailed as exc:
            raise CommandError(exc.message) from None
        verbosity = int(options["verbosity"])
        if options["dry_run"]:
            self.stdout.write(result.diff or f"{result.url} is up to date: nothing to change.\n", ending="")
        elif not result.changed:
            if verbosity >= 1:
                self.stdout.write(f"{result.url} is up to date: nothing to change.")
        elif verbosity >= 1:
            changed = sum(1 for line in result.diff.splitlines() if line.startswith(("+", "-"))) - 2
            self.stdout.write(self.style.SUCCESS(f"Updated {result.url} ({changed} changed lines)."))
