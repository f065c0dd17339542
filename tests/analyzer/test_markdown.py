"""Mega-issue Markdown and task guides: golden files per snapshot, GFM task-list structure.

Golden files live in tests/golden/ and change only on purpose:
``UPDATE_GOLDEN=1 python -m pytest tests/analyzer/test_markdown.py`` rewrites them.
"""

from __future__ import annotations

import os
import re
from functools import cache

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

from analyzer.analysis import Analysis, analyze
from analyzer.campaigns import REGISTRY, CampaignResult, run_all
from analyzer.campaigns.refcount import is_pop_top_family
from analyzer.campaigns.refcount.plan import (
    kept_array_precedent,
    release_uops,
    released_arrays,
    target_stack_effect,
)
from analyzer.history import closest_conversion, conversions_between
from analyzer.markdown import ClaimInfo, render_guide, render_megaissue, render_megaissue_parts
from analyzer.testopt import scan_test_opt
from tests.conftest import CPYTHON_DIR, ROOT, SHARED_DIR, SNAPSHOTS

GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
#: Commits from shared/cpython/PROVENANCE.md, for permalinks.
COMMITS = {
    "3.14a-2024-06": "209735649fb7558a003b6c25013bb1a7e22480a6",
    "3.13.0-release": "v3.13.0",  # a release tree imported elsewhere: use the tag
    "3.14.7-release": "v3.14.7",
    "3.15a-2025-07": "1d17c3edee0ba34dbaf8d9ea3eb32a317493d86c",
    "3.15a-2025-08": "992ac089f38a2b3a7b8c713e2533078eb5a6664b",
    "3.15a-2026-02": "e0dfd01f6aeaf3627cb081b5046f6d6407ef9139",
    "main-2026-06": "0dede27d1b7e89194875eaa531383394cb6206aa",
}
TASK_ID_RE = re.compile(r"<!-- task:([a-z0-9_-]+):([A-Za-z0-9_:]+) -->")


@cache
def results(label: str) -> dict[str, CampaignResult]:
    return run_all(analyze(CPYTHON_DIR / label))


def parse_items(markdown: str) -> list[tuple[bool, str]]:
    """(checked, inline text) of every GFM task-list item, as markdown-it-py sees them."""
    md = MarkdownIt("gfm-like").use(tasklists_plugin)
    tokens = md.parse(markdown)
    items = []
    for i, tok in enumerate(tokens):
        if tok.type == "list_item_open" and "task-list-item" in (tok.attrGet("class") or ""):
            inline = next(t for t in tokens[i:] if t.type == "inline")
            items.append(("checked" in inline.children[0].content if inline.children else False, inline.content))
    return items


@pytest.mark.parametrize("slug", list(REGISTRY))
@pytest.mark.parametrize("label", SNAPSHOTS)
def test_megaissue_matches_its_golden_file(label, slug):
    text = render_megaissue(results(label)[slug], commit=COMMITS.get(label))
    path = GOLDEN / f"{label}.{slug}.md"
    if UPDATE or not path.exists():
        assert UPDATE, f"{path} is missing: run UPDATE_GOLDEN=1 python -m pytest {__file__}"
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("slug", list(REGISTRY))
@pytest.mark.parametrize("label", SNAPSHOTS)
def test_checklist_is_a_gfm_task_list_with_each_task_once(label, slug):
    result = results(label)[slug]
    text = render_megaissue(result, commit=COMMITS.get(label))
    items = parse_items(text)
    listed = [f for f in result.findings if f.status in ("todo", "done")]
    assert len(items) == len(listed)
    ids = TASK_ID_RE.findall(text)
    assert len(ids) == len(set(ids)) == len(listed)
    assert {name for _, name in ids} == {f.name for f in listed}
    by_name = {f.name: f for f in listed}
    for checked, content in items:
        name = re.search(r"`([A-Za-z0-9_:]+)`", content).group(1)
        assert checked == (by_name[name].status == "done"), content


def test_checklist_items_carry_claimant_and_pull_request():
    result = results("main-2026-06")["refcount"]
    claims = {"BINARY_SLICE": ClaimInfo("octocat", "https://github.com/python/cpython/pull/1")}
    text = render_megaissue(result, commit=COMMITS["main-2026-06"], claims=claims)
    line = next(ln for ln in text.splitlines() if "task:refcount:BINARY_SLICE " in ln)
    assert "@octocat" in line and "https://github.com/python/cpython/pull/1" in line
    assert line.startswith("- [ ] `BINARY_SLICE` (uop `_BINARY_SLICE`) · hard · [Python/bytecodes.c#L")


