"""``manage.py sync_pulls --repo OWNER/NAME --issue N [--no-files]``: a mega-issue's pull requests from GitHub."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.claims.github_sync import pull_requests_fetch, search_query
from onboarding.claims.imports import PullRequestDataInvalid, pull_entries_parse, pull_requests_import


class Command(BaseCommand):
    # Django's system checks (URLs, models, admin, deploy settings) cost time on every run
    # and guard nothing this command does; `manage.py check` and `migrate` still run them.
    requires_system_checks: list[str] = []

    help = (
        "Search GitHub (PyGithub) for the pull requests of a repository citing a mega-issue "
        '(repo:OWNER/NAME is:pr "gh-N" in:title,body), read each one and its changed files, and import them '
        "exactly as import_pulls does (same checks, links and confirmations; re-running changes nothing new). "
        "GITHUB_TOKEN is used when set (the search API allows few anonymous requests)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repo", required=True, help="OWNER/NAME, e.g. python/cpython.")
        parser.add_argument("--issue", required=True, type=int, help="The mega-issue number, e.g. 134584.")
        parser.add_argument(
            "--no-files", action="store_true", help="Skip reading each PR's changed files (one request less per PR)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        repo, issue = options["repo"], options["issue"]
        if issue <= 0 or repo.count("/") != 1:
            raise CommandError("--repo must be OWNER/NAME and --issue a positive number")
        if int(options["verbosity"]) > 1:
            self.stdout.write(f"Searching: {search_query(repo=repo, issue=issue)}")
        try:
            raw = pull_requests_fetch(
                repo=repo, issue=issue, token=os.environ.get("GITHUB_TOKEN", ""), with_files=not options["no_files"]
            )
            entries = pull_entries_parse(raw, source=f"GitHub search of {repo} for gh-{issue}", default_issue=issue)
        except PullRequestDataInvalid as exc:
            raise CommandError(exc.message) from None
        report = pull_requests_import(entries)
        if int(options["verbosity"]) > 0:
            for line in report.lines():
                self.stdout.write(line)
