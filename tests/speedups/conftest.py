"""Fixtures for the speedups tests: the real pyperf result files in the shared corpus, imported."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from onboarding.claims.models import PullRequest
from onboarding.speedups.models import BenchmarkRun
from onboarding.speedups.services import benchmark_run_import
from tests.api.conftest import _fresh_throttles, api  # noqa: F401  (fixtures: no throttle counters, an API client)

JIT_DEFAULT = "pyperf-jit/20260811-0edaa75-default-gcc-x86_64.json"
JIT_JIT = "pyperf-jit/20260811-0edaa75-jit-gcc-x86_64.json"
MULT_LIST_36 = "pyperf/pyperf-20201013-mult_list-py3.6.12-nojit-linux-x86_64.json"
MULT_LIST_38 = "pyperf/pyperf-20201013-mult_list-py3.8.5-nojit-linux-x86_64.json"
#: Two runs of the Faster CPython series with the same benchmark_hash (9d713f).
FC_20221112 = "pyperf/fc-20221112-57be545-3.12.0a2plus-nojit-linux-x86_64.json"
FC_20221119 = "pyperf/fc-20221119-b0e1f9c-3.12.0a3plus-nojit-linux-x86_64.json"
#: The usual reference build of the series (3.10.4), benchmark_hash 215d35.
FC_310_REFERENCE = "pyperf/fc-20220323-9d38120-3.10.4-nojit-linux-x86_64.json"
GZ_PY27 = "pyperf/pyperf-20170317-timeit-py2.7.13-nojit-linux-x86_64.json.gz"
GZ_PY35 = "pyperf/pyperf-20170317-timeit-py3.5.2-nojit-linux-x86_64.json.gz"


@pytest.fixture(scope="session")
def benchmarks_dir(shared_dir: Path) -> Path:
    return shared_dir / "benchmarks"


@pytest.fixture
def import_file(db: None, benchmarks_dir: Path) -> Callable[..., BenchmarkRun]:
    """Import a file of the shared corpus (path relative to benchmarks/, or absolute) and return its run."""

    def run_import(name: str | Path, **options: str) -> BenchmarkRun:
        path = benchmarks_dir / name
        return benchmark_run_import(content=path.read_bytes(), file_name=path.name, **options).run

    return run_import


@pytest.fixture
def jit_pair(import_file: Callable[..., BenchmarkRun]) -> tuple[BenchmarkRun, BenchmarkRun]:
    """(default run, JIT run) of CPython 3.14.7 at 0edaa75 on the same machine."""
    return import_file(JIT_DEFAULT), import_file(JIT_JIT)


@pytest.fixture
def derived_file(benchmarks_dir: Path, tmp_path: Path) -> Callable[..., Path]:
    """Write a copy of a real file as another commit, optionally with every value scaled.

    For attribution, which needs JIT/default pairs of two commits and the corpus has one: the
    copy keeps the real values (times ``scale``) and pyperf's format, with a new commit id and date.
    """

    def derive(name: str, *, commit_id: str, commit_date: str, scale: float = 1.0, gz: bool = False) -> Path:
        data = json.loads((benchmarks_dir / name).read_text())
        data["metadata"].update(commit_id=commit_id, commit_date=commit_date)
        for bench in data["benchmarks"]:
            for run in bench["runs"]:
                if "values" in run:
                    run["values"] = [value * scale for value in run["values"]]
        text = json.dumps(data)
        path = tmp_path / f"{commit_id[:7]}-{scale}-{Path(name).name}"
        if gz:
            path = path.with_name(path.name + ".gz")
            path.write_bytes(gzip.compress(text.encode()))
        else:
            path.write_text(text)
        return path

    return derive


@pytest.fixture
def merged_pull_request(db: None) -> Callable[..., PullRequest]:
    """A merged conversion pull request (claims app) with the given merge date."""

    def make(merged_at: dt.datetime, number: int = 140000, title: str = "Convert _BINARY_OP_ADD_INT") -> PullRequest:
        return PullRequest.objects.create(
            url=f"https://github.com/python/cpython/pull/{number}",
            repo="python/cpython",
            number=number,
            title=title,
            state=PullRequest.State.MERGED,
            merged_at=merged_at,
        )

    return make
