"""Memos kept in each process's memory (in front of the shared cache) are never stale after a
write, even a write another process made.

Another process shares only the database (and the shared cache) with this one: its writes reach
this process neither through the execute wrapper nor through the request's remembered version.
``elsewhere()`` plays that process: it runs SQL on the raw DB-API connection, below Django, so
this process's memory learns nothing, and moves the version row as the other process's commit
would. Tests run inside a transaction, so this process's own writes run under ``committed()``,
which runs their on-commit callbacks (the version bump among them) as a real commit would.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from onboarding.campaigns.models import Task
from onboarding.claims.services import claim_create
from onboarding.contributors.services import contributor_for_user
from onboarding.web import pagecache
from onboarding.web.pagecache import clear_local_memos, memoize
from tests.onboarding.conftest import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_history", "page_cache")]


def elsewhere(*statements: str) -> None:
    """Run ``statements`` as another process would: below Django, then bump the data version."""
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        for sql in (*statements, f"UPDATE {pagecache.VERSION_TABLE} SET version = version + 1 WHERE id = 1"):
            cursor.execute(sql)
    finally:
        cursor.close()


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def open_task() -> Task:
    return Task.objects.filter(campaign__slug="refcount", status=Task.Status.TODO).order_by("name").first()


def task_url(task: Task) -> str:
    return reverse("web:task", args=[task.campaign.slug, task.name])


def counting(build: Callable[[], object]) -> tuple[Callable[[], object], list[int]]:
    calls: list[int] = []

    def counted() -> object:
        calls.append(1)
        return build()

    return counted, calls


def test_another_processs_write_shows_on_the_next_signed_in_request(committed) -> None:
    alice = signed_in("alice", committed)
    task = open_task()
    page(alice, task_url(task))
    assert "summary-from-elsewhere" not in page(alice, task_url(task))  # from this process's memory now

    elsewhere(f"UPDATE campaigns_task SET summary = 'summary-from-elsewhere' WHERE id = {task.pk}")

    assert "summary-from-elsewhere" in page(alice, task_url(task))
    assert "summary-from-elsewhere" in page(Client(), task_url(task))  # and the anonymous whole page


def test_without_a_version_change_the_memo_is_what_is_served(committed) -> None:
    """The other tests' fresh pages come from the version check, not from a memo never kept."""
    alice = signed_in("alice", committed)
    task = open_task()
    page(alice, task_url(task))
    cursor = connection.connection.cursor()
    cursor.execute(f"UPDATE campaigns_task SET summary = 'unseen-until-the-version-moves' WHERE id = {task.pk}")
    cursor.close()
    assert "unseen-until-the-version-moves" not in page(alice, task_url(task))


def test_a_maintainer_flag_set_elsewhere_shows_at_once(committed) -> None:
    alice = signed_in("alice", committed)
    contributor_pk = contributor_for_user(user=User.objects.get(username="alice")).pk
    task = open_task()
    assert "Assign (maintainer)" not in page(alice, task_url(task))
    assert "Assign (maintainer)" not in page(alice, task_url(task))

    elsewhere(f"UPDATE contributors_contributor SET is_maintainer = TRUE WHERE id = {contributor_pk}")

    assert "Assign (maintainer)" in page(alice, task_url(task))


def test_a_claim_made_elsewhere_shows_in_your_claims_and_the_claim_box(committed, monkeypatch) -> None:
    alice = signed_in("alice", committed)
    bob = signed_in("bob", committed)
    with committed():
        contributor = contributor_for_user(user=User.objects.get(username="alice"))
    task = open_task()
    for client in (alice, bob):
        for _ in range(2):
            assert 'id="my-claims"' not in page(client, "/")
            assert "Nobody has claimed this task." in page(client, task_url(task))

    with monkeypatch.context() as unseen:  # the claim's rows, written by the other process's service call
        unseen.setattr(connection, "execute_wrappers", [])
        claim_create(task=task, contributor=contributor)
    elsewhere()  # and its commit's version bump

    assert 'id="my-claims"' in page(alice, "/") and f">{task.name}</a>" in page(alice, "/")
    assert re.search(r'id="claim-state">Claimed by <strong>[^<]*alice', page(bob, task_url(task)))
    assert 'id="my-claims"' not in page(bob, "/")  # her claims are not his


