"""Add the leaderboard's demo data (people, merged conversions, reviews) on top of scanned snapshots."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from onboarding.leaderboard.demo import demo_contributions_seed


class Command(BaseCommand):
    """``manage.py seed_demo_contributions``: run by ``make demo`` after the scans; safe to repeat.

    Credits invented pull requests on tasks that a re-scan of the shared snapshots converted,
    so the leaderboard, profiles and celebration feed have something to show. Never run it
    on a production database.
    """

    help = "Add demo contributors, merged conversions and recognitions (after scanning snapshots)."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])

        def report(message: str) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  {message}")

        counts = demo_contributions_seed(report=report)
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo contributions: {counts['merged_pull_requests']} merged pull requests, "
                    f"{counts['recognitions']} recognitions."
                )
            )
            if not counts["merged_pull_requests"]:
                self.stdout.write(
                    "No conversion could be credited: scan at least two snapshots so a re-scan sees tasks flip to done."
                )
