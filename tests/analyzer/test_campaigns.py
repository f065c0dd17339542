"""Campaign rules checked against real history: conversions CPython merged between snapshots."""

from __future__ import annotations

from functools import cache
from itertools import pairwise

import pytest

from analyzer.analysis import analyze, analyze_tree
from analyzer.campaigns import REGISTRY, get, run_all
from analyzer.campaigns.base import Finding
from analyzer.campaigns.refcount import is_pop_top_family
from analyzer.source import Source, SourceTree
from tests.conftest import CPYTHON_DIR


@cache
def findings(label: str, slug: str) -> dict[str, Finding]:
    result = run_all(analyze(CPYTHON_DIR / label), [slug])[slug]
    return {f.name: f for f in result.findings}


# Conversions merged for gh-134584 between 3.15a-2025-08 and 3.15a-2026-02 (DSL-NOTES.md s. 9:
# UNARY_NEGATIVE, BINARY_OP_ADD_INT, TO_BOOL_INT, COMPARE_OP_INT, LOAD_ATTR_INSTANCE_VALUE,
# CONTAINS_OP_SET, BINARY_OP, CALL_LEN, STORE_FAST; IS_OP from gh-143171).
CONVERTED_2025_08_TO_2026_02 = [
    "UNARY_NEGATIVE",
    "UNARY_INVERT",
    "BINARY_OP_ADD_INT",
    "BINARY_OP_SUBTRACT_INT",
    "BINARY_OP_MULTIPLY_INT",
    "BINARY_OP_ADD_FLOAT",
    "BINARY_OP_ADD_UNICODE",
    "TO_BOOL_INT",
    "COMPARE_OP_INT",
    "COMPARE_OP_STR",
    "LOAD_ATTR_INSTANCE_VALUE",
    "LOAD_ATTR_MODULE",
    "LOAD_ATTR_SLOT",
    "LOAD_ATTR_WITH_HINT",
    "CONTAINS_OP_SET",
    "BINARY_OP",
    "CALL_LEN",
    "CALL_BUILTIN_O",
    "CALL_STR_1",
    "CALL_TUPLE_1",
    "CALL_TYPE_1",
    "CALL_LIST_APPEND",
    "STORE_FAST",
    "IS_OP",
    # Converted in December 2025; its only close left is on the error path.
    "STORE_SUBSCR_DICT",
]
# ... and between 3.15a-2026-02 and main-2026-06 (DSL-NOTES.md s. 8 and 9, item 10).
CONVERTED_2026_02_TO_2026_06 = [
    "LIST_EXTEND",
    "SET_UPDATE",
    "DICT_UPDATE",
    "DICT_MERGE",
    "CALL_INTRINSIC_1",
    "CALL_INTRINSIC_2",
    "MAKE_FUNCTION",
    "MATCH_CLASS",
    "CALL_METHOD_DESCRIPTOR_NOARGS",
    # gh-148171 (April 2026): the variadic calls keep their inputs for _POP_TOP_OPARG + POP_TOP and put
    # the result in the callable's slot, closing only the callable inline.
    "CALL_BUILTIN_CLASS",
    "CALL_BUILTIN_FAST",
    "CALL_BUILTIN_FAST_WITH_KEYWORDS",
    "CALL_METHOD_DESCRIPTOR_FAST",
    "CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS",
]
# Still releasing inline in main-2026-06 (DSL-NOTES.md section 8).
STILL_TODO = [
    "BINARY_SLICE",
    "STORE_SUBSCR",
    "STORE_ATTR",
    "COMPARE_OP",
    "TO_BOOL",
    "LOAD_ATTR",
    "SEND",
    "UNPACK_SEQUENCE_TUPLE",
    "UNPACK_SEQUENCE_LIST",
    "FORMAT_SIMPLE",
    "FORMAT_WITH_SPEC",
    "BUILD_SLICE",
    "CONVERT_VALUE",
    "STORE_NAME",
]


@pytest.mark.parametrize("name", CONVERTED_2025_08_TO_2026_02)
def test_refcount_conversions_merged_by_2026_02_flip_todo_to_done(name):
    before, after = findings("3.15a-2025-08", "refcount")[name], findings("3.15a-2026-02", "refcount")[name]
    assert (before.status, after.status) == ("todo", "done"), (before.summary, after.summary)


@pytest.mark.parametrize("name", CONVERTED_2026_02_TO_2026_06)
def test_refcount_conversions_merged_by_2026_06_flip_todo_to_done(name):
    before, after = findings("3.15a-2026-02", "refcount")[name], findings("main-2026-06", "refcount")[name]
    assert (before.status, after.status) == ("todo", "done"), (before.summary, after.summary)


@pytest.mark.parametrize("name", STILL_TODO)
def test_ops_still_releasing_inline_in_2026_06_are_todo_in_every_3_15_snapshot(name):
    for label in ("3.15a-2025-08", "3.15a-2026-02", "main-2026-06"):
        assert findings(label, "refcount")[name].status == "todo", label