def test_a_new_password_set_elsewhere_signs_out_the_old_sessions_at_once(committed) -> None:
    alice = signed_in("alice", committed)
    assert "Signed in as <strong>alice</strong>" in page(alice, "/")
    assert "Signed in as <strong>alice</strong>" in page(alice, "/")  # the user row from memory

    new_hash = "md5$elsewhere$0123456789abcdef0123456789abcdef"
    elsewhere(f"UPDATE auth_user SET password = '{new_hash}' WHERE username = 'alice'")

    html = page(alice, "/")
    assert "Signed in as" not in html and "Sign in</a>" in html


def test_a_staff_flag_set_elsewhere_shows_in_the_navigation(committed) -> None:
    alice = signed_in("alice", committed)
    admin_link = f'<a href="{reverse("admin:index")}">Admin</a>'
    assert admin_link not in page(alice, "/tasks/")

    elsewhere("UPDATE auth_user SET is_staff = TRUE WHERE username = 'alice'")

    assert admin_link in page(alice, "/tasks/")


def test_a_signed_in_request_reads_the_user_row_once_per_data_version(committed) -> None:
    alice = signed_in("alice", committed)

    def user_reads() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert alice.get("/no-such-page/").status_code == 404
        return sum('FROM "auth_user"' in query["sql"] for query in queries.captured_queries)

    assert user_reads() == 1
    assert user_reads() == 0
    elsewhere()
    assert user_reads() == 1


def test_a_memo_built_by_another_process_is_read_from_the_shared_cache() -> None:
    build, calls = counting(lambda: ["built"])
    assert memoize("part", build) == ["built"]
    clear_local_memos()  # this process's memory, as a fresh worker's
    assert memoize("part", build) == ["built"]
    assert len(calls) == 1


def test_a_per_person_memo_stays_out_of_the_shared_cache(monkeypatch) -> None:
    writes: list[str] = []
    monkeypatch.setattr(pagecache.cache, "set", lambda key, *args, **kwargs: writes.append(key))
    build, calls = counting(lambda: "mine")
    assert memoize("person:1", build, shared=False) == "mine"
    assert memoize("person:1", build, shared=False) == "mine"
    assert len(calls) == 1 and writes == []
    clear_local_memos()
    memoize("person:1", build, shared=False)
    assert len(calls) == 2


def test_each_call_gets_its_own_copy() -> None:
    first = memoize("rows", lambda: [1, 2])
    first.append(3)
    assert memoize("rows", lambda: [9]) == [1, 2]


def test_a_memo_in_memory_expires_with_its_shared_entry(monkeypatch, settings) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(pagecache, "time", types.SimpleNamespace(time=lambda: now[0]))
    build, calls = counting(lambda: "x")
    memoize("part", build)
    now[0] += settings.PAGE_CACHE_SECONDS - 1
    memoize("part", build)
    assert len(calls) == 1
    cache.clear()  # the shared entry would be gone by now as well
    now[0] += 2
    memoize("part", build)
    assert len(calls) == 2


def test_memory_keeps_the_most_recently_used_memos_only(monkeypatch) -> None:
    monkeypatch.setattr(pagecache._local_memos, "size", 2)
    builds = {name: counting(lambda name=name: name) for name in ("a", "b", "c")}
    for name in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" comes
        memoize(name, builds[name][0])
    cache.clear()  # only this process's memory is left
    for name in ("a", "c", "b"):
        memoize(name, builds[name][0])
    assert {name: len(calls) for name, (_, calls) in builds.items()} == {"a": 1, "b": 2, "c": 1}
