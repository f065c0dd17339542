"""Fixtures for the API tests: people with tokens, tasks, and a clean throttle cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from pytest_django import DjangoDbBlocker
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from onboarding.contributors.models import Contributor
from tests.onboarding.conftest import make_contributor, make_task, scan_label  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _fresh_throttles(django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """Throttle counters live in the cache (the database cache here): each test starts with none."""
    with django_db_blocker.unblock():
        cache.clear()
    yield
    with django_db_blocker.unblock():
        cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def token_client(make_contributor: Callable[..., Contributor]) -> Callable[..., APIClient]:  # noqa: F811
    """An API client authenticated with the token of ``contributor`` (``Authorization: Token``)."""

    def client_for(contributor: Contributor) -> APIClient:
        token, _ = Token.objects.get_or_create(user=contributor.user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for
