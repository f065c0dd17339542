"""Conversions mined from two snapshots, and the one most like a task (its worked example)."""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.analysis import Analysis
from analyzer.campaigns import Finding, get
from analyzer.model import InstDef

__all__ = ["Conversion", "Shape", "closest_conversion", "conversions_between", "shape_of"]


@dataclass(frozen=True)
class Shape:
    """What makes two tasks alike: consumed inputs, array inputs, outputs, family, body length (lines)."""

    inputs: int
    arrays: int
    outputs: int
    family: str | None
    length: int


@dataclass(frozen=True)
class Conversion:
    """A task that was ``todo`` in the older snapshot and ``done`` in the newer one.

    ``before`` and ``after`` are the definition texts, ready to show side by side: for
    ``refcount`` the uop, then in ``after`` the macros using it; for ``optimizer`` the uop's
    bytecodes.c definition in the newer snapshot, then in ``after`` its new case in
    optimizer_bytecodes.c.
    """

    campaign: str
    name: str
    before: Finding
    after: Finding
    before_text: str
    after_text: str
    shape: Shape


def _definition(analysis: Analysis, finding: Finding) -> InstDef | None:
    return analysis.ops.get(finding.uop) or analysis.insts.get(finding.uop)


def shape_of(analysis: Analysis, finding: Finding) -> Shape:
    """The `Shape` of a finding's definition in ``analysis`` (zeros when it is not found)."""
    uop = _definition(analysis, finding)
    if uop is None:
        return Shape(0, 0, 0, finding.family, 0)
    peeks = uop.stack.peeks()
    consumed = [i for i in uop.stack.named_inputs() if i.name not in peeks]
    return Shape(
        inputs=len(consumed),
        arrays=sum(1 for i in consumed if i.is_array),
        outputs=len(uop.stack.outputs),
        family=finding.family,
        length=uop.end_line - uop.line + 1,
    )


def _texts(analysis: Analysis, finding: Finding, *, with_macros: bool) -> str:
    uop = _definition(analysis, finding)
    if uop is None:
        return ""
    if finding.campaign == "optimizer" and with_macros:
        # What the conversion added is the abstract-interpretation case, not a bytecodes.c change.
        case = analysis.optimizer_cases.get(uop.name)
        return analysis.definition_text(case, optimizer=True) if case is not None else ""
    parts = [analysis.definition_text(uop)]
    if with_macros:
        parts += [analysis.definition_text(m) for m in analysis.macros_using(uop.name)]
    return "\n\n".join(parts)


def conversions_between(old: Analysis, new: Analysis, campaign: str) -> list[Conversion]:
    """Tasks of ``campaign`` that went from ``todo`` in ``old`` to ``done`` in ``new``, by name."""
    spec = get(campaign)
    before = {f.name: f for f in spec.run(old).findings}
    found = []
    for after in spec.run(new).findings:
        prior = before.get(after.name)
        if prior is None or (prior.status, after.status) != ("todo", "done"):
            continue
        found.append(
            Conversion(
                campaign=campaign,
                name=after.name,
                before=prior,
                after=after,
                # For a new optimizer case, show the uop as the case sees it (the newer definition).
                before_text=_texts(
                    new if campaign == "optimizer" else old,
                    after if campaign == "optimizer" else prior,
                    with_macros=False,
                ),
                after_text=_texts(new, after, with_macros=True),
                shape=shape_of(old, prior),
            )
        )
    return found


def closest_conversion(finding: Finding, analysis: Analysis, conversions: list[Conversion]) -> Conversion | None:
    """The conversion most like ``finding`` (its shape in ``analysis``), or ``None`` if there are none.

    Distance: 3 per consumed input of difference, 3 per array input of difference, 1 per
    output of difference, 2 when the families differ, 1 per 20 lines of length difference;
    ties go to the shorter example, then by name. A task is never its own example.
    """
    target = shape_of(analysis, finding)

    def distance(c: Conversion) -> tuple[float, int, str]:
        s = c.shape
        d = (
            3 * abs(s.inputs - target.inputs)
            + 3 * abs(s.arrays - target.arrays)
            + abs(s.outputs - target.outputs)
            + (0 if s.family == target.family else 2)
            + abs(s.length - target.length) / 20
        )
        return d, s.length, c.name

    candidates = [c for c in conversions if c.name != finding.name]
    return min(candidates, key=distance) if candidates else None
