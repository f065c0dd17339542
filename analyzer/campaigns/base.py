"""What every campaign produces: `Finding`s with `Evidence`, and the `Campaign` record."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from analyzer.analysis import Analysis

__all__ = ["DIFFICULTIES", "STATUSES", "Campaign", "CampaignResult", "Evidence", "Finding"]

#: Finding statuses: still to convert, converted, or nothing to convert.
STATUSES = ("todo", "done", "not_applicable")
#: Difficulty levels, easiest first.
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One source line that decides a finding: ``file:line`` and its text (stripped)."""

    file: str
    line: int
    text: str
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "text": self.text, "note": self.note}


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
    """A conversion effort modelled on a CPython mega-issue.

    ``find`` maps an `Analysis` to its findings; it returns ``None`` when the snapshot
    cannot be judged (the reason goes in ``unavailable``'s result).
    """

    slug: str
    title: str
    issue: str
    summary: str
    find: Callable[[Analysis], Iterable[Finding] | None]
    unavailable: str = ""
    intro: str = ""

    @property
    def issue_url(self) -> str:
        return f"https://github.com/python/cpython/issues/{self.issue.removeprefix('gh-')}"

    def run(self, analysis: Analysis) -> CampaignResult:
        """Run on one snapshot; findings sorted by name, one per name."""
        found = self.find(analysis)
        if found is None:
            return CampaignResult(self, (), evaluated=False, note=self.unavailable)
        return CampaignResult(self, tuple(sorted(found, key=lambda f: f.name)))
