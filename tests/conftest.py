"""Shared test fixtures: where the real CPython snapshots live."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The shared corpus (real CPython snapshots, pyperf results, webhook payloads).
#: Override with JIT_SHARED_DIR; the default is ../shared beside the project.
SHARED_DIR = Path(os.environ.get("JIT_SHARED_DIR", ROOT.parent / "shared")).resolve()
CPYTHON_DIR = SHARED_DIR / "cpython"
SNAPSHOTS = sorted(p.name for p in CPYTHON_DIR.iterdir() if p.is_dir()) if CPYTHON_DIR.is_dir() else []


def pytest_configure(config: pytest.Config) -> None:
    if not CPYTHON_DIR.is_dir():
        raise pytest.UsageError(
            f"the shared corpus is missing: {CPYTHON_DIR} does not exist; "
            "set JIT_SHARED_DIR to the folder holding cpython/, benchmarks/ and github-webhooks/"
        )


def unavailable(message: str) -> NoReturn:
    """A tool or service a test needs is missing: a failure in CI (``CI=true``, where `.ci/run`
    provides it), a skip naming how to get it elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED_DIR


@pytest.fixture(scope="session")
def cpython_dir() -> Path:
    return CPYTHON_DIR


def git(cwd: Path | str, *args: str) -> str:
    """Run ``git ARGS`` in ``cwd`` with a fixed identity and no user configuration; its stdout, stripped."""
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()
