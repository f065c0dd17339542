"""A step-by-step guide for one task, built from the real definitions (DESIGN.md section 5)."""

from __future__ import annotations

import re

from analyzer.analysis import Analysis
from analyzer.campaigns import Finding, get
from analyzer.campaigns.refcount import facts_of
from analyzer.history import Conversion
from analyzer.markdown.megaissue import CPYTHON_REPOSITORY, permalink
from analyzer.model import InstDef, Macro, StackEffect, StackItem
from analyzer.testopt import TestOptIndex

__all__ = ["forwarded_name", "release_uops", "render_guide", "target_stack_effect"]

#: Guards whose type lets a release use a cheaper typed POP_TOP (Python/bytecodes.c).
_TYPED_GUARD_RE = re.compile(r"^_GUARD_(TOS|NOS)_(INT|FLOAT|UNICODE)$")


def _c_block(text: str) -> list[str]:
    return ["```c", text.rstrip(), "```"]


def forwarded_name(item: StackItem, taken: set[str]) -> str:
    """The output name that carries ``item`` out: its first letter (``left`` -> ``l``), made unique."""
    base = item.name[0]
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    taken.add(name)
    return name


def target_stack_effect(uop: InstDef) -> tuple[StackEffect, list[tuple[str, str]]]:
    """The refcount campaign's target effect for ``uop``, and (input, forwarded output) pairs.

    Each consumed input that is released inline gets a forwarded output after the existing
    outputs, deepest first: ``(left, right -- res)`` becomes ``(left, right -- res, l, r)``
    (gh-134584 conversions such as _BINARY_OP_ADD_INT). Arrays are forwarded whole.
    """
    facts = facts_of(uop)
    released = {e.note.split("`")[1] for e in facts.releases if "`" in e.note} or set(facts.consumed)
    taken = {i.name for i in (*uop.stack.inputs, *uop.stack.outputs)}
    already = set(facts.forwarded)
    pairs: list[tuple[str, str]] = []
    outputs = list(uop.stack.outputs)
    for item in uop.stack.named_inputs():
        if item.name not in released or item.name not in facts.consumed:
            continue
        if any(o.name in already for o in outputs if o.name == item.name):
            continue
        out = forwarded_name(item, taken)
        pairs.append((item.name, out))
        outputs.append(StackItem(out, size=item.size))
    return StackEffect(uop.stack.inputs, tuple(outputs), uop.stack.caches), pairs


def release_uops(analysis: Analysis, macro: Macro | None, pairs: list[tuple[str, str]], uop: InstDef) -> list[str]:
    """POP_TOP-family uops to append, most recent output first, typed where a guard proves the type."""
    typed: dict[str, str] = {}
    consumed = [i.name for i in uop.stack.named_inputs() if i.name not in uop.stack.peeks()]
    if macro is not None:
        for part in macro.uop_names():
            m = _TYPED_GUARD_RE.match(part)
            if m and len(consumed) >= (1 if m.group(1) == "TOS" else 2):
                name = consumed[-1] if m.group(1) == "TOS" else consumed[-2]
                variant = f"_POP_TOP_{m.group(2)}"
                if variant in analysis.ops:
                    typed[name] = variant
    parts = []
    for inp, _out in reversed(pairs):
        item = next(i for i in uop.stack.inputs if i.name == inp)
        if item.is_array:
            parts.append("_POP_TOP_OPARG" if "_POP_TOP_OPARG" in analysis.ops else f"POP_TOP (x {item.size})")
        else:
            parts.append(typed.get(inp, "POP_TOP"))
    return parts


