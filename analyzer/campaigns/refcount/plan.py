"""The refcount campaign's conversion plan for one task: target stack effect, macros to change,
optimizer case and the precedents in the same snapshot that show the way, as guide steps.

Sources: the conversions merged for gh-134584 (and gh-145866, gh-148171) between the shared
snapshots; ``tests/analyzer/test_markdown.py`` checks the targets against every one of them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from analyzer.analysis import Analysis
from analyzer.campaigns.base import Block, Code, Finding, GuideStep, Paragraph
from analyzer.campaigns.refcount.rules import CONSUMING_HELPERS, RefcountFacts, is_consuming_helper
from analyzer.campaigns.refcount.rules import facts_of as _read_facts
from analyzer.cbody import body_of
from analyzer.model import InstDef, Macro, StackEffect, StackItem

__all__ = [
    "facts_of",
    "forwarded_name",
    "guide_steps",
    "kept_array_precedent",
    "null_forward_precedent",
    "pass_through_paths",
    "peek_precedent",
    "release_uops",
    "released_arrays",
    "replaced_locals",
    "replaced_peeks",
    "swap_precedent",
    "target_stack_effect",
]

#: Guards whose type lets a release use a cheaper typed POP_TOP (Python/bytecodes.c).
_TYPED_GUARD_RE = re.compile(r"^_GUARD_(TOS|NOS)_(INT|FLOAT|UNICODE)$")


@lru_cache(maxsize=2048)
def facts_of(uop: InstDef) -> RefcountFacts:
    """`analyzer.campaigns.refcount.facts_of`, read once per definition: every step of a guide
    asks about the same body. The result is shared, so callers must not change it."""
    return _read_facts(uop)


def _locals_held(uop: InstDef) -> set[str]:
    """Names holding a local's current value (``tmp = GETLOCAL(oparg);``)."""
    return {a.target for a in body_of(uop).assignments if a.value.startswith("GETLOCAL(")}


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

    Each consumed single-slot input that is released inline gets a forwarded output after the
    existing outputs, deepest first: ``(left, right -- res)`` becomes ``(left, right -- res, l, r)``
    (gh-134584 conversions such as _BINARY_OP_ADD_INT). So do array elements released by name
    (``("args[0]", "a")``, as _CALL_BUILTIN_O), the old value of a peeked input the body
    overwrites (``("temp", "c")``) and a local's old value (``("tmp", "t")``, as _SWAP_FAST).
    Whole arrays are not forwarded: an array cannot be moved into a new output (see
    `released_arrays`). The first item of each pair is what the body names (the right-hand
    side of the move to write), the second the new output.
    """
    facts = facts_of(uop)
    released = _released(uop)
    taken = {i.name for i in (*uop.stack.inputs, *uop.stack.outputs)}
    already = set(facts.forwarded)
    pairs: list[tuple[str, str]] = []
    outputs = list(uop.stack.outputs)
    for item in uop.stack.named_inputs():
        if item.is_array and item.name not in released and item.name in facts.consumed:
            # Single elements released by name (``arg = args[0]; ... CLOSE(arg)``) are forwarded one
            # by one, as _CALL_BUILTIN_O's ``s = args[0];`` (gh-134584).
            for element in sorted(e for e in released if e.startswith(f"{item.name}[")):
                out = forwarded_name(item, taken)
                pairs.append((element, out))
                outputs.append(StackItem(out))
            continue
        if item.is_array or item.name not in released or item.name not in facts.consumed:
            continue
        if any(o.name in already for o in outputs if o.name == item.name):
            continue
        out = forwarded_name(item, taken)
        pairs.append((item.name, out))
        outputs.append(StackItem(out, size=item.size))
    # A local's old value that the body releases after replacing it leaves as an output too
    # (``STORE_FAST`` became ``_SWAP_FAST + POP_TOP`` for gh-134584); so does the old value of
    # a peeked input that the body overwrites (``temp = callable; callable = ...; CLOSE(temp)``).
    for var, item in replaced_peeks(uop):
        out = forwarded_name(item, taken)
        pairs.append((var, out))
        outputs.append(StackItem(out))
    for slot in sorted(replaced_locals(uop)):
        out = forwarded_name(StackItem(slot), taken)
        pairs.append((slot, out))
        outputs.append(StackItem(out))
    return StackEffect(uop.stack.inputs, tuple(outputs), uop.stack.caches), pairs


def replaced_peeks(uop: InstDef) -> list[tuple[str, StackItem]]:
    """(variable, input) for each peeked input whose old value the body closes inline after
    overwriting the input (``temp = callable; callable = ...; PyStackRef_CLOSE(temp)``)."""
    peeks = set(uop.stack.peeks())
    by_name = {i.name: i for i in uop.stack.named_inputs()}
    return [(var, by_name[name]) for var, name in sorted(facts_of(uop).closed.items()) if name in peeks]


def peek_precedent(analysis: Analysis) -> InstDef | None:
    """A uop of this snapshot that saves a peeked input (``temp = callable;``), overwrites it and
    hands the saved value out as a new output (``c = temp;``) instead of closing it, or ``None``
    (there is none in the shared snapshots up to main-2026-06)."""
    for op in sorted(analysis.ops.values(), key=lambda d: d.line):
        peeks = set(op.stack.peeks())
        if not peeks:
            continue
        new_outputs = {o.name for o in op.stack.outputs if not o.is_unused} - {i.name for i in op.stack.inputs}
        moves = body_of(op).moves()
        saved = {var for var, src in moves if src in peeks}
        if any(out in new_outputs and src in saved for out, src in moves):
            return op
    return None


def replaced_locals(uop: InstDef) -> set[str]:
    """Names holding a local's old value (``tmp = GETLOCAL(oparg)``) that the body releases inline."""
    inputs = {i.name for i in uop.stack.inputs}
    held = _locals_held(uop)
    return (facts_of(uop).released & held) - inputs