def _shape(analysis, finding) -> tuple[str, ...]:
    """A finding's definition, the macros using it and its optimizer case, as text: what decides its status."""
    uop = analysis.ops.get(finding.uop) or analysis.insts[finding.uop]
    case = analysis.optimizer_cases.get(uop.tier2_name)
    return (
        uop.code,
        str(uop.stack),
        " ".join(uop.annotations),
        case.code if case is not None else "",
        *(" + ".join(m.uop_names()) for m in analysis.macros_using(uop.name)),
    )


MAIN_LINE = ["3.14a-2024-06", "3.15a-2025-07", "3.15a-2025-08", "3.15a-2026-02", "main-2026-06"]
PAIRS = [("refcount", a, b) for a, b in pairwise(MAIN_LINE)] + [
    ("optimizer", a, b)
    for a, b in pairwise(MAIN_LINE[2:])  # optimizer_bytecodes.c from 2025-08 on
]


@pytest.mark.parametrize(("slug", "older", "newer"), PAIRS)
def test_ops_whose_definition_did_not_change_keep_their_status(slug, older, newer):
    old, new = analyze(CPYTHON_DIR / older), analyze(CPYTHON_DIR / newer)
    before, after = findings(older, slug), findings(newer, slug)
    same = [n for n in before.keys() & after.keys() if _shape(old, before[n]) == _shape(new, after[n])]
    # June 2024 to July 2025 rewrote most bodies for stack references: few stayed the same.
    assert len(same) >= 10
    assert [n for n in same if before[n].status != after[n].status] == []


def test_unconverted_ops_keep_their_status_between_snapshots():
    before, after = findings("3.15a-2026-02", "refcount"), findings("main-2026-06", "refcount")
    unchanged = [n for n in before if n in after and before[n].status == after[n].status]
    flipped_back = [n for n in before if n in after and (before[n].status, after[n].status) == ("done", "todo")]
    assert flipped_back == []
    assert len(unchanged) > 0.9 * len(set(before) & set(after))


def test_instruction_turned_macro_keeps_its_task_name_with_the_uop_in_evidence():
    before, after = findings("3.15a-2025-08", "refcount")["IS_OP"], findings("3.15a-2026-02", "refcount")["IS_OP"]
    assert (before.kind, before.uop) == ("inst", "IS_OP")
    assert (after.kind, after.uop) == ("macro", "_IS_OP")
    texts = [e.text for e in after.evidence]
    assert any(t == "macro(IS_OP) = _IS_OP + POP_TOP + POP_TOP;" for t in texts)
    assert "_IS_OP" not in findings("3.15a-2026-02", "refcount")


def test_store_fast_task_follows_its_new_uop_swap_fast():
    after = findings("3.15a-2026-02", "refcount")["STORE_FAST"]
    assert after.uop == "_SWAP_FAST" and after.status == "done"
    before = findings("3.15a-2025-08", "refcount")["STORE_FAST"]
    assert any("PyStackRef_XCLOSE" in e.text and "replaces" in e.note for e in before.evidence)


def test_done_evidence_shows_the_forwarding_and_the_release_uops():
    f = findings("3.15a-2026-02", "refcount")["BINARY_OP_ADD_INT"]
    texts = " | ".join(e.text for e in f.evidence)
    assert "l = left;" in texts and "r = right;" in texts and "_POP_TOP_INT + _POP_TOP_INT" in texts


def test_todo_evidence_points_at_the_inline_release():
    f = findings("main-2026-06", "refcount")["BINARY_SLICE"]
    closes = [e for e in f.evidence if "inline" in e.note]
    assert closes and all("CLOSE" in e.text or "DECREF" in e.text for e in closes)


def test_legacy_2024_decrefs_count_as_inline_releases():
    f = findings("3.14a-2024-06", "refcount")["BINARY_OP_ADD_INT"]
    assert f.status == "todo" and "_Py_DECREF_SPECIALIZED" in f.summary
    assert findings("3.14a-2024-06", "refcount")["UNARY_NEGATIVE"].summary.endswith("`DECREF_INPUTS`")


def test_helpers_that_consume_inputs_are_inline_releases():
    f = findings("3.14.7-release", "refcount")["BINARY_OP_ADD_FLOAT"]
    assert f.status == "todo" and "_PyFloat_FromDouble_ConsumeInputs" in f.summary
    # The summary names the inputs the helper consumes, and the helper as the means.
    assert f.summary == "releases `left`, `right` inline with `_PyFloat_FromDouble_ConsumeInputs`"
    assert findings("main-2026-06", "refcount")["BUILD_MAP"].summary == (
        "releases `values` inline with `_Py_BuildMap_StackRefSteal`"
    )


def test_tier2_variants_follow_the_uop_they_stand_in_for():
    f = findings("main-2026-06", "refcount")
    assert f["_BINARY_OP_ADD_INT_INPLACE"].status == "done"
    assert "`_BINARY_OP_ADD_INT`" in f["_BINARY_OP_ADD_INT_INPLACE"].summary
    assert findings("3.15a-2026-02", "refcount")["_LOAD_CONST_UNDER_INLINE"].status == "not_applicable"


