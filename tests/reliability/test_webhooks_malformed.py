"""Signed but malformed webhook deliveries (issue 14, items 3, 4, 7 and 8): a 400 with the reason, nothing
stored; a delivery whose processing fails is ``failed`` and its redelivery runs again; only the configured
repository moves tasks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test.utils import override_settings

from onboarding.campaigns.models import Task, TaskStatusChange
from onboarding.claims.models import Claim, PullRequest
from onboarding.contributors.models import Contributor
from onboarding.webhooks import services
from onboarding.webhooks.models import Delivery
from tests.webhooks.conftest import (
    Deliver,
    _secret,  # noqa: F401  (autouse here: the webhook secret and repository)
)

pytestmark = pytest.mark.django_db

Payload = Callable[..., dict[str, Any]]


def _without_number(p: dict[str, Any]) -> None:
    p.pop("number", None)
    p["pull_request"].pop("number", None)


MALFORMED: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "no number": (_without_number, "number is required"),
    "non-numeric number": (lambda p: p.update(number="12abc"), "number must be a positive integer"),
    "300-character repository": (
        lambda p: p["repository"].update(full_name="a/" + "b" * 298),
        "repository.full_name must be OWNER/NAME",
    ),
    "impossible merged_at": (
        lambda p: p["pull_request"].update(merged_at="2025-13-45T25:61:00Z"),
        "pull_request.merged_at '2025-13-45T25:61:00Z' is not a possible ISO 8601 time",
    ),
    "60-character action": (lambda p: p.update(action="x" * 60), "action must be a string of at most 50"),
    "markdown link as repository": (
        lambda p: p["repository"].update(full_name="[z](javascript:alert(1))"),
        "repository.full_name must be OWNER/NAME",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_signed_malformed_pull_request_is_a_400_with_the_reason_and_stores_nothing(
    case: str, deliver: Deliver, payload: Payload
) -> None:
    body = payload("pull_request.opened")
    mutate, reason = MALFORMED[case]
    mutate(body)

    response = deliver(body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_delivery"
    assert reason in error["message"]
    assert (Delivery.objects.count(), PullRequest.objects.count(), TaskStatusChange.objects.count()) == (0, 0, 0)


def test_json_nested_100000_deep_is_a_400(deliver: Deliver) -> None:
    response = deliver(b"[" * 100_000 + b"]" * 100_000)

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The body's JSON is nested too deep."
    assert Delivery.objects.count() == 0


def test_a_10_mb_body_is_the_api_s_json_error(deliver: Deliver, payload: Payload) -> None:
    body = payload("pull_request.opened")
    body["pull_request"]["body"] = "x" * (10 * 1024 * 1024)

    response = deliver(body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "bad_delivery"
    assert "larger than" in response.json()["error"]["message"]
    assert Delivery.objects.count() == 0


def test_failed_processing_marks_the_delivery_failed_and_github_s_redelivery_runs_it_again(
    deliver: Deliver,
    payload: Payload,
    make_task: Callable[..., Task],
    make_contributor: Callable[..., Contributor],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = payload("pull_request.opened", title="Convert `LOAD_FAST`")
    task = make_task("LOAD_FAST", status=Task.Status.CLAIMED)
    Claim.objects.create(task=task, contributor=make_contributor("Codertocat"), claimed_at="2025-10-01T00:00Z")
    real = services.pull_request_apply

    def broken(**kwargs: Any) -> Any:
        real(**kwargs)  # writes rows, then fails: none of them may stay
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "pull_request_apply", broken)
    first = deliver(body, delivery="guid-1")

    assert first.status_code == 202
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.result) == ("failed", "processing failed: RuntimeError: the database went away")
    assert delivery.pull_request is None
    assert PullRequest.objects.count() == 0
    task.refresh_from_db()
    assert task.status == Task.Status.CLAIMED

    monkeypatch.setattr(services, "pull_request_apply", real)
    again = deliver(body, delivery="guid-1")

    assert again.status_code == 202
    assert again.json()["duplicate"] is False
    delivery.refresh_from_db()
    assert delivery.status == "processed"
    assert delivery.result.startswith("Codertocat/Hello-World#2 is open; linked to refcount/LOAD_FAST")
    assert Delivery.objects.count() == 1
    task.refresh_from_db()
    assert task.status == Task.Status.IN_REVIEW
    # A third delivery of the same GUID, now processed, is a duplicate and changes nothing.
    assert deliver(body, delivery="guid-1").json()["duplicate"] is True
    assert task.status_changes.count() == 1


def test_a_pull_request_from_another_repository_moves_nothing(
    deliver: Deliver, payload: Payload, make_task: Callable[..., Task], make_contributor: Callable[..., Contributor]
) -> None:
    body = payload("pull_request.opened", title="Convert `LOAD_FAST`")
    body["repository"]["full_name"] = "attacker/other"
    task = make_task("LOAD_FAST", status=Task.Status.CLAIMED)
    Claim.objects.create(task=task, contributor=make_contributor("Codertocat"), claimed_at="2025-10-01T00:00Z")

    with override_settings(GITHUB_WEBHOOK_REPOSITORY="python/cpython"):
        response = deliver(body)

    assert response.status_code == 202
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.result) == ("ignored", "from attacker/other, not python/cpython: moves nothing")
    assert PullRequest.objects.count() == 0
    task.refresh_from_db()
    assert (task.status, task.status_changes.count()) == (Task.Status.CLAIMED, 0)
    assert json.loads(json.dumps(delivery.payload))["repository"]["full_name"] == "attacker/other"
