"""Throttles that hold in production (issue 14, item 5): one cache shared by every worker, the client
address not taken from a forged X-Forwarded-For, and the token endpoint limited per username too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _rate(scope: str) -> int:
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])


def test_a_forged_x_forwarded_for_does_not_make_a_new_client(client: Client) -> None:
    User.objects.create_user("alice", password="right")
    limit = _rate("tokens")

    codes = [
        client.post(
            "/api/auth/token/",
            {"username": f"user{i}", "password": "wrong"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(limit + 1)
    ]

    assert codes == [400] * limit + [429]


def test_guessing_one_account_s_password_from_many_addresses_is_throttled(client: Client) -> None:
    User.objects.create_user("alice", password="right")
    limit = _rate("tokens_username")

    codes = [
        client.post(
            "/api/auth/token/",
            {"username": "Alice" if i % 2 else "alice", "password": "wrong"},
            content_type="application/json",
            REMOTE_ADDR=f"198.51.100.{i}",
        ).status_code
        for i in range(limit + 1)
    ]
    other = client.post(
        "/api/auth/token/",
        {"username": "bob", "password": "x"},
        content_type="application/json",
        REMOTE_ADDR="192.0.2.1",
    )

    assert codes == [400] * limit + [429]
    assert other.status_code == 400  # another account, another address: not throttled


def test_the_cache_is_shared_by_every_process() -> None:
    # The database cache (no Redis configured here): one table that every worker process reads.
    assert caches["default"].__class__.__name__ == "DatabaseCache"
    assert "django_cache" in connection.introspection.table_names()


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({"REDIS_URL": "redis://127.0.0.1:6379/3"}, "django.core.cache.backends.redis.RedisCache"),
        ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, "django.core.cache.backends.redis.RedisCache"),
        ({}, "django.core.cache.backends.db.DatabaseCache"),
    ],
)
def test_production_settings_pick_a_shared_cache_and_the_proxy_count(env: dict[str, str], backend: str) -> None:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.CACHES['default']['BACKEND'], settings.REST_FRAMEWORK['NUM_PROXIES']]))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "NUM_PROXIES")}
    run_env = {
        **clean,
        **env,
        "DJANGO_SETTINGS_MODULE": "onboarding.settings.production",
        "SECRET_KEY": "x" * 60,
        "NUM_PROXIES": "1",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=run_env, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == [backend, 1]


def test_migrate_makes_the_cache_table() -> None:
    from django.core.management import call_command

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE django_cache")
    assert "django_cache" not in connection.introspection.table_names()

    call_command("migrate", verbosity=0)  # nothing to apply; its post_migrate signal still runs

    assert "django_cache" in connection.introspection.table_names()
