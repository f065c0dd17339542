"""Bus factor per JIT stage: stages from files else campaign, windows on an as-of day, red below two people."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from onboarding.campaigns.models import Campaign, Task
from onboarding.claims.models import PullRequest
from onboarding.contributors.busfactor import STAGES, bus_factor
from onboarding.contributors.models import Contributor
from onboarding.errors import ContributorError
from tests.onboarding.conftest import make_contributor, make_task  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

_numbers = itertools.count(200000)
AS_OF = dt.date(2026, 4, 28)


@pytest.fixture
def pull() -> Callable[..., PullRequest]:
    def make(
        login: str | None, *, files: tuple[str, ...] = (), merged: str | None = "2026-04-01", **fields: Any
    ) -> PullRequest:
        number = next(_numbers)
        author = None
        if login:
            author = Contributor.objects.filter(github_handle=login).first() or Contributor.objects.create(
                github_handle=login
            )
        values: dict[str, Any] = {
            "url": f"https://github.com/python/cpython/pull/{number}",
            "repo": "python/cpython",
            "number": number,
            "state": PullRequest.State.MERGED,
            "merged_at": dt.datetime.fromisoformat(merged).replace(tzinfo=dt.UTC) if merged else None,
            "author": author,
            "changed_files": list(files),
        }
        values.update(fields)
        return PullRequest.objects.create(**values)

    return make


def cell(table: Any, stage: str, window: str) -> Any:
    row = next(r for r in table.rows if r.stage.slug == stage)
    return next(c for c in row.windows if c.window == window)


def handles(table: Any, stage: str, window: str) -> list[str]:
    return [p.github_handle for p in cell(table, stage, window).people]


def test_the_stage_table_names_pep_836_stages_and_the_dsl() -> None:
    assert [s.slug for s in STAGES] == ["frontend", "optimizer", "backend", "dsl"]
    owners = {path: [s.slug for s in STAGES if s.owns(path)] for path in ("Tools/jit/build.py", "Python/jit.c")}
    assert owners == {"Tools/jit/build.py": ["backend"], "Python/jit.c": ["backend"]}


def test_files_decide_the_stage_else_the_campaign_else_it_is_said_to_be_unknown(
    pull: Callable[..., PullRequest],
    make_task: Callable[..., Task],  # noqa: F811
) -> None:
    make_task("X1", campaign="optimizer")
    optimizer = Campaign.objects.get(slug="optimizer")
    pull("ann", files=("Python/optimizer_bytecodes.c", "Python/bytecodes.c"))
    pull("bob", files=("Lib/test/test_capi/test_opt.py",), campaign=optimizer)
    lost = pull("cy", files=("Lib/test/test_capi/test_opt.py",))

    table = bus_factor(as_of=AS_OF)

    assert handles(table, "optimizer", "all") == ["ann", "bob"]
    assert handles(table, "dsl", "all") == ["ann"]
    assert table.unattributed == [lost] and table.by_campaign == 1 and table.files_unknown == 0


def test_windows_end_on_as_of_and_unknown_dates_count_for_all_time_only(pull: Callable[..., PullRequest]) -> None:
    files = ("Python/jit.c",)
    pull("recent", files=files, merged="2026-04-01")
    pull("last-year", files=files, merged="2025-06-01")
    pull("old", files=files, merged="2024-01-01")
    undated = pull("undated", files=files, merged=None)
    pull("future", files=files, merged="2026-05-01")

    table = bus_factor(as_of=AS_OF)

    assert handles(table, "backend", "90d") == ["recent"]
    assert handles(table, "backend", "1y") == ["last-year", "recent"]
    assert handles(table, "backend", "all") == ["last-year", "old", "recent", "undated"]
    assert table.undated == [undated] and table.newest_merge == dt.date(2026, 4, 1)


def test_fewer_than_two_people_is_flagged_and_unknown_authors_are_no_one(pull: Callable[..., PullRequest]) -> None:
    pull("ann", files=("Python/optimizer.c",))
    pull("ann", files=("Python/optimizer.c",))
    unknown = pull(None, files=("Python/optimizer.c",))
    unconfirmed = pull("maybe", files=("Python/optimizer.c",), author_verified=False)

    table = bus_factor(as_of=AS_OF)

    frontend = cell(table, "frontend", "90d")
    assert (frontend.count, frontend.pull_requests, frontend.flagged) == (1, 4, True)
    assert table.unknown_people == [unknown, unconfirmed]
    pull("bea", files=("Python/optimizer.c",))
    assert not cell(bus_factor(as_of=AS_OF), "frontend", "90d").flagged


def test_the_page_and_the_api_show_the_table(pull: Callable[..., PullRequest], client: Client) -> None:
    pull("ann", files=("Python/optimizer.c",))

    page = client.get("/leaderboard/bus-factor/?as_of=2026-04-28")
    api = client.get("/api/bus-factor/", {"as_of": "2026-04-28"})

    html = page.content.decode()
    assert page.status_code == 200 and "@ann" in html and 'class="bus-cell bus-flag"' in html
    body = api.json()
    frontend = next(s for s in body["stages"] if s["slug"] == "frontend")
    assert body["as_of"] == "2026-04-28" and body["minimum"] == 2
    assert frontend["windows"][0] == {
        "window": "90d",
        "label": "last 90 days",
        "count": 1,
        "people": ["ann"],
        "pull_requests": 1,
        "flagged": True,
    }


def test_a_bad_date_is_a_400_with_the_reason(client: Client) -> None:
    page = client.get("/leaderboard/bus-factor/?as_of=28/04/2026")
    api = client.get("/api/bus-factor/?as_of=28/04/2026")

    assert page.status_code == 400 and "not valid" in page.content.decode()
    assert api.status_code == 400 and "as_of" in api.json()["error"]["fields"]


def test_the_relink_page_is_for_maintainers_and_says_why(
    pull: Callable[..., PullRequest],
    make_contributor: Callable[..., Contributor],  # noqa: F811
    client: Client,
) -> None:
    pull("ann", link_note="gh-130415 is not the issue of any campaign here", issue=130415)

    assert client.get("/leaderboard/pull-requests/unlinked/").status_code == 302
    client.force_login(make_contributor("someone").user)
    assert client.get("/leaderboard/pull-requests/unlinked/").status_code == 403
    client.force_login(make_contributor("mae", maintainer=True).user)
    html = client.get("/leaderboard/pull-requests/unlinked/").content.decode()
    assert "gh-130415 is not the issue of any campaign here (1)" in html and "@ann" in html


def test_a_github_sign_in_takes_over_the_imported_profile_and_is_no_first_timer(
    pull: Callable[..., PullRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.conf import settings
    from django.contrib.auth.models import User

    from onboarding.claims.services import claim_limit_for
    from onboarding.contributors import services

    # allauth's GitHub provider is installed only with GITHUB_CLIENT_ID: stand in for its login lookup.
    monkeypatch.setattr(services, "_github_login", lambda user: "corona10" if user.username == "dong-hee" else None)
    imported = pull("Corona10").author
    user = User.objects.create_user(username="dong-hee")
    squatter = User.objects.create_user(username="Fidget-Spinner")
    pull("Fidget-Spinner")

    contributor = services.contributor_for_user(user=user)

    assert contributor.pk == imported.pk and contributor.user == user
    assert claim_limit_for(contributor=contributor) == settings.CLAIMS_MAX_ACTIVE
    with pytest.raises(ContributorError):  # a username alone never takes someone's profile
        services.contributor_for_user(user=squatter)
