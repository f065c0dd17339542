"""Concurrent claims through real PostgreSQL connections (issue 14, items 1 and 8).

Each thread has its own database connection (Django's connections are per thread) and all
of them start together at a barrier, as the probe's 250 racing requests did. Each test then
asserts the exact rows left behind, not only who got an error.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from onboarding.campaigns.models import Task, TaskStatusChange
from onboarding.claims.models import Claim, ClaimEvent
from onboarding.claims.services import claim_create
from onboarding.contributors.models import Contributor
from onboarding.contributors.services import contributor_for_user
from onboarding.errors import ClaimLimitReached, TaskAlreadyClaimed

pytestmark = pytest.mark.django_db(transaction=True)


def race(n: int, body: Callable[[int], Any]) -> list[Any]:
    """Run ``body(i)`` for i in range(n) in n threads released together; results or raised exceptions."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = body(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a claim hung (a deadlock?)"
    return results


def kinds(results: list[Any]) -> Counter[str]:
    return Counter(type(r).__name__ for r in results)


def test_fifty_people_claiming_one_task_leave_one_claim(
    make_task: Callable[..., Task], make_contributor: Callable[..., Contributor]
) -> None:
    task = make_task("LOAD_FAST")
    people = [make_contributor() for _ in range(50)]

    results = race(50, lambda i: claim_create(task=task, contributor=people[i]))

    assert kinds(results) == {"Claim": 1, "TaskAlreadyClaimed": 49}, kinds(results)
    winner = next(r for r in results if isinstance(r, Claim))
    assert list(Claim.objects.values_list("pk", "task_id", "contributor_id", "status")) == [
        (winner.pk, task.pk, winner.contributor_id, "active")
    ]
    assert list(ClaimEvent.objects.values_list("claim_id", "kind")) == [(winner.pk, "claimed")]
    task.refresh_from_db()
    assert task.status == Task.Status.CLAIMED
    assert list(TaskStatusChange.objects.filter(task=task).values_list("to_status", flat=True)) == ["claimed"]


@pytest.mark.parametrize("cap", [1, 3])
def test_one_person_claiming_ten_tasks_of_two_campaigns_at_once_stays_within_the_cap(
    cap: int, make_task: Callable[..., Task], make_contributor: Callable[..., Contributor]
) -> None:
    person = make_contributor()
    if cap == 3:
        # Merged work lifts a first-timer's limit (1) to CLAIMS_MAX_ACTIVE (3).
        done = make_task("DONE_BEFORE", status=Task.Status.DONE)
        Claim.objects.create(task=done, contributor=person, claimed_at=timezone.now(), status="completed")
    tasks = [make_task(f"OP_{camp}_{i}", campaign=camp) for camp in ("refcount", "optimizer") for i in range(5)]
    active_before = Claim.objects.filter(status="active").count()

    results = race(10, lambda i: claim_create(task=tasks[i], contributor=person))

    assert kinds(results) == {"Claim": cap, "ClaimLimitReached": 10 - cap}, kinds(results)
    assert all(isinstance(r, (Claim, ClaimLimitReached)) for r in results)
    won = {r.task_id for r in results if isinstance(r, Claim)}
    assert active_before == 0
    assert set(Claim.objects.filter(status="active").values_list("task_id", flat=True)) == won
    assert Claim.objects.filter(contributor=person, status="active").count() == cap
    assert ClaimEvent.objects.filter(kind="claimed").count() == cap
    statuses = dict(Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list("pk", "status"))
    assert {pk for pk, s in statuses.items() if s == "claimed"} == won
    assert {pk for pk, s in statuses.items() if s == "todo"} == {t.pk for t in tasks} - won


def test_a_new_user_s_concurrent_first_claims_make_one_profile(make_task: Callable[..., Task]) -> None:
    user = User.objects.create_user(username="newcomer", password="pw")
    tasks = [make_task(f"NEW_{i}") for i in range(8)]

    def first_claim(i: int) -> Claim:
        # What the claim views do: the profile is made on first use, then the claim.
        return claim_create(task=tasks[i], contributor=contributor_for_user(user=User.objects.get(pk=user.pk)))

    results = race(8, first_claim)

    # No "the GitHub handle already belongs to another account": one profile, and the
    # first-timer cap (1) decides the rest.
    assert kinds(results) == {"Claim": 1, "ClaimLimitReached": 7}, [str(r) for r in results]
    assert list(Contributor.objects.values_list("user_id", "github_handle")) == [(user.pk, "newcomer")]
    assert Claim.objects.filter(status="active").count() == 1
    assert not any(isinstance(r, TaskAlreadyClaimed) for r in results)
