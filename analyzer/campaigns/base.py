"""The campaign interface: what a campaign module defines, and what generic code asks of it.

A campaign is one conversion effort modelled on a CPython mega-issue. Adding one is one
module in ``analyzer/campaigns/`` that builds a `Campaign` and one line in the registry
(``analyzer/campaigns/__init__.py``). Everything that differs between campaigns lives in
the `Campaign` record; the Markdown renderer (``analyzer.markdown``), the history miner
(``analyzer.history``), the Django site and the API only call its hooks and render or
store what they return. They never test a campaign's slug.

The contract, hook by hook (only ``slug``, ``title``, ``issue``, ``summary`` and ``find``
are required; every other hook has a working default):

``find(analysis) -> Iterable[Finding] | None``
    The rules: one `Finding` per candidate definition, ``todo``/``done``/``not_applicable``,
    with reasons, evidence and difficulty; ``None`` when the snapshot lacks what the
    campaign needs (``unavailable`` then says why). Findings carry ``campaign=slug``.
``guide_steps(finding, analysis) -> Sequence[GuideStep]``
    The conversion plan of one ``todo`` finding, as data: the steps between "Find the
    definition" and "Regenerate the generated cases" (for example "Change the stack
    effect", "Release the references in every instruction that uses it", "Update the
    optimizer"). The guide renderer numbers them and renders `Paragraph`/`Code` blocks.
    Default: one step saying what the finding's summary says.
``pr_verb``
    The pull request title is ``"{issue}: {pr_verb} {name}"``.
``how_to``
    The middle items of the mega-issue's "How to contribute" list (after "claim it", before
    "open a pull request"), as Markdown strings. Default: `DEFAULT_HOW_TO`.
``intro``
    The mega-issue's opening paragraph (default: ``summary``).
``example_texts(old, new, before, after) -> (before_text, after_text)``
    What the worked example of a conversion shows, given the older and newer analyses and
    the finding in each: default, the definition in ``old`` and the definition plus the
    macros using it in ``new`` (`default_example_texts`).
``example_labels``
    ``(lead, after_label)``: the guide says "`NAME` had the same shape and {lead}", shows the
    before text, then ``after_label`` and the after text.
``gone_status``
    What a task becomes when its finding is missing from a newer snapshot: ``"retired"``
    (default) or ``"done"`` when disappearing is the conversion itself. The scan service
    reads it, and with ``"done"`` the history miner counts a ``todo`` finding of the older
    snapshot that the newer one lacks as converted.
``test_hint``
    What the guide's test step says to assert about the executor's uops (optional).
``stage``
    The JIT stage (``dsl``, ``optimizer``, ...) its pull requests change, for the bus factor.
``choose_example(finding, analysis, conversions) -> Conversion | None``
    Which mined conversion is the worked example for a ``todo`` finding (default: the
    nearest by shape, `analyzer.history.closest_conversion`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING

from analyzer.analysis import Analysis

# The model's cheaper ``__init__`` for frozen slotted dataclasses (one slot ``__set__`` per
# field instead of ``object.__setattr__``): campaigns make a few thousand findings and
# evidence lines per analysis.
from analyzer.model import InstDef, direct_slot_init, slot_constructor

if TYPE_CHECKING:
    from analyzer.history import Conversion

__all__ = [
    "DEFAULT_HOW_TO",
    "DIFFICULTIES",
    "STATUSES",
    "Block",
    "Campaign",
    "CampaignResult",
    "Code",
    "Evidence",
    "Finding",
    "GuideStep",
    "Paragraph",
    "default_example_texts",
    "definition_of",
    "make_evidence",
    "make_finding",
]

#: Finding statuses: still to convert, converted, or nothing to convert.
STATUSES = ("todo", "done", "not_applicable")
#: Difficulty levels, easiest first.
DIFFICULTIES = ("easy", "medium", "hard")


@direct_slot_init
@dataclass(frozen=True, slots=True)
class Evidence:
    """One source line that decides a finding: ``file:line`` and its text (stripped)."""

    file: str
    line: int
    text: str
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "text": self.text, "note": self.note}


@direct_slot_init
@dataclass(frozen=True, slots=True)
class Finding:
    """One task of a campaign: an instruction or uop and whether it still needs converting.

    ``name`` is the task's stable identity across snapshots (an instruction name, or a uop
    name for uops that no single instruction owns); ``kind`` is ``inst``, ``op`` or
    ``macro``; ``uop`` is the definition that holds the code (``_IS_OP`` for the
    ``IS_OP`` task of a macro); ``line``/``end_line`` span that definition in ``file``.
    ``reasons`` explain ``difficulty`` in words a person can check against the code.
    """

    campaign: str
    name: str
    kind: str
    status: str
    file: str
    line: int
    end_line: int
    difficulty: str
    reasons: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    uop: str
    family: str | None = None
    summary: str = ""
    macros: tuple[str, ...] = field(default=())
    #: Share (0..1) of executed tier-1 instructions whose expansion contains ``uop``, from
    #: pystats (see ``analyzer.impact``); ``None`` when no execution counts were given.
    impact: float | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form used by ``python -m analyzer --format json`` (see README)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "file": self.file,
            "line": self.line,
            "end_line": self.end_line,
            "difficulty": self.difficulty,
            "reasons": list(self.reasons),
            "evidence": [e.to_dict() for e in self.evidence],
            "uop": self.uop,
            "family": self.family,
            "summary": self.summary,
            "macros": list(self.macros),
            "impact": self.impact,
        }


# The campaigns make thousands of findings and evidence lines per analysis: they call these
# instead of the classes, with the same parameters and the same result, made without the class
# call (`analyzer.model.slot_constructor`). The type checker sees the classes themselves.
if TYPE_CHECKING:
    make_evidence = Evidence
    make_finding = Finding
else:
    make_evidence = slot_constructor(Evidence)
    make_finding = slot_constructor(Finding)


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A block of Markdown text in a guide step (a sentence, a list item)."""

    text: str


