"""``manage.py scan_history REPO [--since DATE] [--until DATE] [--branch main]``: backfill task flips from git."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.errors import ApplicationError
from onboarding.history.services import history_scan

#: Without a terminal, the per-commit counter prints every this many commits (and the last).
COUNTER_EVERY = 25


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date; give YYYY-MM-DD") from None


class Command(BaseCommand):
    # Django's system checks (URLs, models, admin, deploy settings) cost time on every run
    # and guard nothing this command does; `manage.py check` and `migrate` still run them.
    requires_system_checks: list[str] = []

    help = (
        "Walk the commits of a CPython git checkout that touched Python/bytecodes.c or "
        "Python/optimizer_bytecodes.c (oldest first), analyze each version (cached by blob id) "
        "and record for every task the commit where it flipped to done or back, with its date, "
        "author and pull request number. With CELERY_BROKER_URL and CELERY_RESULT_BACKEND the "
        "analyses run on Celery workers. Re-running a range changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("repository", help="The top folder of a CPython git checkout.")
        parser.add_argument("--since", help="First committer day to include (YYYY-MM-DD).")
        parser.add_argument("--until", help="Last committer day to include (YYYY-MM-DD).")
        parser.add_argument("--branch", default="main", help="Branch (or any commit) to walk; default main.")

    def handle(self, *args: Any, **options: Any) -> None:
        since = _date(options["since"]) if options["since"] else None
        until = _date(options["until"]) if options["until"] else None
        if since and until and since > until:
            raise CommandError(f"--since {since} is after --until {until}")
        verbosity = int(options["verbosity"])
        tty = self.stderr.isatty()
        last_counter = [""]

        def progress(message: str, level: int) -> None:
            if level == 2 and verbosity == 1:
                # The counter: one line rewritten in place on a terminal, else every few commits.
                index, total = message[1:].split("]", 1)[0].split("/")
                if tty:
                    self.stderr.write("\r" + message[:120].ljust(120), ending="")
                    last_counter[0] = message
                elif int(index) % COUNTER_EVERY == 0 or index == total:
                    self.stderr.write(message)
                return
            if level <= verbosity:
                if last_counter[0]:
                    self.stderr.write("")
                    last_counter[0] = ""
                self.stderr.write(message)

        try:
            run = history_scan(
                repository=options["repository"],
                branch=options["branch"],
                since=since,
                until=until,
                progress=progress,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        finally:
            if last_counter[0]:
                self.stderr.write("")
        if verbosity >= 1:
            self.stdout.write(
                f"History run {run.pk}: {run.commits} commits, {run.versions} versions "
                f"({run.analyses} analyzed, {run.cache_hits} cached; {run.mode}), flips "
                f"{run.flips_created} new, {run.flips_updated} updated, {run.flips_deleted} removed"
            )