def test_release_uops_themselves_are_not_applicable():
    f = findings("main-2026-06", "refcount")
    assert f["_POP_TOP_INT"].status == "not_applicable"
    assert is_pop_top_family("_POP_TOP_FLOAT") and not is_pop_top_family("_POP_TOP_LOAD_CONST_INLINE")


def test_optimizer_campaign_is_not_evaluated_without_optimizer_file():
    result = run_all(analyze(CPYTHON_DIR / "3.15a-2025-07"), ["optimizer"])["optimizer"]
    assert not result.evaluated and result.findings == () and "optimizer_bytecodes.c" in result.note


def test_optimizer_case_added_between_snapshots_flips_to_done():
    before, after = findings("3.15a-2025-08", "optimizer"), findings("3.15a-2026-02", "optimizer")
    flipped = sorted(n for n in before if n in after and (before[n].status, after[n].status) == ("todo", "done"))
    assert flipped, "CPython added optimizer cases between these snapshots"
    for name in flipped:
        assert any("abstract interpretation case" in e.note for e in after[name].evidence)


def test_optimizer_tier1_only_uops_are_not_applicable():
    f = findings("main-2026-06", "optimizer")
    assert f["_SPECIALIZE_BINARY_OP"].status == "not_applicable"
    assert "specializing" in f["_SPECIALIZE_BINARY_OP"].summary


def test_optimizer_counts_match_the_measured_coverage():
    result = {f.status for f in findings("main-2026-06", "optimizer").values()}
    assert result == {"todo", "done", "not_applicable"}
    done = [n for n, f in findings("main-2026-06", "optimizer").items() if f.status == "done"]
    # 228 cases in optimizer_bytecodes.c, 25 of them for inst-derived uops (DSL-NOTES.md s. 8),
    # which the campaign covers too (`_BUILD_LIST` for `inst(BUILD_LIST)`).
    assert len(done) == 228


def test_registry_lists_every_campaign_and_unknown_slug_is_a_clear_error():
    assert list(REGISTRY) == ["refcount", "optimizer", "exit-if", "decompose", "tier2-coverage"]
    known = "refcount, optimizer, exit-if, decompose, tier2-coverage"
    with pytest.raises(KeyError, match=f"unknown campaign 'nope' \\(known: {known}\\)"):
        get("nope")


def test_inline_snippet_converted_versus_unconverted():
    text = """// BEGIN BYTECODES //
        op(_OLD, (left, right -- res)) {
            res = PyStackRef_FromPyObjectSteal(PyNumber_Add(left, right));
            PyStackRef_CLOSE(left);
            DECREF_INPUTS();
        }
        op(_NEW, (left, right -- res, l, r)) {
            res = left;
            l = left;
            r = right;
            INPUTS_DEAD();
        }
        macro(OLD) = _OLD;
        macro(NEW) = _NEW + POP_TOP + _POP_TOP_INT;
// END BYTECODES //
"""
    tree = SourceTree(None, Source.from_text(text, name="Python/bytecodes.c"), None, None)
    result = {f.name: f for f in get("refcount").run(analyze_tree(tree)).findings}
    assert (result["OLD"].status, result["NEW"].status) == ("todo", "done")
    assert {e.line for e in result["OLD"].evidence if "inline" in e.note} == {4, 5}


def test_optimizer_tasks_the_optimizer_emits_itself_say_so():
    f = findings("main-2026-06", "optimizer")
    emitted = [r for r in f["_BINARY_OP_ADD_INT_INPLACE"].reasons if r.startswith("emitted by the optimizer itself")]
    assert emitted == [
        "emitted by the optimizer itself (in the case of `_BINARY_OP_ADD_INT`): the abstract interpreter may "
        "never meet it, so check where it is used before writing a case"
    ]
    assert not any(r.startswith("emitted by") for r in f["_CALL_NON_PY_GENERAL"].reasons)
    # Only open tasks carry it: a uop with its own case needs no warning.
    assert not any(r.startswith("emitted by") for n, x in f.items() if x.status != "todo" for r in x.reasons)


def test_optimizer_covers_the_tier2_uops_generated_from_inst_definitions():
    found = findings("main-2026-06", "optimizer")
    # gh-131798's checklist names uops the generator makes of `inst(BUILD_LIST)` and `inst(GET_LEN)`.
    for name in ("_BUILD_LIST", "_GET_LEN"):
        assert (found[name].kind, found[name].uop, found[name].status) == ("inst", name[1:], "done")
    analysis = analyze(CPYTHON_DIR / "main-2026-06")
    insts = [i for i in analysis.insts.values() if i.tier2_name not in analysis.ops]
    assert {i.tier2_name for i in insts} <= set(found)
    left_out = [found[i.tier2_name] for i in insts if found[i.tier2_name].status == "not_applicable"]
    assert left_out and all(f.summary for f in left_out)
    assert found["_INSTRUMENTED_LINE"].summary.startswith("is instrumented (CPython's `Uop.why_not_viable`)")
    assert found["_CACHE"].summary.startswith("annotated `tier1`")
    assert found["_DO_CALL"].summary.startswith("uses the 'this_instr' variable")
