"""The commit a CPython checkout is at, so that reports can link to the exact lines they describe."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import NamedTuple

__all__ = ["CheckoutHead", "checkout_head"]


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
