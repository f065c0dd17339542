"""The demo data (`make demo`): contributions seeded on tasks that real re-scans of CPython converted."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from onboarding.claims.models import PullRequest
from onboarding.leaderboard.demo import DEMO_REPOSITORY
from onboarding.leaderboard.models import Recognition
from onboarding.leaderboard.selectors import celebration_list, contributor_profile, leaderboard_list

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded(demo_history: None, db: None) -> str:
    out = io.StringIO()
    call_command("seed_demo_contributions", stdout=out)
    return out.getvalue()


def test_the_seed_fills_the_leaderboard_from_real_rescans(seeded: str) -> None:
    board = [(s.github_handle, s.points, s.conversions, s.reviews, s.mentoring) for s in leaderboard_list()]

    assert seeded == "Demo contributions: 11 merged pull requests, 4 recognitions.\n"
    assert board == [
        ("demo-carol", 30, 3, 1, 1),
        ("demo-bob", 25, 6, 1, 0),
        ("demo-alice", 13, 3, 1, 0),
    ]


def test_claims_and_unconfirmed_merges_in_the_demo_earn_nothing(seeded: str) -> None:
    handles = {s.github_handle for s in leaderboard_list()}
    erin_pr = PullRequest.objects.get(claim__contributor__github_handle="demo-erin")

    assert erin_pr.state == PullRequest.State.MERGED
    assert {"demo-dave", "demo-erin"}.isdisjoint(handles)


def test_the_demo_celebrates_alices_first_contribution_and_gives_badges(seeded: str) -> None:
    texts = [c.text for c in celebration_list(limit=10)]
    alice = leaderboard_list()[2].contributor
    carol = leaderboard_list()[0].contributor

    assert "@demo-alice converted `CALL_TYPE_1` — first contribution!" in texts
    assert [b.slug for b in contributor_profile(contributor=carol).badges] == [
        "first-conversion",
        "first-timer-mentor",
    ]
    assert [b.slug for b in contributor_profile(contributor=leaderboard_list()[1].contributor).badges] == [
        "first-conversion",
        "five-conversions",
    ]
    assert contributor_profile(contributor=alice).first_contribution.date().isoformat() == "2026-02-17"


def test_the_dashboard_and_pages_show_the_demo(seeded: str, client: Client) -> None:
    assert "@demo-alice converted <code>CALL_TYPE_1</code> — first contribution!" in client.get("/").content.decode()
    assert "@demo-carol" in client.get("/leaderboard/").content.decode()
    assert (
        "(Contributed by Alice Newcomer and Carol Veteran in :gh:`134584`.)"
        in client.get("/leaderboard/campaigns/refcount/credits.md").content.decode()
    )


def test_seeding_twice_changes_nothing(seeded: str) -> None:
    before = (PullRequest.objects.count(), Recognition.objects.count(), [s.points for s in leaderboard_list()])

    call_command("seed_demo_contributions", verbosity=0)

    assert (PullRequest.objects.count(), Recognition.objects.count(), [s.points for s in leaderboard_list()]) == before
    assert not PullRequest.objects.filter(repo="python/cpython").exists()
    assert PullRequest.objects.filter(repo=DEMO_REPOSITORY).count() == 11


def test_make_demo_seeds_after_the_scans() -> None:
    target = (ROOT / "Makefile").read_text().split("\ndemo-data:", 1)[1].split("\n\n", 1)[0]

    assert target.index("scan_snapshots") < target.index("manage.py seed_demo_contributions")
