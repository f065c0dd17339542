"""The demo data (`make demo`): the real pull requests of the JIT mega-issues, credited by real re-scans."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from onboarding.claims.models import PullRequest
from onboarding.claims.services import claim_limit_for
from onboarding.contributors.busfactor import bus_factor
from onboarding.contributors.models import Contributor
from onboarding.demodata.management.commands.load_demo_data import plan
from onboarding.leaderboard.selectors import celebration_list, leaderboard_list
from tests.conftest import SHARED_DIR

ROOT = Path(__file__).resolve().parents[2]
PULLS = SHARED_DIR / "github" / "cpython-jit-pulls.json"


@pytest.fixture
def imported(demo_history: None, db: None) -> str:
    out = io.StringIO()
    call_command("import_pulls", str(PULLS), stdout=out)
    return out.getvalue()


def _authors() -> dict[str, int]:
    """login (lower case) → number of merged PRs with a confirmed author, from the shared file."""
    authors: dict[str, int] = {}
    for entry in json.loads(PULLS.read_text()):
        login = (entry["user"] or {}).get("login")
        if login and entry["merged"] and entry["author_verified"]:
            authors[login.lower()] = authors.get(login.lower(), 0) + 1
    return authors


def test_the_leaderboard_shows_real_authors_of_merged_pull_requests(imported: str) -> None:
    board = list(leaderboard_list())
    authors = _authors()

    assert len(board) >= 10
    assert all(s.github_handle.lower() in authors for s in board)
    assert all(s.conversions >= 1 for s in board)  # no recognitions in the demo: points are conversions
    assert not Contributor.objects.filter(github_handle__istartswith="demo-", user__isnull=True).exists()


def test_every_pull_request_is_a_real_cpython_one(imported: str) -> None:
    urls = list(PullRequest.objects.values_list("url", flat=True))

    assert len(urls) == len(json.loads(PULLS.read_text()))
    assert all(re.fullmatch(r"https://github\.com/python/cpython/pull/\d+", u) for u in urls)


def test_unknown_authors_and_merge_dates_stay_unknown(imported: str) -> None:
    entries = {e["number"]: e for e in json.loads(PULLS.read_text())}
    for pr in PullRequest.objects.select_related("author"):
        entry = entries[pr.number]
        assert (pr.author.github_handle if pr.author else None) == (entry["user"] or {}).get("login")
        assert (pr.merged_at.date().isoformat() if pr.merged_at else None) == entry["merged_at"]
        assert (pr.state == PullRequest.State.MERGED) == entry["merged"]


def test_the_demo_accounts_are_first_timers(imported: str) -> None:
    people = Contributor.objects.filter(user__username__in=["alice", "bob"])

    assert people.count() == 2
    assert {claim_limit_for(contributor=c) for c in people} == {settings.CLAIMS_MAX_ACTIVE_FIRST_TIMER}


def test_celebrations_and_pages_show_the_real_people(imported: str, client: Client) -> None:
    top = leaderboard_list()[0]
    celebrations = celebration_list(limit=5)

    assert celebrations and all(c.pull_request.repo == "python/cpython" for c in celebrations if c.pull_request)
    assert f"@{top.github_handle}" in client.get("/leaderboard/").content.decode()
    profile = client.get(f"/leaderboard/contributors/{top.github_handle}/").content.decode()
    assert "https://github.com/python/cpython/pull/" in profile


def test_importing_twice_changes_nothing(imported: str) -> None:
    before = (PullRequest.objects.count(), Contributor.objects.count(), [s.points for s in leaderboard_list()])
    out = io.StringIO()

    call_command("import_pulls", str(PULLS), stdout=out)

    assert (PullRequest.objects.count(), Contributor.objects.count(), [s.points for s in leaderboard_list()]) == before
    assert "0 created, 0 updated" in out.getvalue()


def test_make_demo_imports_the_shared_pull_requests_after_the_scans() -> None:
    makefile = (ROOT / "Makefile").read_text()
    target = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    steps = [" ".join(s["args"]) for s in plan(SHARED_DIR, None)]  # what make demo's load_demo_data runs

    assert "$(LOAD_DEMO_DATA)" in target and "manage.py load_demo_data" in makefile
    assert steps[0].startswith("scan_snapshots") and steps[2].startswith("import_pulls")
    assert steps[2].endswith("github/cpython-jit-pulls.json")
    assert "seed_demo" not in makefile


def test_nothing_links_to_a_repository_that_does_not_exist() -> None:
    texts = [
        p.read_text()
        for folder in ("onboarding", "fixtures")
        for p in (ROOT / folder).rglob("*")
        if p.suffix in {".html", ".json", ".py", ".md"} and p.is_file()
    ]

    assert not [t for t in texts if "jit-onboarding-demo" in t]


def test_the_bus_factor_as_of_the_newest_merge_follows_the_real_files(imported: str) -> None:
    entries = json.loads(PULLS.read_text())
    newest = max(dt.date.fromisoformat(e["merged_at"]) for e in entries if e["merged_at"])
    table = bus_factor(as_of=newest)

    assert table.newest_merge == newest and table.merged == sum(e["merged"] for e in entries)
    for row in table.rows:
        touched = {
            e["user"]["login"]
            for e in entries
            if e["merged"] and e["author_verified"] and any(row.stage.owns(f) for f in e["changed_files"])
        }
        cells = {c.window: c for c in row.windows}
        assert touched <= {p.github_handle for p in cells["all"].people}, row.stage.slug
        assert (
            {p.pk for p in cells["90d"].people}
            <= {p.pk for p in cells["1y"].people}
            <= {p.pk for p in cells["all"].people}
        )
        assert all(c.flagged == (c.count < 2) for c in row.windows)
    assert len(table.undated) == sum(1 for e in entries if e["merged"] and not e["merged_at"])
