"""Fixtures for the webhook tests: the real payloads, a configured secret and a signed delivery helper."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.test.utils import override_settings

from onboarding.webhooks.signature import signature_for
from tests.onboarding.conftest import make_contributor, make_task  # noqa: F401  (fixtures)

SECRET = "test-webhook-secret"


@pytest.fixture
def payloads(shared_dir: Path) -> Path:
    return shared_dir / "github-webhooks"


@pytest.fixture
def payload(payloads: Path) -> Callable[..., dict[str, Any]]:
    """A real payload from shared/github-webhooks, parsed, with ``pull_request`` fields replaced."""

    def load(name: str, **pull_request: Any) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((payloads / f"{name}.json").read_text())
        data.get("pull_request", {}).update(pull_request)
        return data

    return load


@pytest.fixture(autouse=True)
def _secret() -> Iterator[None]:
    cache.clear()
    # The shared payloads come from GitHub's examples (Codertocat/Hello-World), the repository these tests watch.
    with override_settings(GITHUB_WEBHOOK_SECRET=SECRET, GITHUB_WEBHOOK_REPOSITORY="Codertocat/Hello-World"):
        yield


Deliver = Callable[..., Any]


@pytest.fixture
def deliver(client: Client, django_capture_on_commit_callbacks: Any) -> Deliver:
    """POST a payload as GitHub would (signed with the test secret) and run the queued job.

    ``body`` may be bytes (sent as is) or a dict (sent as JSON); ``signature=""`` sends no
    signature header. The job that processes the delivery runs in-process, as it does
    without a broker.
    """
    counter = iter(range(1, 10_000))

    def send(
        body: bytes | dict[str, Any],
        *,
        event: str = "pull_request",
        delivery: str | None = None,
        secret: str = SECRET,
        signature: str | None = None,
        content_type: str = "application/json",
    ) -> Any:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {
            "HTTP_X_GITHUB_EVENT": event,
            "HTTP_X_GITHUB_DELIVERY": delivery or f"delivery-{next(counter)}",
            "HTTP_X_HUB_SIGNATURE_256": signature if signature is not None else signature_for(secret=secret, body=raw),
        }
        if signature == "":  # no header at all
            del headers["HTTP_X_HUB_SIGNATURE_256"]
        with django_capture_on_commit_callbacks(execute=True):
            return client.generic("POST", "/api/webhooks/github/", raw, content_type=content_type, **headers)

    return send
