"""Campaign ``decompose`` (gh-148211) on every shared snapshot: composites found by body and stack effect."""

from __future__ import annotations

from functools import cache

import pytest

from analyzer.analysis import Analysis, analyze
from analyzer.campaigns import REGISTRY, Finding, run_all
from analyzer.campaigns.decompose import SLUG, actions_of, composites
from analyzer.cli import main
from analyzer.history import conversions_between
from analyzer.markdown import render_guide
from tests.conftest import CPYTHON_DIR, SNAPSHOTS

BEFORE, AFTER = "3.15a-2026-02", "main-2026-06"


@cache
def analysis(label: str) -> Analysis:
    return analyze(CPYTHON_DIR / label)


@cache
def findings(label: str) -> dict[str, Finding]:
    return {f.name: f for f in run_all(analysis(label), [SLUG])[SLUG].findings}


@pytest.mark.parametrize("label", SNAPSHOTS)
def test_every_composite_is_a_todo_whose_parts_exist(label):
    a = analysis(label)
    found = findings(label)
    assert set(found) == {c.uop.name for c in composites(a)}
    for c in composites(a):
        assert len(c.parts) >= 2 and c.uop.name not in c.part_names
        for part in c.part_names:
            assert part in a.ops or part.removeprefix("_") in a.insts
        f = found[c.uop.name]
        assert f.status == "todo" and all(f"`{p}`" in f.summary for p in c.part_names)


def test_february_has_more_than_a_dozen_and_june_none():
    before = findings(BEFORE)
    assert len(before) > 12 and findings(AFTER) == {}
    # Some fuse only pops, most fuse a pop or a shuffle with a constant load.
    assert before["_POP_TWO"].summary.startswith("`_POP_TWO` is `_POP_TOP` + `_POP_TOP`")
    assert "`_POP_TOP_NOP`" in before["_POP_CALL"].summary
    assert "`_LOAD_CONST_INLINE_BORROW`" in before["_POP_CALL_TWO_LOAD_CONST_INLINE_BORROW"].summary
    assert "`_SWAP`" in before["_INSERT_1_LOAD_CONST_INLINE_BORROW"].summary
    # Every composite of February is gone from both files in June.
    after = analysis(AFTER)
    for name in before:
        assert name not in after.ops and name not in after.optimizer_cases


def test_simple_uops_and_uops_with_logic_are_not_composites():
    a = analysis(BEFORE)
    found = findings(BEFORE)
    for name in ("_LOAD_CONST_INLINE_BORROW", "_POP_TOP_NOP", "_GUARD_NOS_INT", "_BINARY_OP_ADD_INT", "_SWAP_FAST"):
        assert name not in found
    assert actions_of(a.ops["_GUARD_NOS_INT"]) is None
    assert [x.kind for x in actions_of(a.ops["_POP_TWO"])] == ["release", "release"]


def test_detection_is_by_body_not_by_name(tmp_path):
    (tmp_path / "bytecodes.c").write_text(
        "// BEGIN BYTECODES //\n"
        "pure inst(POP_TOP, (value --)) {\n    PyStackRef_XCLOSE(value);\n}\n"
        "tier2 pure op(_LOAD_CONST_INLINE_BORROW, (ptr/4 -- value)) {\n"
        "    value = PyStackRef_FromPyObjectBorrow(ptr);\n}\n"
        "tier2 op(_ODDLY_NAMED, (ptr/4, x -- y)) {\n    PyStackRef_CLOSE(x);\n"
        "    y = PyStackRef_FromPyObjectBorrow(ptr);\n}\n"
        "tier2 op(_POP_TOP_BUT_ALSO_WORK, (ptr/4, x -- y)) {\n    PyStackRef_CLOSE(x);\n"
        "    y = PyStackRef_FromPyObjectNew(ptr);\n}\n"
        "// END BYTECODES //\n"
    )
    found = {f.name: f for f in run_all(analyze(tmp_path / "bytecodes.c"), [SLUG])[SLUG].findings}
    # _ODDLY_NAMED is POP_TOP then _LOAD_CONST_INLINE_BORROW; the other loads with a function no simple uop has.
    assert set(found) == {"_ODDLY_NAMED"}
    assert found["_ODDLY_NAMED"].summary.startswith("`_ODDLY_NAMED` is `_POP_TOP` + `_LOAD_CONST_INLINE_BORROW`")


def test_a_composite_gone_from_both_files_is_a_conversion_for_the_worked_example():
    assert REGISTRY[SLUG].gone_status == "done"
    conversions = {c.name: c for c in conversions_between(analysis(BEFORE), analysis(AFTER), SLUG)}
    assert set(conversions) == set(findings(BEFORE))
    example = conversions["_POP_CALL_TWO_LOAD_CONST_INLINE_BORROW"]
    assert "op(_POP_CALL_TWO_LOAD_CONST_INLINE_BORROW" in example.before_text
    assert "ADD_OP(_POP_CALL_TWO_LOAD_CONST_INLINE_BORROW" in example.before_text
    assert example.after_text and "_POP_CALL_TWO_LOAD_CONST_INLINE_BORROW" not in example.after_text


def test_guide_lists_the_parts_the_emitting_cases_and_what_to_delete():
    finding = findings(BEFORE)["_POP_CALL_TWO_LOAD_CONST_INLINE_BORROW"]
    guide = render_guide(finding, analysis(BEFORE))
    assert "- `_POP_TOP`: releases `pop2`" in guide and "- `_POP_TOP_NOP`: drops `null`" in guide
    assert "ADD_OP(_POP_CALL_TWO_LOAD_CONST_INLINE_BORROW, 0, (uintptr_t)out);" in guide
    assert "ADD_OP(_LOAD_CONST_INLINE_BORROW, 0, <the ptr operand>);" in guide
    assert "git grep -n _POP_CALL_TWO_LOAD_CONST_INLINE_BORROW" in guide


@pytest.mark.parametrize(
    ("slug", "example"),
    [
        ("decompose", "_INSERT_1_LOAD_CONST_INLINE_BORROW"),
        ("exit-if", "_GUARD_TOS_ANY_SET:1"),
        ("tier2-coverage", "LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN"),
    ],
)
def test_megaissue_with_history_shows_one_worked_example(capsys, slug, example):
    args = [str(CPYTHON_DIR / AFTER), "--campaign", slug, "--format", "markdown"]
    assert main([*args, "--history", str(CPYTHON_DIR / BEFORE)]) == 0
    text = capsys.readouterr().out
    how_to = text.partition("## Checklist")[0]
    assert how_to.count("### A worked example") == 1 and f"`{example}` " in how_to
    assert f"between `{BEFORE}` and `{AFTER}`" in how_to and "the two scanned snapshots" not in how_to
    assert "<!-- task:" not in how_to
    if slug == "decompose":
        # What CPython merged: the optimizer case now emits the parts this campaign listed.
        assert "ADD_OP(_LOAD_CONST_INLINE_BORROW, 0, (uintptr_t)Py_True);\n    ADD_OP(_SWAP, 2, 0);" in how_to
    assert main(args) == 0
    assert "### A worked example" not in capsys.readouterr().out
