"""One version of the DSL files analyzed into campaign statuses (no database; Celery workers run it too)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import analyzer
from analyzer.analysis import analyze_tree
from analyzer.campaigns import run_all
from analyzer.errors import AnalyzerError, DSLSyntaxError
from analyzer.source import BYTECODES_PATH, OPTIMIZER_PATH, Source, SourceTree

#: ``{slug: {"evaluated": bool, "statuses": {finding name: status}}}``
Statuses = dict[str, dict[str, Any]]


@functools.cache
def analyzer_fingerprint() -> str:
    """SHA-256 (hex) of the analyzer package's Python sources, by relative path: changes when its rules do."""
    root = Path(analyzer.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def version_statuses(*, bytecodes: str, optimizer: str | None) -> tuple[Statuses, str]:
    """Analyze one version given as text; returns ``(statuses, "")`` or ``({}, message)``.

    The message is the analyzer's located error (``Python/bytecodes.c:12:3: …``) when it
    rejects the text; nothing is raised for bad DSL, so one broken commit cannot stop a backfill.
    """
    tree = SourceTree(
        root=None,
        bytecodes=Source.from_text(bytecodes, name=BYTECODES_PATH),
        optimizer=Source.from_text(optimizer, name=OPTIMIZER_PATH) if optimizer is not None else None,
        test_opt=None,
    )
    try:
        results = run_all(analyze_tree(tree))
    except AnalyzerError as exc:
        return {}, exc.render() if isinstance(exc, DSLSyntaxError) else str(exc)
    return {
        slug: {
            "evaluated": result.evaluated,
            "statuses": {f.name: f.status for f in result.findings} if result.evaluated else {},
        }
        for slug, result in results.items()
    }, ""