def _nearest_tests(finding: Finding, uop: InstDef, tests: TestOptIndex | None, example: Conversion | None) -> list[str]:
    if tests is None:
        return [
            "No `Lib/test/test_capi/test_opt.py` was scanned with this snapshot; look there for a test "
            "that builds a trace through a similar instruction and asserts on `get_opnames(ex)`."
        ]
    names = [uop.name, uop.tier2_name]
    if example is not None:
        names.append(example.after.uop)
    for name in names:
        found = tests.tests_for(name)
        if found:
            best = found[0]
            return [
                f"`{best.test_class}.{best.test_name}` (line {best.line}) already asserts on `{name}`; "
                "copy its shape: run a loop past the tier 2 threshold, take the executor and assert the "
                "uops you expect (for refcount work: `_POP_TOP_NOP` where the value is borrowed or immortal).",
                "",
                f"Run it with `{tests.command(best)}`, then the whole file with `./python -m test test_capi.test_opt`.",
            ]
    return [
        "No existing test mentions this uop. Add one to `TestUopsOptimization` in "
        "`Lib/test/test_capi/test_opt.py` that runs the instruction in a hot loop and asserts on the "
        "executor's uops, then run `./python -m test test_capi.test_opt`."
    ]


def render_guide(
    finding: Finding,
    analysis: Analysis,
    *,
    commit: str | None = None,
    tests: TestOptIndex | None = None,
    example: Conversion | None = None,
    repository: str = CPYTHON_REPOSITORY,
) -> str:
    """The guide for one task as Markdown: where, current and target stack effect, macros,
    optimizer case, regeneration, nearest test, PR title, and a worked example when given.

    ``finding`` must come from ``analysis``; raises `KeyError` if its uop is not defined there.
    """
    campaign = get(finding.campaign)
    uop = analysis.ops.get(finding.uop) or analysis.insts[finding.uop]
    link = permalink(finding, commit, repository)
    where = f"`{finding.file}` lines {finding.line}-{finding.end_line}" + (f" ([permalink]({link}))" if link else "")
    out = [
        f"## `{finding.name}`: {campaign.title} ({campaign.issue})",
        "",
        f"Status: **{finding.status}** · difficulty: **{finding.difficulty}**"
        + (f" · family `{finding.family}`" if finding.family else ""),
        "",
        finding.summary,
        "",
        "Why this difficulty:",
        "",
        *[f"- {r}" for r in finding.reasons],
        "",
        "### 1. Find the definition",
        "",
        f"{where}:",
        "",
        *_c_block(analysis.definition_text(uop)),
        "",
    ]
    if finding.evidence:
        out += ["The lines that decide this task:", ""]
        out += [f"- line {e.line}: `{e.text}`" + (f" ({e.note})" if e.note else "") for e in finding.evidence]
        out.append("")
    step = 2
    if finding.campaign == "refcount":
        step = _refcount_steps(out, analysis, finding, uop, step)
    else:
        step = _optimizer_steps(out, analysis, uop, step)
    out += [
        f"### {step}. Regenerate the generated cases",
        "",
        "Run `make regen-cases` from the top of the CPython checkout, rebuild with "
        "`./configure --enable-experimental-jit && make -j`, and check that "
        "`Python/generated_cases.c.h` and `Python/executor_cases.c.h` changed as you expect.",
        "",
    ]
    step += 1
    out += [f"### {step}. Test it", "", *_nearest_tests(finding, uop, tests, example), ""]
    step += 1
    verb = "Eliminate redundant refcounting from" if finding.campaign == "refcount" else "Add an optimizer case for"
    out += [
        f"### {step}. Open the pull request",
        "",
        f"Title it `{campaign.issue}: {verb} {finding.name}` (CPython's convention is `gh-NNNNNN: summary`), "
        "add a NEWS entry with `blurb` if a maintainer asks for one, and paste the PR URL into your claim.",
        "",
    ]
    if example is not None:
        out += [
            "### Worked example",
            "",
            f"`{example.name}` had the same shape and was converted between the two scanned snapshots. Before:",
            "",
            *_c_block(example.before_text),
            "",
            "After:",
            "",
            *_c_block(example.after_text),
            "",
        ]
    return "\n".join(out)


