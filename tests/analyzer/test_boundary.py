"""analyzer/ stays a pure library: no Django, DRF or Celery, and a checked public surface."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

FORBIDDEN = ("django", "rest_framework", "celery", "onboarding")


def test_importing_every_analyzer_module_loads_no_web_framework():
    code = (
        "import importlib, pkgutil, sys, analyzer\n"
        "for m in pkgutil.walk_packages(analyzer.__path__, 'analyzer.'):\n"
        "    if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_no_analyzer_source_mentions_a_web_framework_import():
    offenders = []
    for path in (ROOT / "analyzer").rglob("*.py"):
        for line in path.read_text().splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]) and words[1].split(".")[0] in FORBIDDEN:
                offenders.append(f"{path}: {line}")
    assert offenders == []


def isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_public_modules_declare_a_sorted_all():
    import importlib

    for name in (
        "analyzer.errors",
        "analyzer.source",
        "analyzer.model",
        "analyzer.lexer",
        "analyzer.parser",
        "analyzer.analysis",
        "analyzer.report",
        "analyzer.cli",
        "analyzer.campaigns",
        "analyzer.campaigns.base",
        "analyzer.markdown",
        "analyzer.testopt",
    ):
        module = importlib.import_module(name)
        assert module.__all__ == sorted(module.__all__, key=isort_key), name
        assert all(hasattr(module, n) for n in module.__all__), name