def test_long_checklist_is_split_into_parts_that_link_each_other():
    result = results("main-2026-06")["refcount"]
    parts = render_megaissue_parts(result, limit=8000, part_urls=["https://x/1", "https://x/2", "https://x/3"])
    assert len(parts) > 2
    assert all(len(p) <= 8000 for p in parts)
    assert parts[0].startswith("# Eliminate redundant refcounting in the JIT")
    assert "Part 2 of" in parts[1] and "[part 1](https://x/1)" in parts[1]
    ids = [i for p in parts for i in TASK_ID_RE.findall(p)]
    assert len(ids) == len(set(ids)) == result.count("todo") + result.count("done")


def test_real_checklist_fits_one_github_issue():
    for label in SNAPSHOTS:
        for result in results(label).values():
            assert len(render_megaissue_parts(result)) == 1


def test_guide_for_a_todo_task_has_every_step_and_a_worked_example():
    old, new = analyze(CPYTHON_DIR / "3.15a-2026-02"), analyze(CPYTHON_DIR / "main-2026-06")
    finding = next(f for f in results("main-2026-06")["refcount"].findings if f.name == "FORMAT_SIMPLE")
    example = closest_conversion(finding, new, conversions_between(old, new, "refcount"))
    tests = scan_test_opt(SHARED_DIR / "cpython-py" / "cocolato-56960c48" / "Lib/test/test_capi/test_opt.py")
    guide = render_guide(finding, new, commit=COMMITS["main-2026-06"], tests=tests, example=example)
    assert "Target: `op(_FORMAT_SIMPLE, (value -- res, v))`" in guide
    assert "macro(FORMAT_SIMPLE) = _FORMAT_SIMPLE + POP_TOP;" in guide
    assert "make regen-cases" in guide and "./python -m test test_capi.test_opt" in guide
    assert "`gh-134584: Eliminate redundant refcounting from FORMAT_SIMPLE`" in guide
    assert example is not None and example.shape.inputs == 1
    assert f"`{example.name}` had the same shape" in guide and "After:" in guide
    assert f"blob/{COMMITS['main-2026-06']}/Python/bytecodes.c#L{finding.line}-L{finding.end_line}" in guide


def test_guide_uses_typed_release_when_a_guard_proves_the_type():
    old = analyze(CPYTHON_DIR / "3.15a-2025-08")
    finding = next(f for f in run_all(old, ["refcount"])["refcount"].findings if f.name == "BINARY_OP_ADD_INT")
    guide = render_guide(finding, old)
    assert "Target: `op(_BINARY_OP_ADD_INT, (left, right -- res, l, r))`" in guide
    assert "add `_POP_TOP_INT + _POP_TOP_INT` right after `_BINARY_OP_ADD_INT`" in guide


@cache
def analysis_of(label: str) -> Analysis:
    return analyze(CPYTHON_DIR / label)


def guide_for(label: str, name: str, slug: str = "refcount") -> str:
    finding = next(f for f in results(label)[slug].findings if f.name == name)
    return render_guide(finding, analysis_of(label))


def test_a_path_that_hands_the_input_out_gets_a_null_forward_like_the_converted_uop():
    guide = guide_for("main-2026-06", "FORMAT_SIMPLE")
    assert "One path hands the input itself out as a result (`res = value;`)" in guide
    assert "write `v = PyStackRef_NULL;` instead" in guide
    assert "as `_UNARY_NEGATIVE_FLOAT_INPLACE` (line 465) does" in guide


def test_without_a_converted_example_no_null_forward_is_suggested():
    assert "PyStackRef_NULL;` instead" not in guide_for("3.15a-2025-08", "FORMAT_SIMPLE")


def test_a_call_releasing_its_argument_array_follows_the_converted_builtin_class_call():
    guide = guide_for("main-2026-06", "CALL_NON_PY_GENERAL")
    mirrored = "(callable, self_or_null, args[oparg] -- callable, self_or_null, args[oparg])"
    assert f"Target, following `_CALL_BUILTIN_CLASS`: `op(_CALL_NON_PY_GENERAL, {mirrored})`" in guide
    assert "`_Py_VectorCall_StackRefSteal` steals the references" in guide
    assert "add `_POP_TOP_OPARG + POP_TOP` right after `_CALL_NON_PY_GENERAL`" in guide
    # An array is never "moved" into a new output.
    assert "Replace the inline releases" not in guide


