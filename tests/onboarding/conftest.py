"""Fixtures for the site's tests: real snapshot scans, campaigns, tasks and people."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from pytest_django import DjangoDbBlocker

from onboarding.campaigns.models import Campaign, Task
from onboarding.contributors.models import Contributor

ROOT = Path(__file__).resolve().parents[2]
#: The demo manifest: label, commit, repository and date of each snapshot of main, oldest first.
MANIFEST = json.loads((ROOT / "fixtures" / "snapshots.json").read_text())["snapshots"]
SNAPSHOT = {entry["label"]: entry for entry in MANIFEST}
#: What the ``committed`` fixture gives: ``with committed(): write``.
Committed = Callable[[], AbstractContextManager[object]]


@pytest.fixture
def scan_label(cpython_dir: Path) -> Callable[..., object]:
    """Scan one shared snapshot by label with the manifest's commit and date (overridable)."""
    from onboarding.snapshots.services import scan_run

    def scan(name: str, /, **overrides: object) -> object:
        entry = SNAPSHOT[name]
        options: dict[str, object] = {
            "path": cpython_dir / name,
            "label": name,
            "commit": entry["commit"],
            "repository": entry["repository"],
            "date": dt.date.fromisoformat(entry["date"]),
        }
        options.update(overrides)
        return scan_run(**options)  # type: ignore[arg-type]

    return scan


@pytest.fixture(scope="module")
def demo_history(django_db_setup: None, django_db_blocker: DjangoDbBlocker, cpython_dir: Path) -> Iterator[None]:
    """All five demo snapshots scanned in date order, once per test module, then flushed.

    Tests that use it also take ``db``: their own writes are rolled back after each test.
    """
    with django_db_blocker.unblock():
        call_command("scan_snapshots", str(ROOT / "fixtures" / "snapshots.json"), root=str(cpython_dir), verbosity=0)
        call_command("loaddata", str(ROOT / "fixtures" / "users.json"), verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


_numbers = itertools.count(1)


@pytest.fixture
def make_contributor(db: None) -> Callable[..., Contributor]:
    """Create a user with a contributor profile; ``maintainer=True`` grants the role."""

    def make(handle: str | None = None, *, maintainer: bool = False, password: str = "pw") -> Contributor:
        handle = handle or f"person-{next(_numbers)}"
        user = User.objects.create_user(username=handle, password=password)
        return Contributor.objects.create(user=user, github_handle=handle, is_maintainer=maintainer)

    return make


@pytest.fixture
def make_task(db: None) -> Callable[..., Task]:
    """Create a task (and its campaign) without scanning: for the claim rules."""

    def make(
        name: str | None = None, *, status: str = Task.Status.TODO, campaign: str = "refcount", **fields: object
    ) -> Task:
        camp, _ = Campaign.objects.get_or_create(slug=campaign, defaults={"title": campaign.title(), "issue": "gh-1"})
        values: dict[str, object] = {
            "kind": "inst",
            "uop": name or "X",
            "difficulty": Task.Difficulty.EASY,
            "file": "Python/bytecodes.c",
            "line": 10,
            "end_line": 12,
            "definition": "inst(X, (--)) {\n}\n",
        }
        values.update(fields)
        return Task.objects.create(campaign=camp, name=name or f"OP_{next(_numbers)}", status=status, **values)

    return make


@pytest.fixture(scope="session", autouse=True)
def _reuse_analyses_of_unchanged_files() -> Iterator[None]:
    """Analyze each real snapshot once per test session: Analysis objects are frozen, and the
    scan service's database work is what these tests exercise. Errors are never cached."""
    from onboarding.snapshots import services

    real = services.analyze

    @functools.lru_cache(maxsize=16)
    def cached(key: tuple[str, float]) -> object:
        return real(key[0])

    def analyze(path: str | Path) -> object:
        p = Path(path).resolve()
        bytecodes = p / "Python" / "bytecodes.c" if p.is_dir() else p
        if not bytecodes.is_file():
            return real(path)
        return cached((str(p), bytecodes.stat().st_mtime))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "analyze", analyze)
        yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[object]]) -> Committed:
    """``with committed(): write`` runs the write's on-commit callbacks, as its commit would
    (tests run inside a transaction, so the page cache's version bump would never run)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def page_cache(settings: Any) -> None:
    """Page caching on (the test settings turn it off), from an empty cache; changing the setting
    also empties this process's memos (`onboarding.web.pagecache.settings_changed`)."""
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()


def signed_in(username: str, committed: Committed) -> Client:
    """A test client signed in as ``username`` (signing in writes ``last_login``, so under ``committed``)."""
    client = Client()
    with committed():
        client.force_login(User.objects.get(username=username))
    return client
