"""Campaign ``decompose``: composite uops become sequences of simple ones (gh-148211).

Source: CPython issue gh-148211, "Refactor the JIT uops" (April 2026). Uops such as
``_POP_TOP_LOAD_CONST_INLINE_BORROW`` or ``_POP_CALL_TWO_LOAD_CONST_INLINE_BORROW`` exist only
because the optimizer once could rewrite one instruction in place with one uop. Now that
``Python/optimizer_bytecodes.c`` can emit several uops (``ADD_OP``), it should emit their
parts instead, and the composite should be deleted from ``Python/bytecodes.c`` and from
``Python/optimizer_bytecodes.c``.

A composite is found by what it does, not by its name. Its body is read as straight-line
statements (no ``if``, loop, jump or nested block) and each statement is one stack action:

- **release** an input: ``PyStackRef_CLOSE(x)`` or ``PyStackRef_XCLOSE(x)``;
- **drop** an input without code: it is only marked dead (``DEAD(x)``, ``INPUTS_DEAD()``);
- **load** an output from inline-cache operands: ``out = EXPR`` where ``EXPR`` reads no input;
- **move** an input to an output: ``out = in``;

``assert(...)`` and ``(void)x`` are ignored. Every input must be released, dropped or moved,
and every output loaded or moved, so the stack effect is exactly the concatenation of the
actions. Each release, drop and load must be the whole body of an existing simpler uop (the
same action and stack effect, cache entries of the same size): that uop is the part. Moves
that leave the stack in another order than pops-then-loads would are one more part, a stack
shuffle, done by an existing uop whose outputs only reorder its inputs (``SWAP``). A uop is
composite when it is made of at least two parts.

One finding per composite present, ``todo``. A composite is done when it is gone from both
files, which no single snapshot can show: the campaign says so with ``gone_status = "done"``,
and the scan marks a task whose uop disappeared done instead of retired.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analyzer.analysis import Analysis
from analyzer.campaigns.base import Campaign, Code, Finding, GuideStep, Paragraph, make_evidence, make_finding
from analyzer.campaigns.memo import per_analysis
from analyzer.cbody import Body, body_of
from analyzer.model import InstDef

if TYPE_CHECKING:
    from analyzer.history import Conversion

__all__ = ["CAMPAIGN", "SLUG", "Action", "Composite", "actions_of", "composites", "emitters", "find", "guide_steps"]

SLUG = "decompose"

_CONTROL_WORDS = frozenset({"if", "else", "for", "while", "switch", "goto", "return", "do"})
#: More statements than this and a body is not a composite of simple stack actions.
MAX_STATEMENTS = 12
_IDENT_RE = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
_CALL1_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$")
_ASSIGN_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$", re.DOTALL)
_VOID_RE = re.compile(r"^\(\s*void\s*\)\s*[A-Za-z_][A-Za-z0-9_]*$")
_RELEASES = ("PyStackRef_CLOSE", "PyStackRef_XCLOSE")
#: First tokens of the statements `actions_of` accepts, besides ``assert...`` and an output's name.
_ACTION_STARTS = frozenset({"(", "INPUTS_DEAD", "DEAD", *_RELEASES})


@dataclass(frozen=True, slots=True)
class Action:
    """One stack action of a straight-line body: ``kind`` is release, drop, load or move.

    ``item`` is the input (release, drop, move) or output (load) it concerns; ``source`` the
    input a move copies; ``expr`` a load's expression with cache names replaced by ``$0``,
    ``$1``... and ``sizes`` those caches' sizes in code units.
    """

    kind: str
    item: str
    source: str = ""
    expr: str = ""
    sizes: tuple[int, ...] = ()

    @property
    def signature(self) -> tuple[object, ...]:
        """What a part must match: the kind, and for a load its expression and cache sizes."""
        return (self.kind, self.expr, self.sizes) if self.kind == "load" else (self.kind,)


@dataclass(frozen=True, slots=True)
class Composite:
    """A composite uop and the existing uops it is made of, in execution order.

    ``parts`` pairs each part's uop name with what it does here (``"releases `pop`"``).
    """

    uop: InstDef
    parts: tuple[tuple[str, str], ...]

    @property
    def part_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.parts)


def _statements(uop: InstDef) -> list[str] | None:
    """The statements of a straight-line body (tokens from `analyzer.cbody`, so comments never
    count), or ``None`` for a body with a nested block, a preprocessor line or control flow."""
    found = _statement_spans(uop)
    if found is None:
        return None
    body, spans = found
    return [body.text(start, end) for start, end in spans]


def _statement_spans(uop: InstDef) -> tuple[Body, list[tuple[int, int]]] | None:
    """`_statements` as the first and last token of each statement in ``uop``'s `Body`: callers
    that give up at the first statement that is no stack action make the text of no other."""
    code = uop.code.strip()
    inner = code[1:-1] if code.startswith("{") and code.endswith("}") else code
    # Cheap string tests first: a nested block, a preprocessor line or many statements (a
    # composite is a handful of actions) rule a body out before it is tokenized.
    if "{" in inner or "}" in inner or "#" in inner or inner.count(";") > MAX_STATEMENTS:
        return None
    body = body_of(uop)
    if not _CONTROL_WORDS.isdisjoint(body.identifiers):  # a control word can only be an identifier token
        return None
    texts = body.texts
    first, last = 0, len(texts) - 1
    if texts and texts[0] == "{" and texts[-1] == "}":
        first, last = 1, len(texts) - 2
    spans: list[tuple[int, int]] = []
    start = first
    while start <= last:
        try:
            end = texts.index(";", start, last + 1)
        except ValueError:
            break
        if end > start:
            spans.append((start, end - 1))
        start = end + 1
    if start <= last:
        spans.append((start, last))
    return body, spans


def actions_of(uop: InstDef) -> tuple[Action, ...] | None:
    """The stack actions of ``uop``'s body (module docstring), or ``None`` when it is not straight-line
    code made only of such actions, or leaves an input or output unaccounted for."""
    if uop.kind != "op" and uop.kind != "inst":
        return None
    for annotation in uop.annotations:
        if annotation.startswith("replicate"):
            return None
    for item in uop.stack.inputs + uop.stack.outputs:
        if item.is_array:
            return None
    found = _statement_spans(uop)
    if found is None:
        return None
    body, spans = found
    inputs = [i.name for i in uop.stack.inputs if not i.is_unused]
    outputs = [o.name for o in uop.stack.outputs if not o.is_unused]
    if len(inputs) != len(set(inputs)) or len(outputs) != len(set(outputs)):
        return None
    caches = {c.name: c.size for c in uop.stack.caches if c.name != "unused"}
    actions: list[Action] = []
    done_in: set[str] = set()
    done_out: set[str] = set()
    dead: set[str] = set()
    texts = body.texts
    for start, end in spans:
        # A statement that is an action (or is ignored) starts with ``assert``, ``(void)``, one of
        # `_ACTION_STARTS` or the output it assigns: any other first token rules the body out
        # at once, before the statement's text is made.
        first = texts[start]
        if first not in _ACTION_STARTS and first not in outputs and not first.startswith("assert"):
            return None
        stmt = body.text(start, end)
        if stmt.startswith("assert") or _VOID_RE.match(stmt):
            continue
        if stmt.replace(" ", "") == "INPUTS_DEAD()":
            dead.update(inputs)
            continue
        call = _CALL1_RE.match(stmt)
        if call is not None:
            fn, arg = call.groups()
            if fn == "DEAD" and arg in inputs:
                dead.add(arg)
                continue
            if fn in _RELEASES and arg in inputs and arg not in done_in:
                actions.append(Action("release", arg))
                done_in.add(arg)
                continue
            return None
        assign = _ASSIGN_RE.match(stmt)
        if assign is None:
            return None
        target, expr = assign.group(1), assign.group(2).strip()
        if target not in outputs or target in done_out:
            return None
        if expr in inputs and expr not in done_in:
            actions.append(Action("move", target, source=expr))
            done_in.add(expr)
            done_out.add(target)
            continue
        words = {m.group() for m in _IDENT_RE.finditer(expr)}
        if words & set(inputs) or words & set(outputs):
            return None
        used = [name for name in caches if name in words]
        normal = expr
        for n, name in enumerate(used):
            normal = re.sub(rf"\b{re.escape(name)}\b", f"${n}", normal)
        actions.append(Action("load", target, expr=normal, sizes=tuple(caches[n] for n in used)))
        done_out.add(target)
    for name in inputs:
        if name not in done_in:
            if name not in dead:
                return None
            actions.append(Action("drop", name))
    if set(outputs) != done_out:
        return None
    return tuple(actions)


def _is_shuffle(uop: InstDef) -> bool:
    """Whether ``uop`` only reorders its stack items: its outputs are its inputs, and its body
    only copies items into each other (through local temporaries), calling nothing."""
    if len(uop.stack.inputs) < 2 or uop.stack.caches:  # the cheap part of the test below first
        return False
    ins = [i.name for i in uop.stack.inputs if not i.is_unused]
    outs = [o.name for o in uop.stack.outputs if not o.is_unused]
    if len(ins) < 2 or sorted(ins) != sorted(outs):
        return False
    statements = _statements(uop)
    if not statements:
        return False
    temps: set[str] = set()
    for stmt in statements:
        m = re.fullmatch(r"(?:_PyStackRef\s+)?([A-Za-z_]\w*)\s*=\s*([A-Za-z_]\w*)", stmt)
        if m is None:
            return False
        target, source = m.groups()
        if stmt.startswith("_PyStackRef"):
            temps.add(target)
        if (target not in temps and target not in ins) or (source not in temps and source not in ins):
            return False
    return ins != outs or any(not s.startswith("_PyStackRef") for s in statements)


@dataclass(frozen=True)
class _Primitives:
    by_signature: dict[tuple[object, ...], str]
    shuffle: str | None


def _primitives(analysis: Analysis, acts: dict[str, tuple[Action, ...] | None]) -> _Primitives:
    """Uops whose whole body is one action with the matching minimal stack effect."""
    found: dict[tuple[object, ...], list[InstDef]] = {}
    shuffles: list[InstDef] = []
    for uop in (*analysis.ops.values(), *analysis.insts.values()):
        if _is_shuffle(uop):
            shuffles.append(uop)
            continue
        actions = acts.get(uop.name) if uop.kind == "op" else actions_of(uop)
        if actions is None or len(actions) != 1:
            continue
        action = actions[0]
        ins = [i for i in uop.stack.inputs if not i.is_unused]
        outs = [o for o in uop.stack.outputs if not o.is_unused]
        minimal = (
            (len(uop.stack.inputs) == 1 and not uop.stack.outputs)
            if action.kind in ("release", "drop")
            else (action.kind == "load" and not uop.stack.inputs and len(uop.stack.outputs) == 1)
        )
        if minimal and len(ins) + len(outs) == 1:
            found.setdefault(action.signature, []).append(uop)

    def rank(u: InstDef) -> tuple[bool, int, int, str]:
        # A pure uop (the optimizer may remove it) that most instructions use is the canonical
        # one: POP_TOP rather than END_FOR, which closes its input the same way.
        return ("pure" not in u.annotations, -len(analysis.macros_using(u.name)), len(u.name), u.name)

    table = {sig: min(uops, key=rank).tier2_name for sig, uops in found.items()}
    shuffle = min(shuffles, key=rank).tier2_name if shuffles else None
    return _Primitives(table, shuffle)


def _decompose(uop: InstDef, actions: tuple[Action, ...] | None, prims: _Primitives) -> Composite | None:
    if actions is None or len(actions) < 2:
        return None
    parts: list[tuple[str, str]] = []
    pops = [a for a in actions if a.kind in ("release", "drop")]
    loads = [a for a in actions if a.kind == "load"]
    moves = {a.source: a.item for a in actions if a.kind == "move"}
    # Pops first, top of the stack first, then the loads in output order.
    order = [i.name for i in uop.stack.inputs if not i.is_unused]
    for action in sorted(pops, key=lambda a: -order.index(a.item)):
        name = prims.by_signature.get(action.signature)
        if name is None or name == uop.tier2_name:
            return None
        parts.append((name, f"{'releases' if action.kind == 'release' else 'drops'} `{action.item}`"))
    outputs = [o.name for o in uop.stack.outputs if not o.is_unused]
    for action in sorted(loads, key=lambda a: outputs.index(a.item)):
        name = prims.by_signature.get(action.signature)
        if name is None or name == uop.tier2_name:
            return None
        parts.append((name, f"pushes `{action.item}`"))
    kept = [n for n in order if n in moves]
    in_place = order[: len(kept)] == kept and [moves[n] for n in kept] + [a.item for a in loads] == outputs
    if moves and not in_place:
        if prims.shuffle is None:
            return None
        moved = ", ".join(f"`{src}` → `{dst}`" for src, dst in moves.items())
        parts.append((prims.shuffle, f"reorders the stack ({moved})"))
    if len(parts) < 2:
        return None
    return Composite(uop, tuple(parts))


def composites(analysis: Analysis) -> tuple[Composite, ...]:
    """Every composite ``op`` of bytecodes.c with its parts, in source order."""

    def compute() -> tuple[Composite, ...]:
        acts = {name: actions_of(uop) for name, uop in analysis.ops.items()}
        prims = _primitives(analysis, acts)
        found = (_decompose(uop, acts[name], prims) for name, uop in analysis.ops.items())
        return tuple(c for c in found if c is not None)

    return per_analysis(analysis, "composites", compute)


def _emissions(analysis: Analysis) -> dict[str, list[tuple[int, str, str]]]:
    """Uop name -> ``(line, text, case)`` of each ``ADD_OP``/``REPLACE_OP`` emitting it."""

    def compute() -> dict[str, list[tuple[int, str, str]]]:
        source = analysis.tree.optimizer
        found: dict[str, list[tuple[int, str, str]]] = {}
        if source is None:
            return found
        for case in analysis.optimizer_cases.values():
            if "_OP" not in case.code:  # neither ADD_OP nor REPLACE_OP: nothing to tokenize
                continue
            for call in body_of(case).calls_to("ADD_OP", "REPLACE_OP"):
                uop = next((a for a in call.args if a.startswith("_") and a.isidentifier()), None)
                if uop is not None:
                    found.setdefault(uop, []).append((call.line, source.line_text(call.line).strip(), case.name))
        return found

    return per_analysis(analysis, "emissions", compute)


def emitters(analysis: Analysis, name: str) -> list[tuple[int, str]]:
    """``(line, text)`` of each ``ADD_OP``/``REPLACE_OP`` of ``name`` in optimizer_bytecodes.c."""
    return sorted((line, text) for line, text, _ in _emissions(analysis).get(name, ()))


def find(analysis: Analysis) -> Iterator[Finding]:
    """One ``todo`` finding per composite uop of bytecodes.c."""
    for composite in composites(analysis):
        yield _finding(analysis, composite)


def _finding(analysis: Analysis, composite: Composite) -> Finding:
    uop = composite.uop
    header = f"{' '.join(uop.annotations) + ' ' if uop.annotations else ''}op({uop.name}, {uop.stack})"
    evidence = [make_evidence(uop.file, uop.line, header, "the composite and its stack effect")]
    for i, text in enumerate(uop.code.split("\n")[1:-1], start=1):
        if text.strip():
            evidence.append(make_evidence(uop.file, uop.body_line + i, text.strip(), "one action of the body"))
    opt_file = analysis.optimizer.file if analysis.optimizer is not None else ""
    emitted = emitters(analysis, uop.name)
    for line, text in emitted:
        evidence.append(make_evidence(opt_file, line, text, "the optimizer emits the composite"))
    case = analysis.optimizer_cases.get(uop.name)
    if case is not None:
        evidence.append(make_evidence(case.file, case.line, f"op({case.name}, {case.stack})", "its optimizer case"))
    recipe = " + ".join(f"`{name}`" for name in composite.part_names)
    reasons = [f"{len(composite.parts)} parts: " + "; ".join(f"`{n}` {what}" for n, what in composite.parts)]
    score = 0
    if emitted:
        reasons.append(f"emitted in {len(emitted)} place{'s' if len(emitted) != 1 else ''} of optimizer_bytecodes.c")
        score += 1 if len(emitted) > 2 else 0
    else:
        reasons.append("nothing in optimizer_bytecodes.c emits it any more: it only has to be deleted")
    if case is not None:
        reasons.append("has its own optimizer case to delete")
    if any(name == _shuffle_name(composite) for name in composite.part_names):
        score += 1
        reasons.append("its outputs reorder the stack: the replacement needs a shuffle uop")
    users = analysis.macros_using(uop.name)
    if users:
        score += 2
        reasons.append("used by " + ", ".join(m.name for m in users) + ": the macros must list the parts too")
    difficulty = "easy" if score == 0 else "medium" if score <= 2 else "hard"
    return make_finding(
        campaign=SLUG,
        name=uop.name,
        kind=uop.kind,
        status="todo",
        file=uop.file,
        line=uop.line,
        end_line=uop.end_line,
        difficulty=difficulty,
        reasons=tuple(reasons),
        evidence=tuple(evidence),
        uop=uop.name,
        family=None,
        summary=f"`{uop.name}` is {recipe}: emit the parts and delete the composite",
        macros=tuple(m.name for m in users),
    )


def _shuffle_name(composite: Composite) -> str:
    return next((n for n, what in composite.parts if what.startswith("reorders")), "")


def guide_steps(finding: Finding, analysis: Analysis) -> Sequence[GuideStep]:
    """The plan for one composite: its parts, where the optimizer emits it, what to delete."""
    composite = next((c for c in composites(analysis) if c.uop.name == finding.uop), None)
    if composite is None:
        return (GuideStep("Replace the composite", (Paragraph(finding.summary),)),)
    uop = composite.uop
    steps = [
        GuideStep(
            "Read it as its parts",
            (
                Paragraph(
                    f"`{uop.name}` `{uop.stack}` does what these existing uops do one at a time (pops "
                    "from the top of the stack first, then loads, then a shuffle if its outputs need one):"
                ),
                *(Paragraph(f"- `{name}`: {what}") for name, what in composite.parts),
                Code(analysis.definition_text(uop)),
            ),
        )
    ]
    emitted = emitters(analysis, uop.name)
    operand = next((c.name for c in uop.stack.caches if c.name != "unused"), None)
    sequence = "\n".join(
        f"ADD_OP({name}, 0, {'<the ' + operand + ' operand>' if operand and what.startswith('pushes') else '0'});"
        for name, what in composite.parts
    )
    if emitted:
        steps.append(
            GuideStep(
                "Emit the parts in the optimizer",
                (
                    Paragraph(
                        "In `Python/optimizer_bytecodes.c`, each place that emits the composite emits its parts "
                        "instead (a `REPLACE_OP` of the composite becomes a `REPLACE_OP` of the first part and "
                        "`ADD_OP`s of the rest; the oparg of a shuffle uop is the stack depth it swaps):"
                    ),
                    *(Paragraph(f"- line {line}: `{text}`") for line, text in emitted),
                    Code(sequence),
                ),
            )
        )
    case = analysis.optimizer_cases.get(uop.name)
    deletions = [f"its `op({uop.name}, ...)` definition in `Python/bytecodes.c` (lines {uop.line}-{uop.end_line})"]
    if case is not None:
        deletions.append(f"its case in `Python/optimizer_bytecodes.c` (lines {case.line}-{case.end_line})")
    steps.append(
        GuideStep(
            "Delete the composite",
            (
                Paragraph("Delete " + " and ".join(deletions) + "."),
                Paragraph(
                    "Search for other mentions (`Python/optimizer_analysis.c`, `Python/optimizer_symbols.c`, "
                    "`Lib/test/test_capi/test_opt.py`) and replace them with the parts:"
                ),
                Code(f"git grep -n {uop.name}", "sh"),
            ),
        )
    )
    return tuple(steps)


def example_texts(old: Analysis, new: Analysis, before: Finding, after: Finding) -> tuple[str, str]:
    """A removed composite: its definition and the optimizer cases that emitted it in ``old``,
    then the same cases in ``new``, which now emit the parts."""
    del after
    uop = old.ops.get(before.uop)
    cases = _emitting_cases(old, before.uop)
    before_parts = [old.definition_text(uop)] if uop is not None else []
    before_parts += [old.definition_text(c, optimizer=True) for c in cases]
    after_parts = [
        new.definition_text(new.optimizer_cases[c.name], optimizer=True) for c in cases if c.name in new.optimizer_cases
    ]
    return "\n\n".join(before_parts), "\n\n".join(after_parts)


def choose_example(finding: Finding, analysis: Analysis, conversions: Sequence[Conversion]) -> Conversion | None:
    """The worked example: the composite most like ``finding`` among those whose removal shows
    the optimizer emitting the parts (an example without an after text teaches nothing)."""
    from analyzer.history import closest_conversion  # the history miner imports the registry

    return closest_conversion(finding, analysis, [c for c in conversions if c.after_text])


def _emitting_cases(analysis: Analysis, name: str) -> list[InstDef]:
    cases = dict.fromkeys(case for _, _, case in _emissions(analysis).get(name, ()) if case != name)
    return [analysis.optimizer_cases[case] for case in cases]


CAMPAIGN = Campaign(
    slug=SLUG,
    stage="optimizer",
    title="Refactor the JIT uops: composite uops become sequences of simple ones",
    issue="gh-148211",
    summary="Replace each composite uop by ADD_OPs of the simple uops it is made of, then delete it.",
    find=find,
    guide_steps=guide_steps,
    pr_verb="Replace the composite uop",
    how_to=(
        "Read the task's guide: it lists the simple uops the composite is made of and every place "
        "`Python/optimizer_bytecodes.c` emits it.",
        "Emit the parts with `ADD_OP` instead, delete the composite from `Python/bytecodes.c` and "
        "`Python/optimizer_bytecodes.c`, run `make regen-cases` and rebuild with "
        "`./configure --enable-experimental-jit`.",
        "Run `./python -m test test_capi.test_opt` (its tests name the uops a trace holds; update them to the parts).",
    ),
    intro=(
        "Many tier 2 uops exist only because the optimizer could once replace one instruction with exactly "
        "one uop: a pop or a shuffle fused with a constant load, such as `_POP_TOP_LOAD_CONST_INLINE_BORROW`. "
        "The optimizer can now emit several uops, so these composites only add code to the interpreter, the "
        "JIT's stencils and the optimizer. Each task below is one composite, found because its body and "
        "stack effect are exactly a sequence of existing simple uops; replace it by that sequence and delete it."
    ),
    example_texts=example_texts,
    choose_example=choose_example,
    example_labels=(
        "was replaced by its parts between the two scanned snapshots. The composite and the optimizer "
        "case that emitted it, before:",
        "The same optimizer case after, emitting the parts:",
    ),
    gone_status="done",
)
