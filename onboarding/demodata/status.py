"""The demo data loader's progress, kept in one small JSON file the site reads.

The file (``settings.DEMO_DATA_STATUS_FILE``, default ``var/demo-data.json``; empty turns the
banner off) is written by ``manage.py load_demo_data`` before and after every step, atomically
(a temporary file renamed over it), so a reader sees either the old or the new state. Shape::

    {"database": "<when the database's first migration was applied>",
     "pid": 1234,                      # the loader's process id
     "log": "/path/var/demo-data.log", # where the loader writes its progress
     "started_at": "2026-12-06T23:50:00+00:00", "finished_at": null,
     "steps": [{"name": "scan", "title": "...", "args": [...], "status": "done",
                "error": "", "seconds": 18.8}, ...]}

A step's ``status`` is ``pending``, ``running``, ``done``, ``failed`` or ``skipped`` (its input
is missing). ``database`` ties the file to one database: a loader run against a new database
starts over instead of trusting steps done in another one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings

__all__ = ["FINISHED", "loader_alive", "read_status", "status_path", "write_status"]

#: Step states after which nothing is left to do for that step.
FINISHED = frozenset({"done", "skipped"})


def status_path() -> Path | None:
    """The status file from ``settings.DEMO_DATA_STATUS_FILE``, or ``None`` when it is empty."""
    name = getattr(settings, "DEMO_DATA_STATUS_FILE", "")
    return Path(name) if name else None


def read_status() -> dict[str, Any] | None:
    """The loader's last written state, or ``None`` (no file, unreadable, or not the expected shape)."""
    path = status_path()
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        return None
    return data


def write_status(data: dict[str, Any]) -> None:
    """Replace the status file with ``data`` in one rename (readers never see half a file)."""
    path = status_path()
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".demo-data-", suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=1)
    os.replace(tmp, path)


def loader_alive(pid: object) -> bool:
    """Whether a process with this id still runs (``False`` for a missing or bad id)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
