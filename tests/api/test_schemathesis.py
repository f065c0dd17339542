"""schemathesis over the OpenAPI schema at /api/schema/, against the WSGI app in-process: no 5xx anywhere.

Every operation gets schemathesis' coverage cases (the boundary values its schema defines)
plus ``MAX_EXAMPLES`` generated requests (hypothesis, derandomized so a CI run is
repeatable), sent with a maintainer's token so writes get past authentication, on
a database holding a scanned-like campaign, a claim, a pull request and a scan. Responses
must not be 5xx, must use a documented status code, and must match the documented schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from onboarding.api.throttling import WriteScopedRateThrottle
from onboarding.campaigns.models import Task
from onboarding.claims.models import Claim, PullRequest
from onboarding.contributors.models import Contributor
from onboarding.snapshots.models import Scan

#: Generated requests per API operation (bounded: the suite stays fast).
MAX_EXAMPLES = 25

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def maintainer_token(make_contributor: Callable[..., Contributor], make_task: Callable[..., Task]) -> str:
    lead = make_contributor("lead", maintainer=True)
    alice = make_contributor("alice")
    claimed = make_task("STORE_FAST", uop="_STORE_FAST", family="STORE_FAST", status=Task.Status.CLAIMED)
    make_task("LOAD_FAST", uop="_LOAD_FAST")
    make_task("_GUARD_X", campaign="optimizer")
    claim = Claim.objects.create(
        task=claimed,
        contributor=alice,
        claimed_at="2026-06-01T00:00Z",
        pr_url="https://github.com/python/cpython/pull/1",
    )
    PullRequest.objects.create(
        url="https://github.com/python/cpython/pull/1", repo="python/cpython", number=1, claim=claim
    ).tasks.add(claimed)
    Scan.objects.create(label="main", path="/nowhere", status=Scan.Status.FAILED, error="no sources")
    token, _ = Token.objects.get_or_create(user=lead.user)
    return token.key


@pytest.fixture
def api_schema(db: None, maintainer_token: str, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Any]:
    from onboarding.wsgi import application

    settings.GITHUB_WEBHOOK_SECRET = "schemathesis-secret"
    # Rate control is tested elsewhere; here it would only stop the writes being explored.
    # Every configured scope is lifted, so a scope added later cannot turn into a KeyError (a 500) here.
    rates = dict.fromkeys(api_settings.DEFAULT_THROTTLE_RATES, "100000/min")
    monkeypatch.setattr(WriteScopedRateThrottle, "THROTTLE_RATES", rates)
    # As Django's test client does: the raw WSGI app must not close the test's connection
    # after each request (on PostgreSQL that would end the test's transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
def test_no_endpoint_answers_a_server_error(case: schemathesis.Case, maintainer_token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Token {maintainer_token}"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
