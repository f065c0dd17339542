"""The leaderboard and profile pages and their API use a constant number of SQL queries (issue 7, item 5).

The same counts hold for ten contributors and for 10,000 (every one of them on the board),
so no page runs a query per contributor.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, DjangoDbBlocker

from onboarding.campaigns.models import Campaign, Task, TaskStatusChange
from onboarding.claims.models import Claim, PullRequest
from onboarding.contributors.models import Contributor
from onboarding.leaderboard.models import Recognition
from onboarding.snapshots.models import Scan, Snapshot

#: Queries per request for an anonymous visitor, whatever the number of contributors.
EXPECTED = {
    # campaigns for the filter; conversions and recognitions summed per contributor (GROUP BY);
    # the people on the page; the celebration list (conversions, recognitions)
    "/leaderboard/": 6,
    "/leaderboard/?page=3": 6,
    "/leaderboard/?campaign=refcount&window=30d": 6,
    # the contributor; their conversions, pull requests and the PRs' tasks, recognitions; the
    # two sums for their rank; their campaigns; first conversions of the people they mentored
    "/leaderboard/contributors/c00007/": 9,
    # the two sums and the people on the page
    "/api/leaderboard/": 3,
    # plus the campaigns, to check ?campaign
    "/api/leaderboard/?campaign=refcount&window=30d&page=2&page_size=5": 4,
    "/api/contributors/c00007/profile/": 9,
}


def build(n_contributors: int, n_converters: int) -> None:
    """``n_contributors`` people, each with a review recorded by a maintainer; the first
    ``n_converters`` also converted a task (merged PR, confirmed by a scan); c00007 mentored c00008."""
    now = timezone.now()
    users = User.objects.bulk_create(User(username=f"c{n:05}") for n in range(n_contributors + 1))
    people = Contributor.objects.bulk_create(
        Contributor(user=u, github_handle=u.username, is_maintainer=(i == n_contributors)) for i, u in enumerate(users)
    )
    maintainer, people = people[-1], people[:-1]
    campaign = Campaign.objects.create(slug="refcount", title="Refcount", issue="gh-134584")
    tasks = Task.objects.bulk_create(
        Task(
            campaign=campaign,
            name=f"OP_{n:05}",
            kind="op",
            uop=f"OP_{n:05}",
            status=Task.Status.DONE,
            difficulty=Task.Difficulty.values[n % 3],
            file="Python/bytecodes.c",
            line=n + 1,
            end_line=n + 2,
        )
        for n in range(n_converters + 1)
    )
    snapshot = Snapshot.objects.create(label="main", bytecodes_sha256="0" * 64, scanned_at=now)
    scan = Scan.objects.create(snapshot=snapshot, label="main", path="/cpython", status=Scan.Status.SUCCEEDED)
    TaskStatusChange.objects.bulk_create(
        TaskStatusChange(task=t, from_status="in_review", to_status="done", scan=scan, snapshot=snapshot, at=now)
        for t in tasks
    )
    claims = Claim.objects.bulk_create(
        Claim(task=t, contributor=p, status=Claim.Status.COMPLETED, claimed_at=now - dt.timedelta(days=20))
        for t, p in zip(tasks, people[:n_converters], strict=False)
    )
    prs = PullRequest.objects.bulk_create(
        PullRequest(
            url=f"https://github.com/python/cpython/pull/{n + 1}",
            repo="python/cpython",
            number=n + 1,
            state=PullRequest.State.MERGED,
            merged_at=now - dt.timedelta(days=10, minutes=n),
            claim=c,
        )
        for n, c in enumerate(claims)
    )
    PullRequest.tasks.through.objects.bulk_create(
        PullRequest.tasks.through(pullrequest=pr, task=c.task) for pr, c in zip(prs, claims, strict=True)
    )
    Recognition.objects.bulk_create(
        Recognition(contributor=p, kind="review", task=tasks[-1], recorded_by=maintainer, at=now - dt.timedelta(days=1))
        for p in people
    )
    Recognition.objects.create(
        contributor=people[7], kind="mentoring", pull_request=prs[8], recorded_by=maintainer, at=now
    )


def fetch(client: Client, url: str, queries: DjangoAssertNumQueries) -> str:
    with queries(EXPECTED[url]):
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


class TestTenThousandContributors:
    @pytest.fixture(scope="class")
    def ten_thousand(self, django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
        """10,000 contributors on the board (300 with a conversion), built once for the class."""
        with django_db_blocker.unblock():
            build(10_000, 300)
        yield
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)

    @pytest.mark.parametrize("url", list(EXPECTED))
    def test_each_page_and_endpoint_takes_a_fixed_number_of_queries(
        self, url: str, ten_thousand: None, db: None, client: Client, django_assert_num_queries: DjangoAssertNumQueries
    ) -> None:
        body = fetch(client, url, django_assert_num_queries)

        assert re.search(r"@?c\d{5}", body), "the page lists contributors"

    def test_all_10000_are_ranked_converters_first(self, ten_thousand: None, db: None, client: Client) -> None:
        first = client.get("/api/leaderboard/", {"page_size": 1}).json()
        last = client.get("/api/leaderboard/", {"page_size": 200, "page": 50}).json()

        assert Contributor.objects.count() == 10_001
        assert first["count"] == 10_000
        assert (first["results"][0]["conversions"], first["results"][0]["points"]) == (1, 10)  # hard 9 + review 1
        assert (last["results"][-1]["rank"], last["results"][-1]["points"]) == (10_000, 1)


def test_the_same_counts_hold_for_ten_contributors(
    db: None, client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    build(10, 9)

    for url in EXPECTED:
        fetch(client, url, django_assert_num_queries)
