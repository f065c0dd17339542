"""Random mutations of a real snapshot raise nothing but the analyzer's own located error."""

from __future__ import annotations

from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.analysis import analyze_tree
from analyzer.campaigns import run_all
from analyzer.campaigns.base import STATUSES
from analyzer.errors import DSLSyntaxError
from analyzer.markdown import render_guide
from analyzer.source import Source, SourceTree
from tests.conftest import CPYTHON_DIR

TOKENS = [
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    ";",
    "--",
    "/",
    "+",
    "=",
    '"',
    "'",
    "/*",
    "*/",
    "//",
    "\n",
    "inst",
    "op(",
    "macro",
    "family",
    "pseudo",
    "label",
    "unused",
    "replicate(",
    "#if 0\n",
    "x",
    "1",
]


@cache
def real_text() -> str:
    return (CPYTHON_DIR / "3.15a-2026-02" / "Python" / "bytecodes.c").read_text()


mutation = st.tuples(
    st.sampled_from(["insert", "delete", "replace"]),
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
    st.integers(min_value=1, max_value=40),
    st.sampled_from(TOKENS),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_snapshot_gives_a_result_or_a_located_error(mutations):
    text = real_text()
    for action, where, length, token in mutations:
        pos = int(where * len(text))
        if action == "insert":
            text = text[:pos] + token + text[pos:]
        elif action == "delete":
            text = text[:pos] + text[pos + length :]
        else:
            text = text[:pos] + token + text[pos + len(token) :]
    source = Source.from_text(text, name="Python/bytecodes.c")
    try:
        analysis = analyze_tree(SourceTree(None, source, None, None))
    except DSLSyntaxError as exc:
        lines = text.count("\n") + 1
        assert 1 <= exc.line <= lines and exc.column >= 1
        assert exc.render().startswith(f"Python/bytecodes.c:{exc.line}:{exc.column}: ")
        return
    results = run_all(analysis)
    # A campaign may legitimately find nothing in a mutated file (no composite uop left for
    # decompose, as in main-2026-06 itself); what it does find is located in the file.
    lines = text.count("\n") + 1
    for result in results.values():
        for finding in result.findings:
            assert finding.status in STATUSES
            assert 1 <= finding.line <= finding.end_line <= lines, finding
    # Every guide of the mutated snapshot renders too (the guide code reads the same bodies).
    for result in results.values():
        for finding in result.findings:
            if finding.status == "todo":
                assert render_guide(finding, analysis).startswith(f"## `{finding.name}`")
