"""``manage.py import_pulls FILE [--issue N] [--repo OWNER/NAME]``: import pull requests in GitHub's REST shape."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.claims.imports import PullRequestDataInvalid, pull_entries_read, pull_requests_import


class Command(BaseCommand):
    # Django's system checks (URLs, models, admin, deploy settings) cost time on every run
    # and guard nothing this command does; `manage.py check` and `migrate` still run them.
    requires_system_checks: list[str] = []

    help = (
        "Create or update pull requests and their authors from a JSON list in GitHub's REST shape (a saved "
        "GET /repos/{owner}/{repo}/pulls answer, a search API answer, or ../shared/github/cpython-jit-pulls.json), "
        "link each to its campaign (by issue) and tasks (by the op names in its title and body), and record which "
        "scan confirmed its tasks done after the merge. Re-importing changes nothing. A malformed entry stops the "
        "import before anything is written, naming the file and the entry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="A JSON file: a list of pull requests, or {'items': [...]}.")
        parser.add_argument(
            "--issue", type=int, default=None, help="Mega-issue number for entries that name none (e.g. 134584)."
        )
        parser.add_argument(
            "--repo", default=None, help="OWNER/NAME for entries without html_url (default: taken from html_url)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            entries = pull_entries_read(options["file"], default_issue=options["issue"], repo=options["repo"])
        except PullRequestDataInvalid as exc:
            raise CommandError(exc.message) from None
        report = pull_requests_import(entries)
        if int(options["verbosity"]) > 0:
            for line in report.lines():
                self.stdout.write(line)
