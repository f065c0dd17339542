"""Reading a CPython checkout's history of the DSL files with git (``git log``, ``git cat-file --batch``).

Everything goes through ``git`` subprocesses (no work-tree change); failures raise
`GitHistoryError` with git's own message, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from analyzer.source import BYTECODES_PATH, OPTIMIZER_PATH
from onboarding.errors import ApplicationError

__all__ = ["Commit", "GitHistoryError", "blob_ids", "blob_texts", "commits_touching", "pr_number", "repository_check"]

#: The files whose versions decide the campaigns (CPython paths).
DSL_PATHS = (BYTECODES_PATH, OPTIMIZER_PATH)
#: CPython's squash-merge subjects end with ``(#140123)``; older backports say ``(GH-140123)``.
PR_RE = re.compile(r"\((?:#|GH-)(\d{1,7})\)", re.IGNORECASE)
_FIELDS = ("%H", "%an", "%ae", "%cI", "%s")
_TIMEOUT = 600


class GitHistoryError(ApplicationError):
    """The path is no git checkout, the branch is unknown, or git failed; ``message`` says which."""


@dataclass(frozen=True)
class Commit:
    """One commit that touched the DSL files: sha (40 hex), author, committer date (aware), subject."""

    sha: str
    author_name: str
    author_email: str
    committed_at: dt.datetime
    subject: str

    @property
    def pr_number(self) -> int | None:
        return pr_number(self.subject)


def pr_number(subject: str) -> int | None:
    """The pull request a commit subject names: its last ``(#N)`` or ``(GH-N)``, else ``None``.

    A revert's subject quotes the reverted commit's (``Revert "gh-1: … (#10)" (#12)``); only
    what follows the quote counts, so a revert without its own number gets ``None``.
    """
    if subject.startswith('Revert "') and subject.count('"') >= 2:
        subject = subject[subject.rindex('"') + 1 :]
    found = PR_RE.findall(subject)
    return int(found[-1]) if found else None


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], input=stdin, capture_output=True, check=False, timeout=_TIMEOUT
        )
    except FileNotFoundError:
        raise GitHistoryError("git is not installed (it is needed to read the history)") from None
    except subprocess.TimeoutExpired:
        raise GitHistoryError(f"{repo}: git {args[0]} took longer than {_TIMEOUT} s") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitHistoryError(f"{repo}: git {args[0]} failed: {detail[-1] if detail else done.returncode}")
    return done.stdout


def repository_check(repo: str | Path, *, branch: str) -> Path:
    """The checkout's top folder as a `Path`, after checking it is one and that ``branch`` names a commit.

    Raises `GitHistoryError` for a missing path, a file, a folder that is not the top of a
    git checkout, or an unknown branch.
    """
    path = Path(repo)
    if not path.exists():
        raise GitHistoryError(f"{repo}: no such directory (give the top folder of a CPython git checkout)")
    if not path.is_dir():
        raise GitHistoryError(f"{repo}: is a file, expected the top folder of a CPython git checkout")
    try:
        top = _git(path, "rev-parse", "--show-toplevel").decode().strip()
    except GitHistoryError:
        raise GitHistoryError(f"{repo}: not a git repository (give the top folder of a CPython git checkout)") from None
    if Path(top).resolve() != path.resolve():
        raise GitHistoryError(f"{repo}: is inside the git checkout {top}; give its top folder")
    try:
        _git(path, "rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}")
    except GitHistoryError:
        raise GitHistoryError(f"{repo}: no branch or commit called {branch!r}") from None
    return path


def commits_touching(
    repo: Path, *, branch: str, since: dt.date | None = None, until: dt.date | None = None
) -> list[Commit]:
    """Commits of ``branch`` that changed bytecodes.c or optimizer_bytecodes.c, oldest first.

    ``since``/``until`` bound the committer date, both days included (UTC).
    """
    args = ["log", "--reverse", "-z", "--format=" + "%x1f".join(_FIELDS), branch]
    if since is not None:
        args.append(f"--since={since.isoformat()}T00:00:00Z")
    if until is not None:
        args.append(f"--until={until.isoformat()}T23:59:59Z")
    out = _git(repo, *args, "--", *DSL_PATHS).decode("utf-8", "replace")
    commits = []
    for record in out.split("\0"):
        if not record.strip():
            continue
        sha, name, email, date, subject = record.strip("\n").split("\x1f", 4)
        commits.append(Commit(sha, name, email, dt.datetime.fromisoformat(date), subject))
    return commits


def blob_ids(repo: Path, revisions: Iterable[str]) -> dict[tuple[str, str], str | None]:
    """The blob id of each DSL file at each revision (``None`` where absent), from one ``git cat-file``.

    Keys are ``(revision, path)``; a revision may be any name git knows (``SHA^`` for a parent;
    a root commit's parent is simply absent).
    """
    queries = [(rev, path) for rev in revisions for path in DSL_PATHS]
    if not queries:
        return {}
    stdin = "".join(f"{rev}:{path}\n" for rev, path in queries).encode()
    lines = _git(repo, "cat-file", "--batch-check=%(objectname) %(objecttype)", stdin=stdin).decode().splitlines()
    found: dict[tuple[str, str], str | None] = {}
    for query, line in zip(queries, lines, strict=True):
        parts = line.split()
        found[query] = parts[0] if len(parts) == 2 and parts[1] == "blob" else None
    return found


def blob_texts(repo: Path, blobs: Iterable[str]) -> dict[str, str]:
    """The text (UTF-8, bad bytes replaced) of each blob id, read in one ``git cat-file --batch``."""
    ids = list(dict.fromkeys(blobs))
    if not ids:
        return {}
    out = _git(repo, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in ids).encode())
    texts: dict[str, str] = {}
    pos = 0
    for blob in ids:
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].decode().split()
        if len(header) != 3:
            raise GitHistoryError(f"{repo}: git cat-file cannot read blob {blob}")
        size = int(header[2])
        start = header_end + 1
        texts[blob] = out[start : start + size].decode("utf-8", "replace")
        pos = start + size + 1
    return texts
