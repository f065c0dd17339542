"""Campaign ``optimizer``: tier-2 uops with no abstract-interpretation case (gh-131798).

Source: CPython issue gh-131798, "Better uop coverage in the JIT optimizer", and
``Python/optimizer_bytecodes.c``: a uop with no ``op(NAME, ...)`` case there gets the
generator's default abstract interpretation, which sets its outputs to unknown symbols, so
the optimizer learns nothing from it (docs/DSL-NOTES.md section 7).

Candidates are the ``op`` definitions of bytecodes.c. ``tier1``, ``specializing`` and
``replaced`` uops never run in tier 2 traces and are ``not_applicable``. A snapshot
without optimizer_bytecodes.c is not evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzer.analysis import Analysis
from analyzer.campaigns.base import Campaign, Evidence, Finding
from analyzer.campaigns.common import definition_evidence, difficulty_of, family_name
from analyzer.model import InstDef

__all__ = ["CAMPAIGN", "emitted_by", "find"]

#: ``ADD_OP(_X, ...)`` or ``REPLACE_OP(this_instr, _X, ...)``: a case emitting another uop.
_EMIT_RE = re.compile(r"\b(?:ADD_OP|REPLACE_OP)\s*\(\s*(?:this_instr\s*,\s*)?(_[A-Z0-9_]+)")

#: Annotations of uops that tier 2 never executes (DSL-NOTES.md section 4).
TIER1_ONLY = ("tier1", "specializing", "replaced")


def why_not_applicable(uop: InstDef) -> str | None:
    """Why the optimizer needs no case for ``uop``, or ``None`` when it could use one."""
    for word in TIER1_ONLY:
        if word in uop.annotations:
            return f"annotated `{word}`: the uop never appears in a tier 2 trace"
    return None


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
        for name in dict.fromkeys(_EMIT_RE.findall(case.code)):
            if name != case.name:
                found.setdefault(name, []).append(case.name)
    return found


def _findings(analysis: Analysis) -> Iterator[Finding]:
    cases = analysis.optimizer_cases
    emitters = emitted_by(analysis)
    for uop in analysis.ops.values():
        evidence = list(definition_evidence(uop))
        reason_na = why_not_applicable(uop)
        case = cases.get(uop.name)
        if case is not None:
            status = "done"
            evidence.append(
                Evidence(case.file, case.line, f"op({case.name}, {case.stack})", "abstract interpretation case")
            )
            summary = f"`{uop.name}` has a case in optimizer_bytecodes.c"
        elif reason_na is not None:
            status = "not_applicable"
            summary = reason_na
        else:
            status = "todo"
            summary = f"`{uop.name}` has no case in optimizer_bytecodes.c; its outputs are unknown to the optimizer"
        difficulty, reasons = difficulty_of(analysis, uop, campaign="optimizer")
        if status == "todo" and uop.name in emitters:
            by = ", ".join(f"`{name}`" for name in emitters[uop.name][:3])
            reasons += (
                f"emitted by the optimizer itself (in the case of {by}): the abstract interpreter may never "
                "meet it, so check where it is used before writing a case",
            )
        macros = tuple(m.name for m in analysis.macros_using(uop.name))
        yield Finding(
            campaign="optimizer",
            name=uop.name,
            kind=uop.kind,
            status=status,
            file=uop.file,
            line=uop.line,
            end_line=uop.end_line,
            difficulty=difficulty,
            reasons=reasons,
            evidence=tuple(evidence),
            uop=uop.name,
            family=family_name(analysis, macros),
            summary=summary,
            macros=macros,
        )


CAMPAIGN = Campaign(
    slug="optimizer",
    title="Better uop coverage in the JIT optimizer",
    issue="gh-131798",
    summary="Give every tier 2 uop an abstract-interpretation case in Python/optimizer_bytecodes.c.",
    find=find,
    unavailable="no Python/optimizer_bytecodes.c in this snapshot: coverage cannot be judged",
    intro=(
        "The tier 2 optimizer walks each trace with an abstract interpreter defined in "
        "`Python/optimizer_bytecodes.c`. A uop without a case there gets a default that marks "
        "its outputs as unknown, so types, constants and known-ness are lost at that point and "
        "later guards, refcount operations and branches cannot be removed. Each task below adds "
        "the missing case so the optimizer can keep what it knows across the uop."
    ),
)