def swap_precedent(analysis: Analysis) -> InstDef | None:
    """A converted uop of this snapshot that hands a local's old value out as an output instead of
    releasing it (in main-2026-06: ``_SWAP_FAST``, ``trash = tmp;``), or ``None``."""
    for op in sorted(analysis.ops.values(), key=lambda d: d.line):
        held = _locals_held(op)
        outputs = {o.name for o in op.stack.outputs if not o.is_unused}
        if any(out in outputs and src in held for out, src in body_of(op).moves()):
            return op
    return None


def _released(uop: InstDef) -> set[str]:
    """Inputs (``left``), elements (``args[0]``) and locals' old values (``tmp``) released inline;
    every consumed input when ``DECREF_INPUTS()`` is used or nothing is named."""
    facts = facts_of(uop)
    released = set(facts.released)
    if facts.releases_all or not released:
        released |= set(facts.consumed)
    return released


def released_arrays(uop: InstDef) -> list[StackItem]:
    """Consumed array inputs that ``uop`` releases inline as a whole (``args[oparg]``, ``values[oparg*2]``)."""
    facts = facts_of(uop)
    released = _released(uop)
    return [i for i in uop.stack.named_inputs() if i.is_array and i.name in released and i.name in facts.consumed]


def kept_array_precedent(analysis: Analysis) -> tuple[InstDef, Macro] | None:
    """A converted uop of this snapshot that keeps its ``args[oparg]`` array on the stack as an
    output and a macro that releases it with ``_POP_TOP_OPARG`` right after it (in main-2026-06:
    ``_CALL_BUILTIN_CLASS``), or ``None`` when the snapshot has none."""
    if "_POP_TOP_OPARG" not in analysis.ops:
        return None
    for op in sorted(analysis.ops.values(), key=lambda d: d.line):
        kept = {i.name for i in op.stack.inputs if i.size == "oparg" and not i.is_unused}
        if not kept & {o.name for o in op.stack.outputs if o.size == "oparg"}:
            continue
        for macro in analysis.macros_using(op.name):
            names = macro.uop_names()
            if names[names.index(op.name) + 1 : names.index(op.name) + 2] == ("_POP_TOP_OPARG",):
                return op, macro
    return None


def release_uops(analysis: Analysis, macro: Macro | None, pairs: list[tuple[str, str]], uop: InstDef) -> list[str]:
    """POP_TOP-family uops to append for the forwarded single-slot outputs ``pairs``, most recent
    output first, typed where a guard in ``macro`` proves the type (``_POP_TOP_INT``)."""
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
    return [typed.get(inp, "POP_TOP") for inp, _out in reversed(pairs)]


