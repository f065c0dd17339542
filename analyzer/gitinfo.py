"""The commit a CPython checkout is at, so that reports can link to the exact lines they describe."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import NamedTuple

from analyzer.source import BYTECODES_PATH, OPTIMIZER_PATH, Source, SourceTree

__all__ = ["CheckoutHead", "checkout_head", "tree_at_commit"]


class CheckoutHead(NamedTuple):
    """``commit``: 40 hex digits; ``date``: the commit date (committer's, as ``git log %cs`` gives it)."""

    commit: str
    date: dt.date


def checkout_head(path: str | Path) -> CheckoutHead | None:
    """HEAD of the git checkout whose top folder is ``path``, or ``None``.

    ``None`` when ``path`` is not the top of a checkout (no ``path/.git``: a folder inside some
    other repository is deliberately not looked up the tree), when git is not installed, or when
    git fails (no commit yet). Runs ``git -C path log -1 --format=%H %cs`` with a 30 s timeout;
    never raises.
    """
    root = Path(path)
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%H %cs"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.split()
        return CheckoutHead(out[0], dt.date.fromisoformat(out[1])) if len(out) == 2 else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def tree_at_commit(path: str | Path, commit: str) -> SourceTree | None:
    """The DSL files of ``commit`` in the git checkout whose top folder is ``path``, or ``None``.

    Reads ``Python/bytecodes.c`` and, when that commit has it, ``Python/optimizer_bytecodes.c``
    with ``git show COMMIT:FILE`` (nothing in the work tree changes). ``test_opt`` is ``None``:
    the test file is only read from a work tree. ``None`` when ``path`` is not a checkout's
    top, git is missing, or the commit or its bytecodes.c is unknown to the repository.
    """
    root = Path(path)
    if not (root / ".git").exists():
        return None
    texts: dict[str, str | None] = {}
    for name in (BYTECODES_PATH, OPTIMIZER_PATH):
        try:
            done = subprocess.run(
                ["git", "-C", str(root), "show", f"{commit}:{name}"],
                capture_output=True,
                check=False,
                timeout=60,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        texts[name] = done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 else None
    bytecodes, optimizer = texts[BYTECODES_PATH], texts[OPTIMIZER_PATH]
    if bytecodes is None:
        return None
    return SourceTree(
        root=None,
        bytecodes=Source.from_text(bytecodes, name=BYTECODES_PATH),
        optimizer=Source.from_text(optimizer, name=OPTIMIZER_PATH) if optimizer is not None else None,
        test_opt=None,
    )