def _refcount_steps(out: list[str], analysis: Analysis, finding: Finding, uop: InstDef, step: int) -> int:
    target, pairs = target_stack_effect(uop)
    op_name = uop.name if uop.kind == "op" else f"_{uop.name}"
    out += [
        f"### {step}. Change the stack effect",
        "",
        f"Current: `{uop.kind}({uop.name}, {uop.stack})`",
        "",
        f"Target: `op({op_name}, {target})`",
        "",
    ]
    if pairs:
        moves = " ".join(f"{o} = {i};" for i, o in pairs)
        out += [
            f"Replace the inline releases with `{moves}` and mark the inputs dead "
            "(`DEAD(x)` for one, `INPUTS_DEAD()` for all). On error paths use `ERROR_NO_POP()` instead "
            "of `ERROR_IF`, because the inputs are still on the stack, owned by the release uops.",
            "",
        ]
    step += 1
    macros = analysis.macros_using(uop.name) if uop.kind == "op" else ()
    out += [f"### {step}. Release the references in every instruction that uses it", ""]
    if uop.kind == "inst":
        caches = " + ".join(f"unused/{c.size}" for c in uop.stack.caches)
        parts = " + ".join([*([caches] if caches else []), op_name, *release_uops(analysis, None, pairs, uop)])
        out += [
            f"`{uop.name}` is a whole `inst`. Turn it into `op({op_name}, ...)` (cache entries move into "
            "the macro as `unused/N`) and define the instruction as a macro:",
            "",
            *_c_block(f"macro({uop.name}) = {parts};"),
            "",
        ]
    elif not macros:
        out += [
            "No macro uses this uop; it is tier 2 only. Find where the optimizer emits it "
            "(`ADD_OP`/`REPLACE_OP` in `Python/optimizer_bytecodes.c`) and keep the release uops there.",
            "",
        ]
    for macro in macros:
        releases = release_uops(analysis, macro, pairs, uop)
        out += [
            f"- `{macro.name}` (line {macro.line}): add `{' + '.join(releases) or 'POP_TOP'}` right after "
            f"`{uop.name}`, most recent output first.",
            "",
        ]
    step += 1
    case = analysis.optimizer_cases.get(op_name)
    out += [f"### {step}. Update the optimizer", ""]
    if case is not None:
        out += [
            f"`Python/optimizer_bytecodes.c` line {case.line} has `op({case.name}, {case.stack})`. Give it the "
            f"new outputs, `{target}`, and set each forwarded output to the input it carries "
            "(for example `l = left;`), so `_POP_TOP` can be turned into `_POP_TOP_NOP` when the value is "
            "borrowed or immortal.",
            "",
        ]
    elif analysis.optimizer is not None:
        out += [
            "`Python/optimizer_bytecodes.c` has no case for this uop; the default abstract interpretation "
            "handles the new outputs. Add a case only if the optimizer can learn a type from it.",
            "",
        ]
    else:
        out += ["This snapshot has no `Python/optimizer_bytecodes.c`; check the current one in your checkout.", ""]
    return step + 1


def _optimizer_steps(out: list[str], analysis: Analysis, uop: InstDef, step: int) -> int:
    out += [
        f"### {step}. Add the abstract-interpretation case",
        "",
        "In `Python/optimizer_bytecodes.c`, between the BEGIN and END BYTECODES markers, add a case with the "
        "same stack effect (names may differ; `unused` is fine for slots you do not touch):",
        "",
        *_c_block(
            f"op({uop.name}, {uop.stack}) {{\n    // set each output's symbol: sym_new_type(),"
            " sym_new_const(), sym_new_not_null(), ...\n}"
        ),
        "",
        "Use what the uop guarantees: a result type, a constant when the inputs are constants "
        "(`REPLACE_OPCODE_IF_EVALUATES_PURE`), or a guard the optimizer can remove.",
        "",
    ]
    users = analysis.macros_using(uop.name)
    if users:
        out += ["Instructions that use it: " + ", ".join(f"`{m.name}`" for m in users) + ".", ""]
    return step + 1
