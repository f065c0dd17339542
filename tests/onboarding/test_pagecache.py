"""The whole-page cache: anonymous pages come from it until a write, and are never stale after one.

Each test turns the cache on (the test settings keep it off) and empties it. Writes go
through the real services and commands: a claim, a linked pull request, a scan, a benchmark
import, a bulk ``update()``; a rolled-back write must change nothing. Tests run inside a
transaction, so each write runs under ``committed()``, which runs the on-commit callbacks
(the version bump among them) as a real commit would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from onboarding.campaigns.models import Task
from onboarding.claims.services import claim_create, claim_link_pull_request
from onboarding.contributors.services import contributor_for_user
from onboarding.web.pagecache import data_version, memoize

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_history", "page_cache")]


def fetch(client: Client, url: str) -> tuple[str, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get("X-Page-Cache", ""), response.content.decode()


def open_task() -> Task:
    return Task.objects.filter(campaign__slug="refcount", status=Task.Status.TODO).order_by("name").first()


def alice():
    return contributor_for_user(user=User.objects.get(username="alice"))


def test_a_page_is_cached_until_the_data_changes(client: Client) -> None:
    state, first = fetch(client, "/")
    assert state == "miss"
    state, second = fetch(client, "/")
    assert state == "hit"
    assert second == first


def test_a_claim_shows_at_once_on_the_task_page_and_the_task_list(client: Client, committed) -> None:
    task = open_task()
    url = reverse("web:task", args=[task.campaign.slug, task.name])
    fetch(client, url)
    assert fetch(client, url)[0] == "hit"
    fetch(client, "/tasks/?claimed=yes")

    with committed():
        claim_create(task=task, contributor=alice())

    state, html = fetch(client, url)
    assert state == "miss"
    assert "@demo-alice" in html
    assert task.name in fetch(client, "/tasks/?claimed=yes")[1]


def test_a_linked_pull_request_shows_at_once(client: Client, committed) -> None:
    task = open_task()
    with committed():
        claim = claim_create(task=task, contributor=alice())
    url = reverse("web:task", args=[task.campaign.slug, task.name])
    assert "pull/140777" not in fetch(client, url)[1]
    fetch(client, url)

    with committed():
        claim_link_pull_request(
            claim=claim, url="https://github.com/python/cpython/pull/140777", actor=User.objects.get(username="alice")
        )

    state, html = fetch(client, url)
    assert state == "miss"
    assert "pull/140777" in html


def test_a_scan_invalidates_every_page(client: Client, cpython_dir: Path, committed) -> None:
    scans_before = fetch(client, "/scans/")[1]
    fetch(client, "/")
    version = data_version()

    with committed():
        call_command(
            "scan",
            str(cpython_dir / "main-2026-06"),
            "--label",
            "rescan-for-cache-test",
            date="2026-06-20",
            verbosity=0,
        )

    assert data_version() != version
    state, scans_after = fetch(client, "/scans/")
    assert state == "miss"
    assert "rescan-for-cache-test" in scans_after and "rescan-for-cache-test" not in scans_before
    assert fetch(client, "/")[0] == "miss"


def test_a_benchmark_import_invalidates_the_speedups_pages(client: Client, cpython_dir: Path, committed) -> None:
    folder = cpython_dir.parent / "benchmarks" / "pyperf"
    results = sorted(folder.glob("*.json"))
    assert results, f"no pyperf results in {folder}"
    fetch(client, "/speedups/")
    assert fetch(client, "/speedups/")[0] == "hit"

    with committed():
        call_command("import_benchmarks", str(results[0]), verbosity=0)

    assert fetch(client, "/speedups/")[0] == "miss"


def test_a_bulk_update_invalidates_too(client: Client, committed) -> None:
    task = open_task()
    url = reverse("web:task", args=[task.campaign.slug, task.name])
    fetch(client, url)

    with committed():
        Task.objects.filter(pk=task.pk).update(summary="A summary only a bulk update wrote.")

    state, html = fetch(client, url)
    assert state == "miss"
    assert "A summary only a bulk update wrote." in html


def test_a_rolled_back_write_changes_nothing(client: Client, committed) -> None:
    fetch(client, "/")
    version = data_version()

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        Task.objects.update(summary="never committed")
        raise RuntimeError("roll back")

    assert data_version() == version
    state, html = fetch(client, "/")
    assert state == "hit"
    assert "never committed" not in html


def test_signed_in_people_and_other_answers_are_not_cached(client: Client) -> None:
    assert client.get("/no-such-page/").get("X-Page-Cache") is None
    assert client.get("/api/campaigns/").get("X-Page-Cache") is None

    client.force_login(User.objects.get(username="alice"))
    response = client.get("/")
    assert response.status_code == 200
    assert response.get("X-Page-Cache") is None
    assert "Signed in as" in response.content.decode()


def test_memoized_parts_are_rebuilt_after_a_write(committed) -> None:
    builds = []

    def build() -> list[int]:
        builds.append(1)
        return [len(builds)]

    assert memoize("part", build) == [1]
    assert memoize("part", build) == [1]
    assert memoize("other part", build) == [2]

    with committed():
        Task.objects.filter(pk=open_task().pk).update(summary="changed")

    assert memoize("part", build) == [3]
    assert len(builds) == 3


def test_signed_in_pages_reuse_memoized_parts_until_a_write(client: Client, monkeypatch, committed) -> None:
    from onboarding.web import views

    calls = []
    highlight = views.highlight_definition
    monkeypatch.setattr(views, "highlight_definition", lambda task: calls.append(task.pk) or highlight(task))
    with committed():  # signing in writes last_login
        client.force_login(User.objects.get(username="alice"))
    task = open_task()
    url = reverse("web:task", args=[task.campaign.slug, task.name])
    client.get(url)
    client.get(url)
    assert len(calls) == 1

    with committed():
        Task.objects.filter(pk=task.pk).update(guide="# A guide only a bulk update wrote")

    assert "A guide only a bulk update wrote" in client.get(url).content.decode()
    assert len(calls) == 2


def test_one_transaction_bumps_the_version_once_after_it_commits(committed) -> None:
    before = data_version()
    with committed(), transaction.atomic():
        for task in Task.objects.filter(status=Task.Status.TODO)[:3]:
            Task.objects.filter(pk=task.pk).update(summary=f"{task.name} changed")
        assert data_version() == before  # no lock on the version row while the transaction runs
    epoch, number = before.split(".")
    assert data_version() == f"{epoch}.{int(number) + 1}"