def pass_through_paths(uop: InstDef, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(output, input) moves in ``uop``'s body that hand a released input itself out as a result.

    On such a path (FORMAT_SIMPLE's ``res = value;`` for a str) there is no second reference
    for the forwarded output to carry, so the conversion must set it to ``PyStackRef_NULL``.
    """
    inputs = {i for i, _ in pairs}
    outputs = {o.name for o in uop.stack.outputs if not o.is_unused}
    moves = body_of(uop).moves()
    return list(dict.fromkeys((out, inp) for out, inp in moves if out in outputs and inp in inputs))


def _null_safe_pop(analysis: Analysis) -> str:
    """A note that ``POP_TOP`` tolerates NULL, when this snapshot's ``POP_TOP`` uses ``PyStackRef_XCLOSE``."""
    pop = analysis.insts.get("POP_TOP") or analysis.ops.get("POP_TOP")
    xclose = pop is not None and body_of(pop).calls_to("PyStackRef_XCLOSE")
    return " (`POP_TOP` releases with `PyStackRef_XCLOSE`, which skips NULL)" if xclose else ""


def null_forward_precedent(analysis: Analysis) -> InstDef | None:
    """A converted uop of this snapshot that hands an input out as its result and sets the
    forwarded output to ``PyStackRef_NULL`` on that path (in main-2026-06:
    ``_UNARY_NEGATIVE_FLOAT_INPLACE``), or ``None`` when the snapshot has none."""
    for op in sorted(analysis.ops.values(), key=lambda d: d.line):
        inputs = {i.name for i in op.stack.named_inputs()}
        outputs = {o.name for o in op.stack.outputs if not o.is_unused}
        body = body_of(op)
        nulled = {a.target for a in body.assignments if a.value == "PyStackRef_NULL"} & outputs
        passed = any(out in outputs and inp in inputs for out, inp in body.moves())
        if nulled and passed and body.calls_to("INPUTS_DEAD"):
            return op
    return None


def guide_steps(finding: Finding, analysis: Analysis) -> list[GuideStep]:
    """The refcount conversion of ``finding``'s definition as guide steps: change the stack
    effect, release the references in every instruction that uses it, update the optimizer.

    Raises `KeyError` if ``finding.uop`` is not defined in ``analysis``.
    """
    uop = analysis.ops.get(finding.uop) or analysis.insts[finding.uop]
    target, pairs = target_stack_effect(uop)
    op_name = uop.name if uop.kind == "op" else f"_{uop.name}"
    arrays = released_arrays(uop)
    first: list[Block] = [Paragraph(f"Current: `{uop.kind}({uop.name}, {uop.stack})`")]
    array_release: list[str] | None = []
    if arrays:
        # Arrays change the whole layout: the scalar forwarding of `target` does not apply.
        pairs = []
        array_release = _array_blocks(first, analysis, uop, op_name, arrays, facts_of(uop).how)
    else:
        first.append(Paragraph(f"Target: `op({op_name}, {target})`"))
    first += _move_blocks(analysis, uop, pairs)
    return [
        GuideStep("Change the stack effect", tuple(first)),
        GuideStep(
            "Release the references in every instruction that uses it",
            tuple(_macro_blocks(analysis, uop, op_name, pairs, array_release)),
        ),
        GuideStep(
            "Update the optimizer",
            tuple(_optimizer_blocks(analysis, uop, op_name, target, pairs, bool(arrays))),
        ),
    ]


def _move_blocks(analysis: Analysis, uop: InstDef, pairs: list[tuple[str, str]]) -> list[Block]:
    """How the body hands each forwarded reference out: inputs, locals' and peeked values."""
    out: list[Block] = []
    slots = replaced_locals(uop) if pairs else set()
    peeked = dict(replaced_peeks(uop)) if pairs else {}
    input_pairs = [(i, o) for i, o in pairs if i not in slots and i not in peeked]
    helpers = sorted(h for h in facts_of(uop).how if h in CONSUMING_HELPERS or is_consuming_helper(h))
    if input_pairs and helpers:
        out.append(
            Paragraph(
                f"{', '.join(f'`{h}`' for h in helpers)} consumes the references it is given; call a variant that "
                "borrows them instead (or make one), so that the forwarded outputs still own them."
            )
        )
    if input_pairs:
        moves = " ".join(f"{o} = {i};" for i, o in input_pairs)
        out.append(
            Paragraph(
                f"Replace the inline releases with `{moves}` and mark the inputs dead "
                "(`DEAD(x)` for one, `INPUTS_DEAD()` for all). On error paths use `ERROR_NO_POP()` instead "
                "of `ERROR_IF`, because the inputs are still on the stack, owned by the release uops."
            )
        )
    if slots:
        moves = " ".join(f"{o} = {i};" for i, o in pairs if i in slots)
        swap = swap_precedent(analysis)
        out.append(
            Paragraph(
                "The body releases the old value of a local it overwrites "
                f"({', '.join(f'`{n}`' for n in sorted(slots))}). "
                f"Hand it out instead: replace the release with `{moves}`"
                + (f", as `{swap.name}` (line {swap.line}) does:" if swap else ".")
            )
        )
        if swap:
            out.append(Code(analysis.definition_text(swap)))
    if peeked:
        moves = " ".join(f"{o} = {i};" for i, o in pairs if i in peeked)
        names = ", ".join(f"`{item.name}`" for item in peeked.values())
        model = peek_precedent(analysis)
        text = (
            f"The body overwrites {names} on the stack and then releases the value it held. Hand that value "
            f"out as an extra output instead: replace the release with `{moves}`, and let a `POP_TOP` after the "
            "uop release it"
        )
        if model is None:
            out.append(
                Paragraph(
                    text + ". No uop in this snapshot hands out a replaced stack value yet, so agree on it in the "
                    "upstream issue before you start."
                )
            )
        else:
            out += [
                Paragraph(text + f", as `{model.name}` (line {model.line}) does:"),
                Code(analysis.definition_text(model)),
            ]
    if input_pairs:
        through = pass_through_paths(uop, input_pairs)
        precedent = null_forward_precedent(analysis) if through else None
        if precedent is not None:
            forwarded = dict(pairs)
            paths = ", ".join(f"`{o} = {i};`" for o, i in through)
            nulls = " ".join(f"{forwarded[i]} = PyStackRef_NULL;" for _o, i in dict.fromkeys(through))
            out += [
                Paragraph(
                    f"One path hands the input itself out as a result ({paths}): there is no second reference "
                    f"to forward, so on that path write `{nulls}` instead{_null_safe_pop(analysis)}, as "
                    f"`{precedent.name}` (line {precedent.line}) does:"
                ),
                Code(analysis.definition_text(precedent)),
            ]
    return out


def _macro_blocks(
    analysis: Analysis,
    uop: InstDef,
    op_name: str,
    pairs: list[tuple[str, str]],
    array_release: list[str] | None,
) -> list[Block]:
    """The release uops each macro using ``uop`` needs after it (or why there are none yet)."""
    macros = analysis.macros_using(uop.name) if uop.kind == "op" else ()
    users = ", ".join(f"`{m.name}`" for m in macros) or f"`{uop.name}`"
    out: list[Block] = []
    if array_release is None:
        return [
            Paragraph(
                f"This follows from the design agreed in step 2: once the uop leaves its inputs on the stack, "
                f"{users} must release them with release uops right after it."
            )
        ]
    if uop.kind == "inst":
        caches = " + ".join(f"unused/{c.size}" for c in uop.stack.caches)
        releases = [*array_release, *release_uops(analysis, None, pairs, uop)]
        parts = " + ".join([*([caches] if caches else []), op_name, *releases])
        out += [
            Paragraph(
                f"`{uop.name}` is a whole `inst`. Turn it into `op({op_name}, ...)` (cache entries move into "
                "the macro as `unused/N`) and define the instruction as a macro:"
            ),
            Code(f"macro({uop.name}) = {parts};"),
        ]
    elif not macros:
        out.append(
            Paragraph(
                "No macro uses this uop; it is tier 2 only. Find where the optimizer emits it "
                "(`ADD_OP`/`REPLACE_OP` in `Python/optimizer_bytecodes.c`) and keep the release uops there."
            )
        )
    for macro in macros:
        releases = [*array_release, *release_uops(analysis, macro, pairs, uop)]
        out.append(
            Paragraph(
                f"- `{macro.name}` (line {macro.line}): add `{' + '.join(releases)}` right after "
                f"`{uop.name}`, most recent output first."
            )
            if releases
            else Paragraph(f"- `{macro.name}` (line {macro.line}): no release uop to add.")
        )
    return out


def _optimizer_blocks(
    analysis: Analysis, uop: InstDef, op_name: str, target: StackEffect, pairs: list[tuple[str, str]], keep: bool
) -> list[Block]:
    """The optimizer_bytecodes.c case to change with the uop; ``keep`` when its stack effect is
    settled by the design of step 2 (arrays)."""
    case = analysis.optimizer_cases.get(op_name)
    if case is not None and keep:
        return [
            Paragraph(
                f"`Python/optimizer_bytecodes.c` line {case.line} has this case; keep its stack effect the same as "
                "the uop's once step 2 is settled:"
            ),
            Code(analysis.definition_text(case, optimizer=True)),
        ]
    if case is not None:
        moves = " ".join(f"{o} = {i};" for i, o in pairs if "[" not in i and i in {x.name for x in uop.stack.inputs})
        carry = f"`{moves}`" if moves else "each forwarded output to the input it carries"
        return [
            Paragraph(
                f"`Python/optimizer_bytecodes.c` line {case.line} has this case. Give it the new outputs, "
                f"`{target}`, and set {carry} there too, so that the optimizer can turn the release into "
                "`_POP_TOP_NOP` when the value is borrowed or immortal:"
            ),
            Code(analysis.definition_text(case, optimizer=True)),
        ]
    if analysis.optimizer is not None:
        return [
            Paragraph(
                "`Python/optimizer_bytecodes.c` has no case for this uop; the default abstract interpretation "
                "handles the new outputs. Add a case only if the optimizer can learn a type from it."
            )
        ]
    return [Paragraph("This snapshot has no `Python/optimizer_bytecodes.c`; check the current one in your checkout.")]


def _array_blocks(
    out: list[Block], analysis: Analysis, uop: InstDef, op_name: str, arrays: list[StackItem], how: set[str]
) -> list[str] | None:
    """Step 2 for a uop that releases array inputs (appended to ``out``); returns the release
    uops its macros need, or ``None`` when the snapshot shows no target to aim at.

    CPython's converted variable-argument calls (in main-2026-06, ``_CALL_BUILTIN_CLASS``) keep
    every input on the stack, listed again as outputs, put the result in the deepest input's slot
    and release the rest with ``_POP_TOP_OPARG`` (exactly ``oparg`` references) and ``POP_TOP``.
    Where that shape does not fit (no such precedent in the snapshot, no single-slot input below
    the array for the result, or an array of another length), the guide says so instead of
    inventing a target.
    """
    names = ", ".join(f"`{a}`" for a in arrays)
    notes = [
        f"{names} {'is an array' if len(arrays) == 1 else 'are arrays'}: an array cannot be moved into a "
        "new output, so this conversion keeps the inputs where they are."
    ]
    stealers = sorted(h for h in how if h.endswith("StackRefSteal"))
    if stealers:
        notes.append(
            f"{', '.join(f'`{h}`' for h in stealers)} steals the references it is given; call a variant that "
            "borrows them instead, so they stay on the stack for the release uops."
        )
    inputs = uop.stack.named_inputs()
    precedent = kept_array_precedent(analysis)
    blocker = None
    if precedent is None:
        blocker = "No uop in this snapshot keeps an array on the stack for a release uop yet"
    elif not inputs or inputs[0].is_array:
        blocker = "There is no single-slot input below the array to hold the result"
    elif any(a.size != "oparg" for a in arrays):
        blocker = (
            "`_POP_TOP_OPARG` releases exactly `oparg` references, and "
            + ", ".join(f"`{a}`" for a in arrays if a.size != "oparg")
            + " holds a different number, so it needs a release uop of its own"
        )
    if blocker is not None or precedent is None:
        out += [
            Paragraph("Target: none that this snapshot shows yet."),
            Paragraph(" ".join(notes) + f" {blocker}: agree on the design in the upstream issue before you start."),
        ]
        if precedent is not None:
            out += _precedent_blocks(analysis, *precedent)
        return None
    kept = StackEffect(uop.stack.inputs, uop.stack.inputs, uop.stack.caches)
    deepest = inputs[0].name
    releases = ["_POP_TOP_OPARG" if item.is_array else "POP_TOP" for item in reversed(inputs[1:])]
    out += [
        Paragraph(f"Target, following `{precedent[0].name}`: `op({op_name}, {kept})`"),
        Paragraph(
            " ".join(notes)
            + f" Put the result in `{deepest}`'s slot (save the reference it held first) and leave the other "
            f"inputs for `{' + '.join(releases)}` to release. On error paths use `ERROR_NO_POP()`. The release "
            f"of the value `{deepest}` held is still inline in the converted calls; ask in the upstream issue "
            "whether to keep it that way."
        ),
        *_precedent_blocks(analysis, *precedent),
    ]
    return releases


def _precedent_blocks(analysis: Analysis, op: InstDef, macro: Macro) -> list[Block]:
    names = macro.uop_names()
    shown = " + ".join(names[names.index(op.name) : names.index(op.name) + 3])
    return [
        Paragraph(f"The converted example: `{op.name}` (line {op.line}), used in `{macro.name}` as `{shown}`:"),
        Code(analysis.definition_text(op)),
    ]
