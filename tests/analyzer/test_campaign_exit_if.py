"""Campaign ``exit-if`` (gh-145692) on every shared snapshot, and its flips 3.15a-2026-02 → main-2026-06."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from analyzer.analysis import Analysis, analyze
from analyzer.campaigns import REGISTRY, Finding, run_all
from analyzer.campaigns.exit_if import SLUG, exit_sites
from analyzer.markdown import render_guide
from tests.conftest import CPYTHON_DIR, SNAPSHOTS

BEFORE, AFTER = "3.15a-2026-02", "main-2026-06"


@cache
def analysis(label: str) -> Analysis:
    return analyze(CPYTHON_DIR / label)


@cache
def findings(label: str) -> dict[str, Finding]:
    return {f.name: f for f in run_all(analysis(label), [SLUG])[SLUG].findings}


def deopt_lines(label: str) -> int:
    """Lines of bytecodes.c that mention DEOPT_IF, counted as plain text (as gh-145692 counted)."""
    return sum("DEOPT_IF" in line for line in (CPYTHON_DIR / label / "Python/bytecodes.c").read_text().splitlines())


def test_registered():
    assert SLUG in REGISTRY


@pytest.mark.parametrize("label", SNAPSHOTS)
def test_one_finding_per_exit_site_and_every_deopt_if_is_judged(label):
    found = findings(label)
    sites = list(exit_sites(analysis(label)))
    assert len(found) == len(sites) == len({s.name for s in sites})
    deopts = [f for f in found.values() if "DEOPT_IF(" in f.evidence[0].text]
    # One finding per line that uses DEOPT_IF: 107 in 3.15a-2026-02, 41 in main-2026-06 (the issue's count).
    assert len(deopts) == deopt_lines(label)
    assert all(f.status in ("todo", "not_applicable") for f in deopts)
    assert all(f.status == "done" for f in found.values() if f not in deopts)
    for f in found.values():
        assert f.name.startswith(f.uop + ":") and f.reasons and f.summary
        assert f"line {f.evidence[0].line}" in f.summary and f.line <= f.evidence[0].line <= f.end_line
        if f.status == "not_applicable":
            assert "stays" in f.summary or "tier 1 only" in f.summary


def test_issue_counts():
    assert deopt_lines(BEFORE) == 107 and deopt_lines(AFTER) == 41
    before, after = (
        Counter(f.status for f in findings(BEFORE).values()),
        Counter(f.status for f in findings(AFTER).values()),
    )
    assert before["todo"] > 3 * after["todo"] and after["done"] > before["done"]


def test_flips_between_february_and_june_match_what_cpython_merged():
    before, after = findings(BEFORE), findings(AFTER)
    flipped = {n for n in before.keys() & after.keys() if before[n].status == "todo" and after[n].status == "done"}
    # gh-145751 converted the issue's own examples and the guards of attribute and subscript uops.
    for name in ("_GUARD_CALLABLE_STR_1:1", "_LOAD_ATTR_MODULE:1", "_UNPACK_SEQUENCE_TWO_TUPLE:1"):
        assert name in flipped
    assert len(flipped) >= 40
    # Every site that CPython turned into an EXIT_IF was a todo (or, sharing a guard uop, a
    # stack-space check): none was judged one that must stay for a strong reason.
    for name in before.keys() & after.keys():
        if "DEOPT_IF(" in before[name].evidence[0].text and after[name].status == "done":
            assert before[name].status == "todo" or "data stack" in before[name].summary, name
    # Nothing goes from todo to not applicable: the rules do not change their mind.
    assert not [
        n for n in before.keys() & after.keys() if (before[n].status, after[n].status) == ("todo", "not_applicable")
    ]


def test_kept_deopts_are_not_applicable_in_both_snapshots():
    before, after = findings(BEFORE), findings(AFTER)
    kept = [n for n in before.keys() & after.keys() if "DEOPT_IF(" in after[n].evidence[0].text]
    assert len(kept) >= 25
    for name in kept:
        if after[name].status == "not_applicable":
            assert before[name].status == "not_applicable", name
    assert after["_CHECK_VALIDITY:1"].status == "not_applicable" and "invalidated" in after["_CHECK_VALIDITY:1"].summary
    assert "LOCK_OBJECT" in after["_STORE_ATTR_WITH_HINT:3"].summary
    assert "globals dict" in after["_LOAD_GLOBAL_MODULE:4"].summary
    assert (
        "eval breaker" in after["_TIER2_RESUME_CHECK:1"].summary or "pending" in after["_TIER2_RESUME_CHECK:1"].summary
    )


def test_unchanged_definitions_keep_their_status():
    a, b = analysis(BEFORE), analysis(AFTER)
    before, after = findings(BEFORE), findings(AFTER)
    same = {
        d.name
        for d in (*a.ops.values(), *a.insts.values())
        if (e := b.ops.get(d.name) or b.insts.get(d.name)) is not None
        and e.code.strip() == d.code.strip()
        and e.annotations == d.annotations
    }
    checked = 0
    for name, f in before.items():
        if f.uop in same and name in after:
            assert after[name].status == f.status, name
            checked += 1
    assert checked > 50


def test_tier1_only_code_is_not_applicable():
    found = findings(AFTER)
    replaced = found["_ITER_NEXT_LIST:1"]
    assert replaced.status == "not_applicable" and "replaced" in replaced.summary


def test_guide_of_a_todo_site_shows_the_change_and_its_siblings():
    a = analysis(BEFORE)
    finding = findings(BEFORE)["_LOAD_ATTR_MODULE:2"]
    assert finding.status == "todo"
    guide = render_guide(finding, a)
    assert "-            DEOPT_IF(" in guide and "+            EXIT_IF(" in guide
    assert "_LOAD_ATTR_MODULE:1" in guide and "one of `EXIT_IF`, `DEOPT_IF`" in guide
    assert "gh-145692: Use EXIT_IF in" in guide
