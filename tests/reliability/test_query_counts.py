"""Pages and API lists run the same number of SQL queries however many contributors and claims exist
(issue 14: the load test's pages must not run a query per row).

Each URL is fetched once to warm caches, then counted with a small database and again after
adding 300 contributors and 1,500 claims (history and active ones, on every task); the two
counts must be equal.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onboarding.campaigns.models import Task
from onboarding.claims.models import Claim
from onboarding.contributors.models import Contributor

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/tasks/",
    "/tasks/?page=2",
    "/tasks/?status=claimed",
    "/campaigns/refcount/",
    "/campaigns/refcount/megaissue.md",
    # A task page's claim box reads its active claim (and its schedule): compare pages whose
    # claim state is the same at both sizes, one claimed throughout and one with no active
    # claim at either (only released ones, more of them at the larger size).
    "/tasks/refcount/OP_refcount_0/",
    "/tasks/optimizer/OP_optimizer_50/",
    "/api/tasks/",
    "/api/tasks/?status=claimed",
    "/api/claims/",
    "/api/contributors/",
    "/api/campaigns/",
]
SIGNED_IN = ["/tasks/", "/claims/mine/", "/tasks/refcount/OP_refcount_0/", "/tasks/optimizer/OP_optimizer_50/"]
_numbers = itertools.count()


def add_people_and_claims(tasks: list[Task], people: int, claims: int, active: int) -> None:
    users = User.objects.bulk_create(User(username=f"q{next(_numbers)}", password="!") for _ in range(people))
    crowd = Contributor.objects.bulk_create(Contributor(user=u, github_handle=u.username) for u in users)
    now = timezone.now()
    free = [t for t in tasks if not t.claims.filter(status="active").exists()]
    rows = [
        Claim(task=tasks[n % len(tasks)], contributor=crowd[n % len(crowd)], status="released", claimed_at=now)
        for n in range(claims - active)
    ]
    rows += [Claim(task=t, contributor=crowd[n % len(crowd)], claimed_at=now) for n, t in enumerate(free[:active])]
    Claim.objects.bulk_create(rows)
    Task.objects.filter(pk__in=[t.pk for t in free[:active]]).update(status="claimed")


def counts(client: Client, urls: list[str]) -> dict[str, int]:
    found = {}
    for url in urls:
        assert client.get(url).status_code == 200, url  # warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        found[url] = len(queries)
    return found


def test_page_queries_do_not_grow_with_contributors_and_claims(
    client: Client, make_task: Callable[..., Task], make_contributor: Callable[..., Contributor]
) -> None:
    tasks = [make_task(f"OP_{camp}_{i}", campaign=camp) for camp in ("refcount", "optimizer") for i in range(60)]
    me = make_contributor("me")
    add_people_and_claims(tasks, people=5, claims=10, active=3)
    Claim.objects.create(task=tasks[0], contributor=me, claimed_at=timezone.now(), status="released")
    # OP_optimizer_50 (tasks[110]) keeps no active claim at either size, but has a claim history at both.
    Claim.objects.create(task=tasks[110], contributor=me, claimed_at=timezone.now(), status="released")
    signed_in = Client()
    signed_in.force_login(me.user)
    small = counts(client, PAGES) | {f"signed in {u}": n for u, n in counts(signed_in, SIGNED_IN).items()}

    add_people_and_claims(tasks, people=300, claims=1_500, active=40)
    large = counts(client, PAGES) | {f"signed in {u}": n for u, n in counts(signed_in, SIGNED_IN).items()}

    assert large == small
