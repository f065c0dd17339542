"""Conversions mined from two snapshots, and the one most like a task (its worked example)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analyzer.analysis import Analysis
from analyzer.campaigns import Finding, get
from analyzer.campaigns.base import definition_of

__all__ = [
    "Conversion",
    "Shape",
    "closest_conversion",
    "conversions_between",
    "example_lead",
    "shape_of",
    "simplest_conversion",
    "worked_example",
]


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

    ``before_text`` and ``after_text`` are ready to show side by side; the campaign's
    ``example_texts`` hook decides what they hold (by default the definition before, then the
    definition and the macros using it after).
    """

    campaign: str
    name: str
    before: Finding
    after: Finding
    before_text: str
    after_text: str
    shape: Shape


#: The words the campaigns' ``example_labels`` use for where a worked example came from; when
#: the two snapshots' names are known, `example_lead` names them instead.
_BETWEEN = "the two scanned snapshots"


def example_lead(lead: str, snapshots: tuple[str, str] | None) -> str:
    """A campaign's worked-example ``lead`` (``example_labels[0]``) naming ``snapshots`` (older, newer).

    "was converted between the two scanned snapshots. Before:" becomes "was converted between
    `3.15a-2026-02` and `main-2026-06`. Before:"; a lead without those words gets
    "(between `A` and `B`)" before its closing colon. Unchanged when ``snapshots`` is None.
    """
    if snapshots is None:
        return lead
    between = f"`{snapshots[0]}` and `{snapshots[1]}`"
    if _BETWEEN in lead:
        return lead.replace(_BETWEEN, between)
    text = lead.rstrip()
    colon = ":" if text.endswith(":") else ""
    return f"{text.removesuffix(':')} (between {between}){colon}"


def shape_of(analysis: Analysis, finding: Finding) -> Shape:
    """The `Shape` of a finding's definition in ``analysis`` (zeros when it is not found)."""
    uop = definition_of(analysis, finding)
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


def conversions_between(old: Analysis, new: Analysis, campaign: str) -> list[Conversion]:
    """Tasks of ``campaign`` that went from ``todo`` in ``old`` to ``done`` in ``new``, by name.

    What each one shows comes from the campaign's ``example_texts`` hook
    (``analyzer.campaigns.base``); its shape is the older definition's. For a campaign whose
    ``gone_status`` is ``done``, a ``todo`` finding of ``old`` that ``new`` no longer has is a
    conversion too; its ``after`` is then the older finding itself.
    """
    spec = get(campaign)
    before = {f.name: f for f in spec.run(old).findings}
    later = spec.run(new).findings
    pairs = [
        (before[f.name], f) for f in later if f.name in before and (before[f.name].status, f.status) == ("todo", "done")
    ]
    if spec.gone_status == "done":
        present = {f.name for f in later}
        pairs += [(f, f) for name, f in before.items() if name not in present and f.status == "todo"]
    found = []
    for prior, after in pairs:
        before_text, after_text = spec.example_texts(old, new, prior, after)
        found.append(
            Conversion(
                campaign=campaign,
                name=after.name,
                before=prior,
                after=after,
                before_text=before_text,
                after_text=after_text,
                shape=shape_of(old, prior),
            )
        )
    return found


def simplest_conversion(conversions: Sequence[Conversion]) -> Conversion | None:
    """The mega-issue's worked example: the conversion with the shortest before-and-after text
    (a newcomer reads it first) that shows an after text, ties by name; ``None`` when there is none."""
    if not conversions:
        return None
    return min(conversions, key=lambda c: (not c.after_text, len(c.before_text) + len(c.after_text), c.name))


def worked_example(finding: Finding, analysis: Analysis, conversions: Sequence[Conversion]) -> Conversion | None:
    """The worked example for ``finding``: the campaign's ``choose_example`` hook when it has one,
    else `closest_conversion`."""
    choose = get(finding.campaign).choose_example
    if choose is not None:
        return choose(finding, analysis, conversions)
    return closest_conversion(finding, analysis, conversions)


def closest_conversion(finding: Finding, analysis: Analysis, conversions: Sequence[Conversion]) -> Conversion | None:
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
