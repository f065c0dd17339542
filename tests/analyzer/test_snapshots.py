"""Every real CPython snapshot in the shared corpus reads without error or model violation."""

from __future__ import annotations

from functools import cache

import pytest

from analyzer.analysis import Analysis, analyze
from analyzer.campaigns import run_all
from analyzer.model import InstDef
from tests.conftest import CPYTHON_DIR, SNAPSHOTS

#: Definition counts measured independently with a grep of header lines (DSL-NOTES.md section 2).
EXPECTED_COUNTS = {
    "3.14a-2024-06": (145, 140, 67, 15, 8, 0),
    "3.13.0-release": (145, 139, 66, 15, 12, 0),
    "3.14.7-release": (118, 204, 109, 17, 11, 6),
    "3.15a-2025-07": (115, 225, 110, 16, 11, 6),
    "3.15a-2025-08": (115, 231, 110, 16, 11, 6),
    "3.15a-2026-02": (109, 266, 120, 17, 11, 7),
    "main-2026-06": (96, 332, 139, 18, 11, 8),
}
#: Optimizer cases per snapshot (DSL-NOTES.md section 8); None where the file is absent.
EXPECTED_OPTIMIZER_CASES = {
    "3.14a-2024-06": None,
    "3.13.0-release": 67,
    "3.14.7-release": 116,
    "3.15a-2025-07": None,
    "3.15a-2025-08": 135,
    "3.15a-2026-02": 165,
    "main-2026-06": 228,
}


@cache
def analysis_of(label: str) -> Analysis:
    return analyze(CPYTHON_DIR / label)


def test_corpus_has_every_snapshot_the_notes_measured():
    assert set(EXPECTED_COUNTS) <= set(SNAPSHOTS)


@pytest.mark.parametrize("label", SNAPSHOTS)
def test_definition_counts_match_an_independent_count(label):
    counts = analysis_of(label).counts()
    expected = EXPECTED_COUNTS.get(label)
    assert expected is not None, f"new snapshot {label}: add its counts to EXPECTED_COUNTS"
    assert tuple(counts.values()) == expected


@pytest.mark.parametrize("label", SNAPSHOTS)
def test_no_model_errors_on_real_snapshots(label):
    analysis = analysis_of(label)
    assert analysis.errors == ()
    assert len(analysis.optimizer_cases) == (EXPECTED_OPTIMIZER_CASES[label] or 0)


@pytest.mark.parametrize("label", SNAPSHOTS)
def test_only_known_warning_is_the_real_duplicate_for_iter(label):
    warnings = analysis_of(label).warnings
    if label == "main-2026-06":
        assert [(w.line, w.message.split(" (")[0]) for w in warnings] == [(3856, "macro 'FOR_ITER' is defined again")]
    else:
        assert warnings == ()


@pytest.mark.parametrize("label", SNAPSHOTS)
def test_definitions_span_real_lines(label):
    analysis = analysis_of(label)
    source = analysis.tree.bytecodes
    for d in analysis.bytecodes.definitions:
        header = source.line_text(d.line)
        assert d.name in header, (d.name, d.line, header)
        assert d.end_line >= d.line
        if isinstance(d, InstDef):
            assert source.line_text(d.end_line).strip().endswith("}")


@pytest.mark.parametrize("label", SNAPSHOTS)
def test_every_campaign_finding_is_unique_and_located(label):
    analysis = analysis_of(label)
    for slug, result in run_all(analysis).items():
        names = [f.name for f in result.findings]
        assert len(names) == len(set(names)), slug
        for f in result.findings:
            assert f.status in ("todo", "done", "not_applicable")
            assert f.difficulty in ("easy", "medium", "hard") and f.reasons
            assert f.evidence and all(e.line > 0 for e in f.evidence)