def test_an_array_with_no_shape_to_follow_gets_no_invented_target():
    build_map = guide_for("main-2026-06", "BUILD_MAP")
    assert "Target: none that this snapshot shows yet." in build_map
    assert "There is no single-slot input below the array to hold the result" in build_map
    assert "macro(BUILD_MAP) =" not in build_map
    older = guide_for("3.15a-2025-08", "CALL_NON_PY_GENERAL")
    assert "No uop in this snapshot keeps an array on the stack for a release uop yet" in older
    assert "_POP_TOP_OPARG" not in older


@pytest.mark.parametrize("label", ["3.15a-2026-02", "main-2026-06"])
def test_a_release_made_only_on_the_error_path_leaves_nothing_to_do(label):
    # CPython converted _STORE_SUBSCR_DICT in December 2025: `st = dict_st` hands the dict out for
    # the macro's POP_TOP, and the only close left is on the error path.
    finding = next(f for f in results(label)["refcount"].findings if f.name == "STORE_SUBSCR_DICT")
    assert finding.status == "done"
    assert any("only on the error path" in e.note and "PyStackRef_CLOSE(dict_st)" in e.text for e in finding.evidence)
    guide = guide_for(label, "STORE_SUBSCR_DICT")
    assert "### Nothing left to do" in guide and "Target" not in guide


def test_a_call_that_swaps_its_result_into_the_callables_slot_is_done_with_a_note():
    finding = next(f for f in results("main-2026-06")["refcount"].findings if f.name == "CALL_BUILTIN_FAST")
    assert finding.status == "done"
    assert "note: the value it replaces there is still released inline" in finding.summary
    assert any(
        e.note.startswith("note: releases the value its result replaces in `callable`'s slot") for e in finding.evidence
    )
    assert any(e.text.endswith("_POP_TOP_OPARG + POP_TOP") for e in finding.evidence)
    guide = guide_for("main-2026-06", "CALL_BUILTIN_FAST")
    assert "### Nothing left to do" in guide and "### 2." not in guide


def test_a_helper_that_consumes_its_argument_is_a_hidden_release():
    finding = next(f for f in results("main-2026-06")["refcount"].findings if f.name == "GET_ITER")
    assert finding.status == "todo"
    (hidden,) = [e for e in finding.evidence if "_PyEval_GetIter" in e.note]
    assert hidden.line == 3770 and "consumes `iterable`, then the body marks it DEAD" in hidden.note
    guide = guide_for("main-2026-06", "GET_ITER")
    assert "`_PyEval_GetIter` consumes the references it is given; call a variant that borrows them" in guide


def test_a_done_task_gets_no_conversion_steps():
    guide = guide_for("main-2026-06", "BINARY_OP_ADD_INT")
    assert "### Nothing left to do" in guide and "### The definition" in guide
    assert "Target" not in guide and "make regen-cases" not in guide
    assert "`BINARY_OP_ADD_INT` releases the forwarded references" in guide


def test_tier1_only_tasks_say_the_jit_never_runs_them():
    send = next(f for f in results("main-2026-06")["refcount"].findings if f.name == "SEND")
    assert any(r.startswith("tier 1 only (`tier1`)") for r in send.reasons)


@pytest.mark.parametrize("label", SNAPSHOTS)
def test_every_todo_guide_renders_and_never_moves_an_array(label):
    analysis = analysis_of(label)
    for result in results(label).values():
        for finding in result.findings:
            guide = render_guide(finding, analysis)
            uop = analysis.ops.get(finding.uop) or analysis.insts[finding.uop]
            moves = next((line for line in guide.splitlines() if line.startswith("Replace the inline releases")), "")
            for item in uop.stack.inputs:
                if item.is_array:
                    assert f"= {item.name};" not in moves, (finding.name, moves)


def test_a_released_local_leaves_as_an_output_like_swap_fast():
    guide = guide_for("main-2026-06", "STORE_FAST_LOAD_FAST")
    assert "Target: `op(_STORE_FAST_LOAD_FAST, (value1 -- value2, t))`" in guide
    assert "replace the release with `t = tmp;`, as `_SWAP_FAST` (line 325) does" in guide
    assert "macro(STORE_FAST_LOAD_FAST) = _STORE_FAST_LOAD_FAST + POP_TOP;" in guide
    # Before STORE_FAST was converted there is nothing to cite, but the target is the same.
    older = guide_for("3.15a-2025-08", "DELETE_FAST")
    assert "Target: `op(_DELETE_FAST, (-- t))`" in older and "_SWAP_FAST" not in older


