"""Signed-in pages: their user-independent parts are memoized per data version, never stale
after a write, and never carry one person's claim data into another person's page.

The memoized fragments (`{% memoize %}`, the task list's content, the task row) are turned on
here (the test settings keep the cache off). Writes go through the real views and services
under ``committed()``, which runs their on-commit callbacks (the version bump among them) as
a real commit would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from onboarding.campaigns.models import Task
from onboarding.web.pagecache import data_version
from tests.onboarding.conftest import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_history", "page_cache")]


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.get("X-Page-Cache") is None  # signed-in pages are never whole-page cached
    return response.content.decode()


def open_task() -> Task:
    return Task.objects.filter(campaign__slug="refcount", status=Task.Status.TODO).order_by("name").first()


def task_url(task: Task) -> str:
    return reverse("web:task", args=[task.campaign.slug, task.name])


def test_a_claim_shows_at_once_for_the_signed_in_claimant(committed) -> None:
    alice = signed_in("alice", committed)
    task = open_task()
    claimed_list = reverse("web:tasks") + "?claimed=yes&status=any"
    mine_list = reverse("web:tasks") + "?mine=1"
    for url in (task_url(task), claimed_list, mine_list, "/"):  # fill the memos
        page(alice, url)
    assert task.name not in page(alice, mine_list)

    with committed():
        response = alice.post(reverse("web:task-claim", args=[task.campaign.slug, task.name]))
    assert response.status_code == 302

    html = page(alice, task_url(task))
    assert re.search(r'id="claim-state">Claimed by <strong>[^<]*alice', html)
    assert reverse("web:claim-release", args=[task.claims.get().pk]) in html  # she may release it
    assert task.name in page(alice, claimed_list)
    assert task.name in page(alice, mine_list)
    assert 'id="my-claims"' in page(alice, "/")


def test_another_persons_claim_data_never_leaks_into_a_memoized_fragment(committed) -> None:
    task = open_task()
    alice = signed_in("alice", committed)
    with committed():
        alice.post(reverse("web:task-claim", args=[task.campaign.slug, task.name]))
    release = reverse("web:claim-release", args=[task.claims.get().pk])
    mine_list = reverse("web:tasks") + "?mine=1"
    alice_pages = {url: page(alice, url) for url in (task_url(task), mine_list, "/", "/tasks/", "/leaderboard/")}
    assert release in alice_pages[task_url(task)] and task.name in alice_pages[mine_list]

    bob = signed_in("bob", committed)
    version = data_version()
    bob_pages = {url: page(bob, url) for url in alice_pages}
    assert data_version() == version  # same data: bob's pages reuse the fragments alice's filled

    assert release not in bob_pages[task_url(task)]  # only the claimant manages the claim
    assert "Claimed by" in bob_pages[task_url(task)]  # who holds it is public
    assert task.name not in bob_pages[mine_list]  # "claimed by me" is bob's own list
    assert 'id="my-claims"' not in bob_pages["/"]
    for url, html in bob_pages.items():
        assert "Signed in as <strong>bob</strong>" in html and "Signed in as <strong>alice" not in html, url


def test_a_scan_shows_at_once_on_signed_in_pages(cpython_dir: Path, committed) -> None:
    alice = signed_in("alice", committed)
    for url in ("/", "/tasks/", "/scans/"):
        assert "rescan-for-memo-test" not in page(alice, url)

    with committed():
        call_command(
            "scan", str(cpython_dir / "main-2026-06"), "--label", "rescan-for-memo-test", date="2026-06-20", verbosity=0
        )

    assert "rescan-for-memo-test" in page(alice, "/")  # the dashboard's recent scans


def test_a_bulk_update_shows_at_once_on_every_signed_in_page_that_lists_the_task(committed) -> None:
    alice = signed_in("alice", committed)
    task = open_task()
    todo_list = reverse("web:tasks") + f"?q={task.name}&status=todo"
    assert "summary-by-bulk-update" not in page(alice, task_url(task))
    assert f">{task.name}</a>" in page(alice, todo_list).replace("<wbr>", "")

    with committed():
        Task.objects.filter(pk=task.pk).update(summary="summary-by-bulk-update", status=Task.Status.DONE)

    assert "summary-by-bulk-update" in page(alice, task_url(task))
    assert f">{task.name}</a>" not in page(alice, todo_list).replace("<wbr>", "")


def test_page_links_keep_the_sort_and_the_filters(committed) -> None:
    alice = signed_in("alice", committed)
    url = reverse("web:tasks") + "?status=any&sort=-difficulty&page=2"
    html = page(alice, url)

    links = {
        rel: query.replace("&amp;", "&") for query, rel in re.findall(r'<a href="\?([^"]+)" rel="(prev|next)"', html)
    }
    assert links["prev"] == "status=any&sort=-difficulty&page=1"
    assert links["next"] == "status=any&sort=-difficulty&page=3"
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub("", page(alice, url)) == csrf.sub("", html)  # from the memo: the same page
    third = page(alice, "/tasks/?" + links["next"])
    assert third != html and "Page 3 of" in third
