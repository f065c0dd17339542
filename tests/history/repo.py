"""Build a real git repository from the shared CPython snapshots, commit by commit (``git fast-import``).

Used by the history tests and by ``benchmarks/bench_history.py``: each `Step` is one commit
with its date, author, message and the files it writes (bytes) or deletes (``None``).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The demo manifest of main-line snapshots, oldest first (label, commit, repository, date).
MANIFEST = sorted(
    json.loads((ROOT / "fixtures" / "snapshots.json").read_text())["snapshots"],
    key=lambda entry: entry["date"],
)
DSL_FILES = ("Python/bytecodes.c", "Python/optimizer_bytecodes.c")


@dataclass(frozen=True)
class Step:
    """One commit: ``files`` maps a path to its new bytes, or to ``None`` to delete it."""

    when: dt.datetime
    subject: str
    files: dict[str, bytes | None] = field(default_factory=dict)
    author: tuple[str, str] = ("Ada Contributor", "ada@example.org")
    body: str = ""


def snapshot_files(cpython_dir: Path, label: str) -> dict[str, bytes | None]:
    """The DSL files of one shared snapshot (a missing optimizer_bytecodes.c becomes a deletion)."""
    files: dict[str, bytes | None] = {}
    for name in DSL_FILES:
        path = cpython_dir / label / name
        files[name] = path.read_bytes() if path.is_file() else None
    return files


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def build_repository(path: Path, steps: Iterable[Step], *, branch: str = "main") -> list[str]:
    """Create a git repository at ``path`` holding ``steps`` as commits on ``branch``; their shas, in order."""
    path.mkdir(parents=True, exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(path), "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", "-b", branch, str(path)], check=True, env=env)
    stream = bytearray()
    marks: dict[bytes, int] = {}
    mark = 0
    for number, step in enumerate(steps):
        changes = bytearray()
        for name, content in sorted(step.files.items()):
            if content is None:
                changes += b"D " + name.encode() + b"\n"
                continue
            if content not in marks:
                mark += 1
                marks[content] = mark
                stream += b"blob\nmark :%d\n" % mark + _data(content)
            changes += b"M 100644 :%d " % marks[content] + name.encode() + b"\n"
        stamp = b"%d +0000" % int(step.when.timestamp())
        who = f"{step.author[0]} <{step.author[1]}>".encode()
        message = (step.subject + ("\n\n" + step.body if step.body else "") + "\n").encode()
        stream += b"commit refs/heads/" + branch.encode() + b"\n"
        stream += b"author " + who + b" " + stamp + b"\ncommitter " + who + b" " + stamp + b"\n"
        stream += _data(message)
        if number == 0:
            stream += b"deleteall\n"
        stream += bytes(changes)
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=bytes(stream), check=True, env=env)
    out = subprocess.run(
        ["git", "-C", str(path), "rev-list", "--reverse", branch], check=True, env=env, capture_output=True, text=True
    )
    return out.stdout.split()
