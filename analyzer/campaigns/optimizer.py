"""Campaign ``optimizer``: tier-2 uops with no abstract-interpretation case (gh-131798).

Source: CPython issue gh-131798, "Better uop coverage in the JIT optimizer", and
``Python/optimizer_bytecodes.c``: a uop with no ``op(NAME, ...)`` case there gets the
generator's default abstract interpretation, which sets its outputs to unknown symbols, so
the optimizer learns nothing from it (docs/DSL-NOTES.md section 7).

Candidates are the tier 2 uops: every ``op`` of bytecodes.c, and the uop ``_NAME`` that
CPython's cases generator makes for an ``inst(NAME)`` (gh-131798's checklist lists such uops,
``_BUILD_LIST``, ``_GET_LEN``); the finding is named ``_NAME`` and points at the ``inst``. A
candidate that never runs in a tier 2 trace is ``not_applicable``, with the reason: the
annotations ``tier1``, ``specializing`` and ``replaced`` (DSL-NOTES.md section 4), or the
reasons of CPython's ``Uop.why_not_viable`` in ``Tools/cases_generator/analyzer.py``
(instrumented, tier 1 control flow, uses ``this_instr``, more than two named cache entries,
both popping and non-popping errors), restated in `analyzer.tier2.why_not_viable`. A snapshot without
optimizer_bytecodes.c is not evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.analysis import Analysis
from analyzer.campaigns.base import (
    Campaign,
    Code,
    Finding,
    GuideStep,
    Paragraph,
    definition_of,
    make_evidence,
    make_finding,
)
from analyzer.campaigns.common import definition_evidences, difficulty_of, family_name
from analyzer.cbody import body_of
from analyzer.model import InstDef
from analyzer.tier2 import why_not_viable

__all__ = ["CAMPAIGN", "emitted_by", "example_texts", "find", "guide_steps", "nearest_case"]

#: Annotations of uops that tier 2 never executes (DSL-NOTES.md section 4).
TIER1_ONLY = ("tier1", "specializing", "replaced")


def why_not_applicable(uop: InstDef) -> str | None:
    """Why the optimizer needs no case for ``uop``, or ``None`` when it could use one."""
    for word in TIER1_ONLY:
        if word in uop.annotations:
            return f"annotated `{word}`: the uop never appears in a tier 2 trace"
    why = why_not_viable(uop)
    if why is not None:
        return f"{why[0]} (CPython's `Uop.why_not_viable`): the cases generator makes no tier 2 uop of it"
    return None


def candidates(analysis: Analysis) -> list[InstDef]:
    """The definitions that could be tier 2 uops: every ``op``, and every ``inst`` whose
    ``_NAME`` is not also an ``op`` (the uop CPython's generator makes of it), in file order."""
    insts = [i for i in analysis.insts.values() if i.tier2_name not in analysis.ops]
    return sorted([*analysis.ops.values(), *insts], key=lambda d: d.line)


def find(analysis: Analysis) -> Iterator[Finding] | None:
    """One finding per ``op`` of bytecodes.c; ``None`` without optimizer_bytecodes.c."""
    if analysis.optimizer is None:
        return None
    return _findings(analysis)


def emitted_by(analysis: Analysis) -> dict[str, list[str]]:
    """Uop -> the optimizer cases that put it into the trace themselves (``ADD_OP(_X, ...)``,
    ``REPLACE_OP(this_instr, _X, ...)`` in optimizer_bytecodes.c; DSL-NOTES.md section 7)."""
    found: dict[str, list[str]] = {}
    for case in analysis.optimizer_cases.values():
        if "ADD_OP" not in case.code and "REPLACE_OP" not in case.code:
            continue  # no emitting call can be in it: spare tokenizing the body
        for name in dict.fromkeys(body_of(case).emitted_uops()):
            if name != case.name:
                found.setdefault(name, []).append(case.name)
    return found


def _difficulty_facts(uop: InstDef) -> list[tuple[int, str]]:
    """The optimizer's own difficulty: +1 when the case must create a symbol per array element."""
    for output in uop.stack.outputs:
        if output.is_array and not output.is_unused:
            return [(1, "array outputs: the case must create a symbol per element")]
    return []


def _findings(analysis: Analysis) -> Iterator[Finding]:
    cases = analysis.optimizer_cases
    emitters = emitted_by(analysis)
    headers = definition_evidences(analysis)
    for uop in candidates(analysis):
        name = uop.tier2_name
        evidence = [headers[uop]]
        case = cases.get(name)
        if case is not None:
            status = "done"
            evidence.append(
                make_evidence(case.file, case.line, f"op({case.name}, {case.stack})", "abstract interpretation case")
            )
            summary = f"`{name}` has a case in optimizer_bytecodes.c"
        elif (reason_na := why_not_applicable(uop)) is not None:
            status = "not_applicable"
            summary = reason_na
        else:
            status = "todo"
            summary = f"`{name}` has no case in optimizer_bytecodes.c; its outputs are unknown to the optimizer"
        if uop.kind == "inst":
            summary += f" (the tier 2 uop CPython's cases generator makes of `inst({uop.name})`)"
        difficulty, reasons = difficulty_of(analysis, uop, own=_difficulty_facts(uop))
        if status == "todo" and name in emitters:
            by = ", ".join(f"`{emitter}`" for emitter in emitters[name][:3])
            reasons += (
                f"emitted by the optimizer itself (in the case of {by}): the abstract interpreter may never "
                "meet it, so check where it is used before writing a case",
            )
        macros = analysis.macro_names_using(uop.name)
        yield make_finding(
            campaign="optimizer",
            name=name,
            kind=uop.kind,
            status=status,
            file=uop.file,
            line=uop.line,
            end_line=uop.end_line,
            difficulty=difficulty,
            reasons=reasons,
            evidence=tuple(evidence),
            uop=uop.name,
            family=family_name(analysis, [uop.name, *macros] if uop.kind == "inst" else macros),
            summary=summary,
            macros=macros,
        )


def guide_steps(finding: Finding, analysis: Analysis) -> list[GuideStep]:
    """One step: the case to add to optimizer_bytecodes.c, the instructions using the uop and the
    nearest existing case of the same snapshot. Raises `KeyError` if ``finding.uop`` is undefined."""
    uop = analysis.ops.get(finding.uop) or analysis.insts[finding.uop]
    blocks: list[Paragraph | Code] = [
        Paragraph(
            "In `Python/optimizer_bytecodes.c`, between the BEGIN and END BYTECODES markers, add a case with the "
            "same stack effect (names may differ; `unused` is fine for slots you do not touch):"
        ),
        Code(
            f"op({uop.tier2_name}, {uop.stack}) {{\n    // set each output's symbol: sym_new_type(),"
            " sym_new_const(), sym_new_not_null(), ...\n}"
        ),
        Paragraph(
            "Use what the uop guarantees: a result type, a constant when the inputs are constants "
            "(`REPLACE_OPCODE_IF_EVALUATES_PURE`), or a guard the optimizer can remove."
        ),
    ]
    users = analysis.macros_using(uop.name)
    if users:
        blocks.append(Paragraph("Instructions that use it: " + ", ".join(f"`{m.name}`" for m in users) + "."))
    near = nearest_case(analysis, uop)
    if near is not None:
        blocks += [
            Paragraph(
                f"The nearest existing case, for `{near.name}` (line {near.line} of `Python/optimizer_bytecodes.c`), "
                "a uop of a similar shape:"
            ),
            Code(analysis.definition_text(near, optimizer=True)),
        ]
    return [GuideStep("Add the abstract-interpretation case", tuple(blocks))]


def example_texts(old: Analysis, new: Analysis, before: Finding, after: Finding) -> tuple[str, str]:
    """A conversion is the case added to optimizer_bytecodes.c: shown beside the uop as the case
    sees it (its definition in ``new``), not as a change to bytecodes.c."""
    uop = definition_of(new, after)
    if uop is None:
        return "", ""
    case = new.optimizer_cases.get(uop.tier2_name)
    return new.definition_text(uop), new.definition_text(case, optimizer=True) if case is not None else ""


def nearest_case(analysis: Analysis, uop: InstDef) -> InstDef | None:
    """The optimizer case of this snapshot whose uop is most like ``uop``, or ``None``.

    Likeness: the leading words the names share (``_BINARY_OP_ADD_FLOAT`` for
    ``_BINARY_OP_ADD_FLOAT_INPLACE``) count most, then the same number of inputs, array inputs
    and outputs, then the closest body length; ties go to the shorter case, then by name.
    """

    def common_words(a: str, b: str) -> int:
        n = 0
        for x, y in zip(a.lstrip("_").split("_"), b.lstrip("_").split("_"), strict=False):
            if x != y:
                break
            n += 1
        return n

    def shape(d: InstDef) -> tuple[int, int, int]:
        named = d.stack.named_inputs()
        return len(named), sum(1 for i in named if i.is_array), len(d.stack.outputs)

    target = shape(uop)
    best: tuple[tuple[float, int, str], InstDef] | None = None
    for name, case in analysis.optimizer_cases.items():
        other = analysis.ops.get(name)
        if other is None or name == uop.tier2_name:
            continue
        d: float = max(0, 8 - 2 * common_words(name, uop.tier2_name))
        d += sum(abs(a - b) for a, b in zip(shape(other), target, strict=True))
        d += abs((other.end_line - other.line) - (uop.end_line - uop.line)) / 20
        key = (d, case.end_line - case.line, name)
        if best is None or key < best[0]:
            best = (key, case)
    return best[1] if best else None


CAMPAIGN = Campaign(
    slug="optimizer",
    stage="optimizer",
    title="Better uop coverage in the JIT optimizer",
    issue="gh-131798",
    summary="Give every tier 2 uop an abstract-interpretation case in Python/optimizer_bytecodes.c.",
    find=find,
    unavailable="no Python/optimizer_bytecodes.c in this snapshot: coverage cannot be judged",
    guide_steps=guide_steps,
    pr_verb="Add an optimizer case for",
    example_texts=example_texts,
    example_labels=(
        "got its case between the two scanned snapshots. The uop:",
        "The case added to `Python/optimizer_bytecodes.c`:",
    ),
    intro=(
        "The tier 2 optimizer walks each trace with an abstract interpreter defined in "
        "`Python/optimizer_bytecodes.c`. A uop without a case there gets a default that marks "
        "its outputs as unknown, so types, constants and known-ness are lost at that point and "
        "later guards, refcount operations and branches cannot be removed. Each task below adds "
        "the missing case so the optimizer can keep what it knows across the uop."
    ),
)
