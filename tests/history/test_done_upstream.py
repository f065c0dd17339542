"""Task pages and the API show where a task was done upstream, from the backfilled flips."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.onboarding.conftest import make_task  # noqa: F401  (a fixture)

from .conftest import History

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(history: History, make_task: Callable[..., Any]) -> dict[str, Any]:  # noqa: F811
    """A task converted (reverted, then re-applied) in the history, and one it never touched."""
    call_command("scan_history", str(history.path), verbosity=0)
    return {
        "converted": make_task("BINARY_OP_ADD_INT", status="done"),
        "untouched": make_task("NOT_IN_THE_HISTORY"),
    }


def test_the_task_page_names_the_commit_date_pull_request_and_author(
    client: Client, history: History, tasks: dict[str, Any]
) -> None:
    task = tasks["converted"]
    page = client.get(reverse("web:task", args=[task.campaign.slug, task.name])).content.decode()

    sha = history.sha["reapply"]
    assert (
        f'<dd id="done-upstream">commit <code title="{sha}">{sha[:12]}</code> on 2026-03-05, '
        "pull request #140300, by Nadia Example</dd>"
    ) in page


def test_a_task_without_a_done_flip_shows_nothing_of_it(client: Client, tasks: dict[str, Any]) -> None:
    task = tasks["untouched"]
    page = client.get(reverse("web:task", args=[task.campaign.slug, task.name])).content.decode()

    assert page.count("Done upstream") == 0


def test_the_api_gives_done_commit_done_at_and_done_pr(client: Client, history: History, tasks: dict[str, Any]) -> None:
    done = client.get(f"/api/tasks/{tasks['converted'].pk}/").json()
    untouched = client.get(f"/api/tasks/{tasks['untouched'].pk}/").json()

    assert (done["done_commit"], done["done_at"], done["done_pr"]) == (
        history.sha["reapply"],
        "2026-03-05T12:00:00Z",
        140300,
    )
    assert (untouched["done_commit"], untouched["done_at"], untouched["done_pr"]) == (None, None, None)
