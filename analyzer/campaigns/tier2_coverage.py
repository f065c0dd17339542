"""Campaign ``tier2-coverage``: instructions the JIT cannot run yet (gh-143339, gh-142982).

Sources: CPython issue gh-143339, "More JIT bytecode op coverage", and the 3.15 plan's
"80% JIT coverage" item (gh-142982). An instruction whose macro has no tier 2 expansion ends
every trace that reaches it: the trace projector (``Python/optimizer.c``) can only copy an
instruction into a trace through its entry in ``_PyOpcode_macro_expansion``, which the cases
generator fills only for instructions it finds viable.

The rules are CPython's own, reimplemented here from ``Tools/cases_generator/analyzer.py``
(``Uop.why_not_viable``, 2026) and ``Tools/cases_generator/opcode_metadata_generator.py``
(``is_viable_expansion``), read at python/cpython commit
bf96c1ce86541bd06f74873fa5fa9571619a530f:

- an instruction has a tier 2 expansion when every uop among its parts is viable and is not
  tier 1 only (a ``tier1`` annotation); ``specializing`` and ``replaced`` parts are skipped,
  because the trace projector leaves them out or substitutes their tier 2 form;
- a uop is not viable, with CPython's wording, when its name contains ``INSTRUMENTED``
  ("is instrumented"), it is annotated ``replaced`` ("is replaced"), it is the uop of
  ``INTERPRETER_EXIT`` or ``JUMP_BACKWARD`` ("has tier 1 control flow"), its body names
  ``this_instr`` ("uses the 'this_instr' variable"), it reads more than two named inline-cache
  entries ("has too many cache entries"), or it has both popping errors (``ERROR_IF``) and
  non-popping ones (``ERROR_NO_POP``) ("has both popping and not-popping errors", an
  ``exception_unwind`` jump counting as both). ``_SAVE_RETURN_OFFSET`` is viable whatever
  its body says (CPython's own exception: it adjusts ``next_instr`` only in tier 1 code).
  A uop's name is its tier 2 name: ``_X`` for ``inst(X)``.

One finding per instruction (``inst`` or ``macro``; pseudo-instructions are compiler-only),
located at the definition to change (its first blocking part, else its first working uop):
``done`` when it has an expansion; ``not_applicable`` when every blocking reason is one the
JIT handles by design (an ``INSTRUMENTED_*`` instruction is swapped in by monitoring and
traces run the plain form; an ``inst`` annotated ``tier1`` as a whole is interpreter
machinery; tier 1 control flow is the trace projector's own business); ``todo``
otherwise, with each blocking part, its reason and the line that decides it. The findings
are ranked by impact (``analyzer.impact``): the instructions that run most come first.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from analyzer.analysis import Analysis
from analyzer.campaigns.base import Campaign, Code, Finding, GuideStep, Paragraph, make_evidence, make_finding
from analyzer.campaigns.memo import per_analysis
from analyzer.model import InstDef, Macro
from analyzer.tier2 import MAX_NAMED_CACHES, why_not_viable

__all__ = [
    "CAMPAIGN",
    "SLUG",
    "Blocker",
    "expansion_blockers",
    "find",
    "guide_steps",
    "instruction_parts",
    "tier2_instructions",
    "uop_why_not_viable",
]

SLUG = "tier2-coverage"

#: Reasons the JIT handles by design: the instruction never needs an expansion of its own.
BY_DESIGN = ("is instrumented", "has tier 1 control flow")


@dataclass(frozen=True, slots=True)
class Blocker:
    """Why one part of an instruction keeps the instruction out of tier 2.

    ``uop`` is the part's definition name (``inst`` name or ``op`` name), ``reason`` CPython's
    wording (or "is annotated `tier1`"), ``line`` the source line that decides it in ``file``.
    """

    uop: str
    reason: str
    file: str
    line: int
    text: str


#: CPython's ``Uop.why_not_viable`` (shared with the optimizer campaign): ``(reason, line)`` or ``None``.
uop_why_not_viable = why_not_viable


def instruction_parts(analysis: Analysis, name: str) -> tuple[InstDef, ...]:
    """The uop definitions an instruction runs, in order (a macro part naming an ``inst`` is that inst)."""
    inst = analysis.insts.get(name)
    macro = analysis.macros.get(name)
    if macro is None:
        return (inst,) if inst is not None else ()
    parts: list[InstDef] = []
    for part in macro.uop_names():
        found = analysis.ops.get(part) or analysis.insts.get(part)
        if found is not None:
            parts.append(found)
    return tuple(parts)


def _part_blocker(analysis: Analysis, part: InstDef) -> Blocker | None:
    if "tier1" in part.annotations:
        return Blocker(part.name, "is annotated `tier1`", part.file, part.line, _header(part))
    why = uop_why_not_viable(part)
    if why is None:
        return None
    reason, line = why
    text = _header(part) if line == part.line else analysis.tree.bytecodes.line_text(line).strip()
    return Blocker(part.name, reason, part.file, line, text)


def _header(part: InstDef) -> str:
    return f"{' '.join(part.annotations) + ' ' if part.annotations else ''}{part.kind}({part.name}, {part.stack})"


def expansion_blockers(analysis: Analysis, name: str) -> tuple[Blocker, ...]:
    """Why instruction ``name`` has no tier 2 expansion (CPython's ``is_viable_expansion``); empty if it has one."""
    return _all_blockers(analysis).get(name, ())


def _all_blockers(analysis: Analysis) -> dict[str, tuple[Blocker, ...]]:
    """`expansion_blockers` of every instruction (``inst`` or ``macro``), computed once per analysis."""

    def compute() -> dict[str, tuple[Blocker, ...]]:
        by_part: dict[str, Blocker | None] = {}  # a uop shared by many instructions is judged once
        found: dict[str, tuple[Blocker, ...]] = {}
        for name in dict.fromkeys([*analysis.insts, *analysis.macros]):
            blockers: list[Blocker] = []
            for part in instruction_parts(analysis, name):
                if "specializing" in part.annotations or "replaced" in part.annotations:
                    continue
                if part.name in by_part:
                    blocker = by_part[part.name]
                else:
                    blocker = by_part[part.name] = _part_blocker(analysis, part)
                if blocker is not None:
                    blockers.append(blocker)
            found[name] = tuple(blockers)
        return found

    return per_analysis(analysis, "tier2-coverage:blockers", compute)


def tier2_instructions(analysis: Analysis) -> frozenset[str]:
    """Names of the instructions that have a tier 2 expansion in this snapshot."""
    return per_analysis(
        analysis,
        "tier2-coverage:viable",
        lambda: frozenset(name for name, blockers in _all_blockers(analysis).items() if not blockers),
    )


def find(analysis: Analysis) -> Iterator[Finding]:
    """One finding per instruction (``inst`` or ``macro``) of bytecodes.c."""
    for name in dict.fromkeys([*analysis.insts, *analysis.macros]):
        yield _finding(analysis, name)


def _definition(analysis: Analysis, name: str) -> InstDef | Macro:
    macro = analysis.macros.get(name)
    return macro if macro is not None else analysis.insts[name]


def _by_design(analysis: Analysis, name: str, blockers: Sequence[Blocker]) -> str | None:
    """Why an instruction without an expansion needs none, or ``None`` when it is work to do."""
    if "INSTRUMENTED" in name:
        return "is the instrumented form of an instruction: monitoring swaps it in, and traces run the plain form"
    inst = analysis.insts.get(name)
    if inst is not None and "tier1" in inst.annotations:
        return "is declared `tier1` as a whole: it is interpreter machinery, not work a trace could do"
    if all(b.reason in BY_DESIGN for b in blockers):
        return "; ".join(dict.fromkeys(b.reason for b in blockers)) + ": the trace projector handles it itself"
    return None


def _finding(analysis: Analysis, name: str) -> Finding:
    definition = _definition(analysis, name)
    kind = "macro" if isinstance(definition, Macro) else "inst"
    blockers = expansion_blockers(analysis, name)
    header = f"macro({name})" if isinstance(definition, Macro) else f"inst({name}, {definition.stack})"
    evidence = [make_evidence(definition.file, definition.line, header, "the instruction")]
    evidence += [make_evidence(b.file, b.line, b.text, f"`{b.uop}` {b.reason}") for b in blockers]
    family = analysis.family_of(name)
    if not blockers:
        status = "done"
        summary = f"`{name}` has a tier 2 expansion: traces run through it"
    elif (why := _by_design(analysis, name, blockers)) is not None:
        status = "not_applicable"
        summary = f"`{name}` {why}"
    else:
        status = "todo"
        summary = f"`{name}` ends every trace: " + "; ".join(f"`{b.uop}` {b.reason}" for b in blockers)
    difficulty, reasons = _difficulty(analysis, name, blockers)
    if blockers:
        uop = blockers[0].uop
    else:
        parts = instruction_parts(analysis, name)
        working = [p for p in parts if "specializing" not in p.annotations] or list(parts)
        uop = working[0].name if working else name
    # The task's lines are those of the definition to change (its first blocking part), so the
    # checklist's permalink and the guide's "Find the definition" show the same code.
    target = analysis.ops.get(uop) or analysis.insts.get(uop) or definition
    return make_finding(
        campaign=SLUG,
        name=name,
        kind=kind,
        status=status,
        file=target.file,
        line=target.line,
        end_line=target.end_line,
        difficulty=difficulty,
        reasons=reasons,
        evidence=tuple(evidence),
        uop=uop,
        family=family.name if family is not None else None,
        summary=summary,
        macros=(name,) if kind == "macro" else (),
    )


#: Points per blocking reason: how much has to change to remove it.
_REASON_POINTS = {
    "uses the 'this_instr' variable": (
        1,
        "reads `this_instr`: replace it with what tier 2 has (an operand, `frame->instr_ptr` or a cache entry)",
    ),
    "has too many cache entries": (2, "reads more than two named cache entries: tier 2 passes at most two operands"),
    "has both popping and not-popping errors": (
        2,
        "mixes `ERROR_IF` and `ERROR_NO_POP`: split the uop so each part has one kind of error exit",
    ),
    "is annotated `tier1`": (3, "has a part annotated `tier1`: split off the part that needs the interpreter"),
}


def _difficulty(analysis: Analysis, name: str, blockers: Sequence[Blocker]) -> tuple[str, tuple[str, ...]]:
    score = 0
    reasons: list[str] = []
    for b in blockers:
        points, why = _REASON_POINTS.get(b.reason, (0, f"`{b.uop}` {b.reason}"))
        score += points
        reasons.append(f"`{b.uop}` {why}" if b.reason in _REASON_POINTS else why)
    for part in dict.fromkeys(b.uop for b in blockers):  # in order: a set's order follows the hash seed
        uop = analysis.ops.get(part) or analysis.insts.get(part)
        if uop is not None and uop.end_line - uop.line + 1 > 40:
            score += 1
            reasons.append(f"`{part}` is {uop.end_line - uop.line + 1} lines long")
    if not blockers:
        reasons.append("nothing blocks its tier 2 expansion")
    level = "easy" if score <= 1 else "medium" if score <= 3 else "hard"
    return level, tuple(reasons)


def guide_steps(finding: Finding, analysis: Analysis) -> Sequence[GuideStep]:
    """The plan for one ``todo`` instruction: each blocking part, what CPython's rule says, what to change."""
    blockers = expansion_blockers(analysis, finding.name)
    steps: list[GuideStep] = []
    parts = instruction_parts(analysis, finding.name)
    listing = ", ".join(f"`{p.name}`" for p in parts) or f"`{finding.name}`"
    steps.append(
        GuideStep(
            "See why the generator leaves it out",
            (
                Paragraph(
                    f"`{finding.name}` runs {listing}. `Tools/cases_generator` gives an instruction a tier 2 "
                    "expansion only when every part is viable (`Uop.why_not_viable` in `analyzer.py`, "
                    "`is_viable_expansion` in `opcode_metadata_generator.py`). Here:"
                ),
                *(Paragraph(f"- `{b.uop}` {b.reason} ({b.file}:{b.line}: `{b.text}`)") for b in blockers),
            ),
        )
    )
    for b in blockers:
        steps.append(GuideStep(f"Make `{b.uop}` viable", tuple(_fix_blocks(b, analysis, shown=finding.uop))))
    steps.append(
        GuideStep(
            "Check the expansion",
            (
                Paragraph(
                    "After `make regen-cases`, `Include/internal/pycore_opcode_metadata.h` must list "
                    f"`[{finding.name}]` in `_PyOpcode_macro_expansion`, and a trace through the instruction "
                    "must no longer stop there:"
                ),
                Code(f"grep -n '\\[{finding.name}\\]' Include/internal/pycore_opcode_metadata.h", "sh"),
            ),
        )
    )
    return tuple(steps)


def _fix_blocks(b: Blocker, analysis: Analysis, *, shown: str) -> Iterator[Paragraph | Code]:
    """What to change for one blocker; the part's code unless it is ``shown`` already."""
    uop = analysis.ops.get(b.uop) or analysis.insts.get(b.uop)
    if b.reason == "uses the 'this_instr' variable":
        yield Paragraph(
            "Tier 2 has no `this_instr`. Pass what the body reads from it as an operand or cache entry, or "
            "move the code that needs it into a separate `tier1` uop and keep the rest viable."
        )
    elif b.reason == "has too many cache entries":
        yield Paragraph(
            f"Tier 2 gives a uop at most {MAX_NAMED_CACHES} operands. Split the uop so each part reads at most "
            f"{MAX_NAMED_CACHES} named cache entries, or skip the unused ones with `unused/N` in the macro."
        )
    elif b.reason == "has both popping and not-popping errors":
        yield Paragraph(
            "Use one kind of error exit: after the inputs have been handed out use `ERROR_NO_POP()` "
            "everywhere, or split the uop where the kind changes."
        )
    elif b.reason == "is annotated `tier1`":
        yield Paragraph(
            "This part is declared interpreter-only. Split the instruction so the part that needs tier 1 "
            "is separate from the work tier 2 can do, and give the latter its own `op`."
        )
    else:
        yield Paragraph(f"`{b.uop}` {b.reason}.")
    if uop is not None and uop.name != shown:
        yield Code(analysis.definition_text(uop))


def example_texts(old: Analysis, new: Analysis, before: Finding, after: Finding) -> tuple[str, str]:
    """An instruction that gained a tier 2 expansion: its definition and blocking parts in ``old``,
    then its definition in ``new`` with the parts that are new or changed."""
    old_parts = {p.name: p for p in instruction_parts(old, before.name)}
    blocked = {b.uop for b in expansion_blockers(old, before.name)}
    before_texts = [old.definition_text(_definition(old, before.name))]
    before_texts += [old.definition_text(p) for n, p in old_parts.items() if n in blocked and n != before.name]
    after_texts = [new.definition_text(_definition(new, after.name))]
    for part in instruction_parts(new, after.name):
        was = old.ops.get(part.name) or old.insts.get(part.name)
        if part.name != after.name and (was is None or was.code.strip() != part.code.strip()):
            after_texts.append(new.definition_text(part))
    return "\n\n".join(before_texts), "\n\n".join(after_texts)


CAMPAIGN = Campaign(
    slug=SLUG,
    stage="dsl",
    title="More JIT bytecode op coverage",
    issue="gh-143339",
    summary="Give every instruction a tier 2 expansion so traces no longer end at it.",
    find=find,
    guide_steps=guide_steps,
    example_texts=example_texts,
    example_labels=(
        "gained a tier 2 expansion between the two scanned snapshots. Before, with the part that kept it out:",
        "After, with its new or changed parts:",
    ),
    pr_verb="Support in tier 2:",
    how_to=(
        "Read the task's guide: it names each part of the instruction that keeps it out of tier 2, "
        "with CPython's own reason (`Tools/cases_generator/analyzer.py`, `Uop.why_not_viable`) and the line.",
        "Change `Python/bytecodes.c` so every part is viable (split off what needs tier 1, replace the "
        "unsupported construct), run `make regen-cases` and rebuild with `./configure --enable-experimental-jit`.",
        "Check that `_PyOpcode_macro_expansion` in `Include/internal/pycore_opcode_metadata.h` now lists the "
        "instruction, add a test in `Lib/test/test_capi/test_opt.py` and run `./python -m test test_capi.test_opt`.",
    ),
    intro=(
        "The JIT builds traces by copying each instruction's tier 2 expansion (its uops) into the trace. An "
        "instruction that has none ends the trace there, and everything after it runs in the interpreter. "
        "The 3.15 plan (gh-142982) aims at 80% JIT coverage. Each task below is one instruction that still "
        "has no expansion, with the reason CPython's cases generator gives. Ranked by impact (the share of "
        "executed instructions over pyperformance, `--order impact` or the site's impact sort), the first "
        "tasks end the most traces."
    ),
)