@dataclass(frozen=True, slots=True)
class Code:
    """A fenced code block in a guide step; ``language`` is the fence's info string."""

    text: str
    language: str = "c"


#: One block of a guide step.
Block = Paragraph | Code


@dataclass(frozen=True, slots=True)
class GuideStep:
    """One numbered step of a task's guide: ``### N. title`` followed by its blocks."""

    title: str
    blocks: tuple[Block, ...]


#: "How to contribute" items between claiming a task and opening the pull request.
DEFAULT_HOW_TO = (
    "Read the task's guide there: it shows the definition, the target stack effect, every "
    "macro to change and an already-converted example of the same shape.",
    "Edit `Python/bytecodes.c` (and the case in `Python/optimizer_bytecodes.c` if there "
    "is one), then run `make regen-cases` and rebuild with `./configure --enable-experimental-jit`.",
    "Add or extend a test in `Lib/test/test_capi/test_opt.py` and run `./python -m test test_capi.test_opt`.",
)


def definition_of(analysis: Analysis, finding: Finding) -> InstDef | None:
    """The ``op`` or ``inst`` definition named by ``finding.uop`` in ``analysis``, or ``None``."""
    return analysis.ops.get(finding.uop) or analysis.insts.get(finding.uop)


def default_example_texts(old: Analysis, new: Analysis, before: Finding, after: Finding) -> tuple[str, str]:
    """A conversion shown as the definition in ``old``, then the definition and the macros
    using it in ``new`` (empty text where a definition is missing)."""
    was, now = definition_of(old, before), definition_of(new, after)
    before_text = old.definition_text(was) if was is not None else ""
    if now is None:
        return before_text, ""
    parts = [new.definition_text(now), *(new.definition_text(m) for m in new.macros_using(now.name))]
    return before_text, "\n\n".join(parts)


def _summary_step(finding: Finding, analysis: Analysis) -> Sequence[GuideStep]:
    return (GuideStep("Change the definition", (Paragraph(finding.summary),)),)


@dataclass(frozen=True)
class CampaignResult:
    """A campaign's findings for one snapshot, sorted by name.

    ``evaluated`` is false when the snapshot lacks what the campaign needs (the optimizer
    campaign without optimizer_bytecodes.c); ``note`` then says why.
    """

    campaign: Campaign
    findings: tuple[Finding, ...]
    evaluated: bool = True
    note: str = ""

    def count(self, status: str) -> int:
        return sum(1 for f in self.findings if f.status == status)


@dataclass(frozen=True)
class Campaign:
    """A conversion effort modelled on a CPython mega-issue; the hooks are described in the
    module docstring. ``find`` maps an `Analysis` to its findings, or ``None`` when the
    snapshot cannot be judged (the result then carries ``unavailable`` as its note)."""

    slug: str
    title: str
    issue: str
    summary: str
    find: Callable[[Analysis], Iterable[Finding] | None]
    unavailable: str = ""
    intro: str = ""
    guide_steps: Callable[[Finding, Analysis], Sequence[GuideStep]] = _summary_step
    pr_verb: str = "Convert"
    how_to: tuple[str, ...] = DEFAULT_HOW_TO
    example_texts: Callable[[Analysis, Analysis, Finding, Finding], tuple[str, str]] = default_example_texts
    example_labels: tuple[str, str] = ("was converted between the two scanned snapshots. Before:", "After:")
    choose_example: Callable[[Finding, Analysis, Sequence[Conversion]], Conversion | None] | None = None
    #: The JIT stage whose files the campaign's pull requests change (PEP 836's ``frontend``,
    #: ``optimizer``, ``backend``, or ``dsl`` for Python/bytecodes.c); the site's bus factor
    #: counts a merged pull request whose files are unknown in its campaign's stage.
    stage: str = ""
    #: What the guide's test step tells a contributor to assert, in parentheses after "assert the
    #: uops you expect" (refcount: `_POP_TOP_NOP` where the value is borrowed); empty for none.
    test_hint: str = ""
    #: Follow-up issues whose pull requests belong to this campaign (``("gh-145866",)``): the
    #: site links a pull request to the campaign by its issue (``onboarding.claims.matching``).
    related_issues: tuple[str, ...] = ()
    #: The status a task takes when its finding disappears from a newer snapshot: ``retired``
    #: (the op is gone upstream) by default; ``done`` for a campaign whose work is removing
    #: the definition (``decompose``: a composite uop is done once it is gone from both files).
    gone_status: str = "retired"

    @property
    def issue_url(self) -> str:
        return f"https://github.com/python/cpython/issues/{self.issue.removeprefix('gh-')}"

    def run(self, analysis: Analysis) -> CampaignResult:
        """Run on one snapshot; findings sorted by name, one per name."""
        found = self.find(analysis)
        if found is None:
            return CampaignResult(self, (), evaluated=False, note=self.unavailable)
        return CampaignResult(self, tuple(sorted(found, key=attrgetter("name"))))
