"""Task guides rendered at scan time by the analyzer's one guide renderer (DESIGN.md section 5)."""

from __future__ import annotations

import logging
from pathlib import Path

from analyzer.analysis import Analysis, analyze, analyze_tree
from analyzer.campaigns import CampaignResult
from analyzer.errors import AnalyzerError
from analyzer.history import Conversion, conversions_between, worked_example
from analyzer.markdown import CPYTHON_REPOSITORY, render_guide
from analyzer.source import SourceTree
from analyzer.testopt import TestOptIndex, scan_test_opt

logger = logging.getLogger(__name__)


def task_guides_build(
    *,
    analysis: Analysis,
    results: dict[str, CampaignResult],
    previous: SourceTree | str | Path | None = None,
    commit: str | None = None,
    repository: str = CPYTHON_REPOSITORY,
    snapshots: tuple[str, str] | None = None,
) -> dict[tuple[str, str], str]:
    """Guide Markdown for every ``todo`` or ``done`` finding, keyed by (campaign slug, task name).

    ``previous`` is the snapshot scanned before this one (its sources, or the checkout that
    still holds them): conversions between the two give each guide its worked example. When
    it is missing or unreadable the guides have no example (logged), never a failed scan.
    ``snapshots`` (the previous snapshot's label, this one's) lets each worked example name
    where it came from. The test index comes from the snapshot's own
    Lib/test/test_capi/test_opt.py when it has one.
    """
    tests = _tests_of(analysis)
    older = _previous_analysis(previous)
    guides: dict[tuple[str, str], str] = {}
    for slug, result in results.items():
        if not result.evaluated:
            continue
        conversions: list[Conversion] = conversions_between(older, analysis, slug) if older else []
        for finding in result.findings:
            if finding.status not in ("todo", "done"):
                continue
            example = worked_example(finding, analysis, conversions) if finding.status == "todo" else None
            guides[(slug, finding.name)] = render_guide(
                finding,
                analysis,
                commit=commit,
                tests=tests,
                example=example,
                repository=repository,
                snapshots=snapshots,
            )
    return guides


def _tests_of(analysis: Analysis) -> TestOptIndex | None:
    if not analysis.tree.test_opt:
        return None
    try:
        return scan_test_opt(analysis.tree.test_opt)
    except AnalyzerError as exc:
        logger.warning("guides will not point at tests: %s", exc)
        return None


def _previous_analysis(previous: SourceTree | str | Path | None) -> Analysis | None:
    if not previous:
        return None
    try:
        return analyze_tree(previous) if isinstance(previous, SourceTree) else analyze(previous)
    except AnalyzerError as exc:
        logger.warning("no worked examples: the previous snapshot cannot be read: %s", exc)
        return None
