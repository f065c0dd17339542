"""House style: other libraries are used through their public API only (STYLE.md, last section).

No module of ``onboarding/`` or ``analyzer/`` imports another package's private module or name
(``pyperf._utils``, ``from pyperf._formatter import ...``, ``from x import _name``), nor loads
one by string (``importlib.import_module("pyperf._compare")``). Our own packages may split
themselves into private modules (``analyzer._testopt_cst``). Tests may import private pyperf
functions to prove a vendored copy equal.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWN_PACKAGES = {"onboarding", "analyzer", "__future__"}


def _private(module: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in module.split("."))


def private_imports(source: str, file_name: str) -> list[str]:
    """``file:line: what`` for each import of another package's private module or name in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source, file_name)):
        modules: list[tuple[str, str]] = []
        if isinstance(node, ast.Import):
            modules = [(alias.name, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [(node.module, node.module)]
            if not _private(node.module):
                modules += [
                    (f"{node.module}.{alias.name}", f"{node.module} import {alias.name}") for alias in node.names
                ]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"import_module", "__import__"} and isinstance(node.args[0].value, str):
                modules = [(node.args[0].value, node.args[0].value)]
        for module, shown in modules:
            if module.split(".")[0] not in OWN_PACKAGES and _private(module):
                found.append(f"{file_name}:{node.lineno}: imports private {shown}")
    return found


def test_no_module_of_ours_imports_a_private_module_of_another_library() -> None:
    files = sorted(path for package in ("onboarding", "analyzer") for path in (ROOT / package).rglob("*.py"))
    assert len(files) > 100
    found = [hit for path in files for hit in private_imports(path.read_text(), str(path.relative_to(ROOT)))]
    assert found == []


@pytest.mark.parametrize(
    "line",
    [
        "from pyperf._utils import is_significant",
        "from pyperf import _utils",
        "import pyperf._formatter",
        "import pyperf._compare as compare",
        "from django.db.models._private import x",
        "importlib.import_module('pyperf._compare')",
        "def f():\n    from pyperf._formatter import format_value",
    ],
)
def test_the_check_finds_each_way_of_importing_a_private_module(line: str) -> None:
    assert len(private_imports(line, "m.py")) == 1


@pytest.mark.parametrize(
    "line",
    [
        "import pyperf",
        "from pyperf import Benchmark, Run",
        "from analyzer._testopt_cst import collect",
        "from __future__ import annotations",
        "from . import _helpers",
        "x = pyperf_utils._cache  # not an import",
    ],
)
def test_public_and_own_imports_pass(line: str) -> None:
    assert private_imports(line, "m.py") == []
