"""Fixtures for the Celery job tests: a fresh database, real workers on the local Redis, Django in subprocesses.

The worker tests share nothing with pytest-django's test database: each gets its own
database (a SQLite file, or a new PostgreSQL database when DATABASE_URL names one),
migrated by ``manage.py migrate``, and its own queue on the Redis at 127.0.0.1:6379, so
they can run beside anything else using that Redis.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import unavailable
from tests.onboarding.conftest import (  # noqa: F401  (fixtures)
    ROOT,
    SNAPSHOT,
    _reuse_analyses_of_unchanged_files,
    make_contributor,
    make_task,
    scan_label,
)

REDIS_URL = "redis://127.0.0.1:6379/0"
RESULTS_URL = "redis://127.0.0.1:6379/1"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local Redis; unreachable means a failure in CI (CI=true) and a skip elsewhere."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        message = f"no Redis at {REDIS_URL} ({exc}); .ci/run starts one, or run `redis-server --daemonize yes`"
        unavailable(message)
    return REDIS_URL


def _clean_environ() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "SCAN_JOB_")) and k != "DATABASE_URL"
    }


@dataclass
class Stack:
    """A database, a queue and the environment every process of one test shares."""

    database_url: str
    queue: str
    tmp: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **_clean_environ(),
            "DJANGO_SETTINGS_MODULE": "onboarding.settings.base",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_RESULT_BACKEND": RESULTS_URL,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "LOG_LEVEL": "INFO",
            **extra,
        }

    def django(self, code: str, timeout: float = 300, **env: str) -> Any:
        """Run ``code`` in a fresh Django process on this stack; it prints one JSON value, returned here."""
        script = "import django, json\ndjango.setup()\n" + textwrap.dedent(code)
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start_worker(self, name: str, *, pool: str = "solo", **env: str) -> tuple[subprocess.Popen[bytes], Path]:
        """Start ``celery worker`` on this stack's queue; returns once it says it is ready."""
        log = self.tmp / f"{name}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "onboarding",
            "worker",
            "--loglevel",
            "INFO",
            "--pool",
            pool,
            "--concurrency",
            "1",
            "--queues",
            self.queue,
            "--hostname",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env(**env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.workers.append(process)
        wait_for(
            lambda: " ready." in log.read_text(errors="replace"),
            timeout=60,
            what=f"worker {name} to start",
            log=log,
            process=process,
        )
        return process, log

    def stop(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def wait_for(
    check: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    log: Path | None = None,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log is not None else ""
    pytest.fail(f"timed out waiting for {what}\n{tail}")


def _postgres_database(url: str) -> tuple[str, Callable[[], None]]:
    """A new, empty PostgreSQL database on the server of ``url``; returns its URL and a dropper."""
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'jit'}_worker_{uuid.uuid4().hex[:8]}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


@pytest.fixture
def stack(redis_url: str, tmp_path: Path) -> Iterator[Stack]:
    """A migrated database of its own and a fresh queue; workers started on it are killed at the end."""
    configured = os.environ.get("DATABASE_URL", "")
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if configured.startswith(("postgres://", "postgresql://")):
        database_url, drop = _postgres_database(configured)
    else:
        database_url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    stack = Stack(database_url=database_url, queue=f"test-{uuid.uuid4().hex[:12]}", tmp=tmp_path)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr
    try:
        yield stack
    finally:
        stack.stop()
        _queue_forget(stack.queue)
        drop()


def _queue_forget(queue: str) -> None:
    """Remove the test's queue and any message a killed worker left unacknowledged for it."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.delete(queue)
    for tag, raw in client.hgetall("unacked").items():
        try:
            routing = json.loads(raw)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
