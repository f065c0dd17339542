"""A real git history of the shared main-line snapshots, with a trivial edit, a revert and its re-apply."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from .repo import MANIFEST, Step, build_repository, snapshot_files

UTC = dt.UTC


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass(frozen=True)
class History:
    """The built repository, its commit shas by name, and the steps that made it."""

    path: Path
    sha: dict[str, str]
    steps: dict[str, Step]


#: Names of the commits, in order; those named after a snapshot label write that snapshot.
def history_steps(cpython_dir: Path) -> dict[str, Step]:
    labels = [entry["label"] for entry in MANIFEST]
    assert labels == ["3.14a-2024-06", "3.15a-2025-07", "3.15a-2025-08", "3.15a-2026-02", "main-2026-06"]
    files = {label: snapshot_files(cpython_dir, label) for label in labels}
    trivial = dict(files["3.15a-2026-02"])
    trivial["Python/bytecodes.c"] = (trivial["Python/bytecodes.c"] or b"") + b"\n// A trailing comment.\n"
    return {
        "initial": Step(at("2024-06-01"), "Initial commit", {"README.rst": b"CPython\n"}),
        "3.14a-2024-06": Step(
            at("2024-06-15"),
            "gh-120000: Generate the interpreter from the DSL (#120001)",
            files["3.14a-2024-06"],
            author=("Brandt Example", "brandt@example.org"),
        ),
        "docs": Step(at("2024-07-01"), "gh-120500: Fix a typo in the README (#120501)", {"README.rst": b"CPython.\n"}),
        "3.15a-2025-07": Step(
            at("2025-07-01"), "gh-135000: Move the tier 2 uops around (#135001)", files["3.15a-2025-07"]
        ),
        "3.15a-2025-08": Step(
            at("2025-08-15"),
            "[3.15] gh-131798: Add optimizer_bytecodes.c cases (GH-137000)",
            files["3.15a-2025-08"],
            author=("Ken Example", "ken@example.org"),
        ),
        "3.15a-2026-02": Step(
            at("2026-02-20"),
            "gh-134584: Convert _BINARY_OP to leave its inputs to POP_TOP (#140123)",
            files["3.15a-2026-02"],
            author=("Nadia Example", "nadia@example.org"),
            body="Co-authored-by: Someone Else <else@example.org>",
        ),
        "trivial": Step(at("2026-02-21"), "gh-140124: Add a comment to bytecodes.c (#140125)", trivial),
        "revert": Step(
            at("2026-03-01"),
            'Revert "gh-134584: Convert _BINARY_OP to leave its inputs to POP_TOP (#140123)" (#140200)',
            files["3.15a-2025-08"],
            author=("Release Manager", "rm@example.org"),
            body="This reverts commit 0123456789abcdef.",
        ),
        "reapply": Step(
            at("2026-03-05"),
            "gh-134584: Convert _BINARY_OP to leave its inputs to POP_TOP, again (#140300)",
            trivial,
            author=("Nadia Example", "nadia@example.org"),
        ),
        "tests": Step(at("2026-04-01"), "gh-141000: Test more (#141001)", {"Lib/test/test_x.py": b"pass\n"}),
        "main-2026-06": Step(at("2026-06-08"), "gh-148171: Convert the call uops (#148200)", files["main-2026-06"]),
    }


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory, cpython_dir: Path) -> History:
    """The repository, built once per session (tests only read it)."""
    steps = history_steps(cpython_dir)
    path = tmp_path_factory.mktemp("history") / "cpython"
    shas = build_repository(path, steps.values())
    return History(path=path, sha=dict(zip(steps, shas, strict=True)), steps=steps)