def _released_after(analysis: Analysis, instruction: str, uop: str) -> int:
    """POP_TOP-family parts right after ``uop`` in the macro named ``instruction`` (or its first user)."""
    macros = analysis.macros_using(uop)
    macro = next((m for m in macros if m.name == instruction), macros[0])
    names = list(macro.uop_names())
    count = 0
    for part in names[names.index(uop) + 1 :]:
        if not is_pop_top_family(part):
            break
        count += 1
    return count


# What CPython did differently from the guide, and why:
# CALL_LIST_APPEND gained a `none` result (tier 1 used to skip the next POP_TOP instead);
# CALL_METHOD_DESCRIPTOR_O releases `args[oparg]` whole with DECREF_INPUTS(), and no uop of
# 3.15a-2025-08 shows how to keep an array for a release uop, so the guide gives no target.
TARGET_EXCEPTIONS = {"CALL_LIST_APPEND", "CALL_METHOD_DESCRIPTOR_O"}


@pytest.mark.parametrize(
    ("old_label", "new_label"), [("3.15a-2025-08", "3.15a-2026-02"), ("3.15a-2026-02", "main-2026-06")]
)
def test_guide_targets_match_what_cpython_did_for_every_real_conversion(old_label, new_label):
    old, new = analysis_of(old_label), analysis_of(new_label)
    before = {f.name: f for f in results(old_label)["refcount"].findings}
    after = {f.name: f for f in results(new_label)["refcount"].findings}
    converted = [n for n, f in before.items() if f.status == "todo" and n in after and after[n].status == "done"]
    assert converted
    checked, open_design = [], []
    for name in converted:
        if name in TARGET_EXCEPTIONS:
            continue
        was = old.ops.get(before[name].uop) or old.insts[before[name].uop]
        now = new.ops.get(after[name].uop) or new.insts[after[name].uop]
        if released_arrays(was) and kept_array_precedent(old) is None:
            # An array released whole with no converted uop to follow: the guide names no target
            # (as for the variadic calls CPython converted in April 2026, gh-148171).
            guide = render_guide(before[name], old)
            assert "Target: none that this snapshot shows yet." in guide, name
            open_design.append(name)
            continue
        target, pairs = target_stack_effect(was)
        assert len(target.outputs) == len(now.stack.outputs), (name, str(target), str(now.stack))
        assert len(release_uops(old, None, pairs, was)) == _released_after(new, name, now.name), name
        checked.append(name)
    assert len(checked) + len(open_design) >= len(converted) - len(TARGET_EXCEPTIONS)
    assert len(checked) > len(open_design)


def test_an_optimizer_worked_example_shows_the_case_that_was_added():
    old, new = analysis_of("3.15a-2026-02"), analysis_of("main-2026-06")
    finding = next(f for f in results("main-2026-06")["optimizer"].findings if f.name == "_CALL_NON_PY_GENERAL")
    example = closest_conversion(finding, new, conversions_between(old, new, "optimizer"))
    assert example is not None and example.after.uop in new.optimizer_cases
    guide = render_guide(finding, new, example=example)
    case = new.optimizer_cases[example.after.uop]
    assert "The case added to `Python/optimizer_bytecodes.c`:" in guide
    assert new.definition_text(case, optimizer=True) in guide
    # The uop is shown as the case sees it: the newer definition.
    assert new.definition_text(new.ops[example.after.uop]) in guide


def test_an_optimizer_guide_shows_the_nearest_existing_case():
    guide = guide_for("main-2026-06", "_BINARY_OP_ADD_FLOAT_INPLACE", "optimizer")
    assert "The nearest existing case, for `_BINARY_OP_ADD_FLOAT` (line 427 of `Python/optimizer_bytecodes.c`)" in guide
    assert "op(_BINARY_OP_ADD_FLOAT, (left, right -- res, l, r)) {" in guide


def test_definition_text_is_dedented_around_preprocessor_lines():
    analysis = analysis_of("main-2026-06")
    text = analysis.definition_text(analysis.ops["_CALL_NON_PY_GENERAL"])
    lines = text.splitlines()
    assert lines[0].startswith("op(_CALL_NON_PY_GENERAL, (")
    assert lines[1] == "#if TIER_ONE" and lines[2] == "    assert(opcode != INSTRUMENTED_CALL);"
    assert lines[-1] == "}"


def test_the_optimizer_step_shows_the_case_to_change_and_what_to_set():
    guide = guide_for("main-2026-06", "TO_BOOL")
    assert (
        "`Python/optimizer_bytecodes.c` line 653 has this case. Give it the new outputs, `(value -- res, v)`" in guide
    )
    assert "set `v = value;` there too" in guide
    assert "op(_TO_BOOL, (value -- res)) {\n    int already_bool = optimize_to_bool(" in guide
