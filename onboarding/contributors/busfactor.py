"""The bus factor per JIT stage: how many distinct people have merged work in each stage (issue 10, item 5).

PEP 836 makes the JIT's future depend on "more than one active maintainer familiar with each
stage" (frontend, optimizer, code-generation backend). `STAGES` is the one table mapping
stages to CPython files; edit it when the code moves. A merged pull request counts for the
stages whose files it changed (``PullRequest.changed_files``); when none of its known files
belongs to a stage (the lists are often incomplete), for the stages its campaign works in
(`Stage.campaigns`). Where neither tells, the PR is listed as unattributed instead of guessed.

Its person is the claimant of its claim, else its author (``PullRequest.author``, only when
``author_verified``). Windows end on ``as_of`` (default: today): the last 90 days, the last
year, all time. A merged PR with an unknown merge date counts in "all time" only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from analyzer.campaigns import REGISTRY
from onboarding.claims.models import PullRequest
from onboarding.contributors.models import Contributor

__all__ = ["ACTIVE_MINIMUM", "STAGES", "WINDOWS", "BusFactor", "Stage", "StageRow", "StageWindow", "bus_factor"]


@dataclass(frozen=True)
class Stage:
    """A stage of the JIT: the files that are it (a path ending in ``/`` is a folder), and campaigns working in it."""

    slug: str
    title: str
    paths: tuple[str, ...]
    note: str = ""

    @property
    def campaigns(self) -> tuple[str, ...]:
        """Slugs of the campaigns working in this stage (each campaign says so: ``Campaign.stage``)."""
        return tuple(c.slug for c in REGISTRY.values() if c.stage == self.slug)

    def owns(self, path: str) -> bool:
        return any(path.startswith(p) if p.endswith("/") else path == p for p in self.paths)


#: The stages of PEP 836 plus the interpreter DSL they all share. Edit here; nothing else names files.
STAGES: tuple[Stage, ...] = (
    Stage(
        "frontend",
        "Frontend (trace recording)",
        ("Python/optimizer.c",),
        note="Records the traces of uops that the later stages optimize and compile.",
    ),
    Stage(
        "optimizer",
        "Optimizer (middle-end)",
        ("Python/optimizer_analysis.c", "Python/optimizer_bytecodes.c", "Python/optimizer_symbols.c"),
        note="Abstract interpretation of traces: types, constants, removed guards and refcounts.",
    ),
    Stage(
        "backend",
        "Code-generation backend",
        ("Python/jit.c", "Tools/jit/"),
        note="Stencils and machine code for each uop.",
    ),
    Stage(
        "dsl",
        "Interpreter DSL (shared by all stages)",
        ("Python/bytecodes.c",),
        note="The instruction definitions every stage is generated from.",
    ),
)

#: The windows: slug → (label, length in days or ``None`` for all time).
WINDOWS: dict[str, tuple[str, int | None]] = {
    "90d": ("last 90 days", 90),
    "1y": ("last year", 365),
    "all": ("all time", None),
}
#: Fewer distinct people than this in a window flags the stage (PEP 836: "more than one").
ACTIVE_MINIMUM = 2


@dataclass
class StageWindow:
    """One stage in one window: the people (sorted by handle) and how many merged PRs they made there."""

    window: str
    label: str
    people: list[Contributor] = field(default_factory=list)
    pull_requests: int = 0

    @property
    def count(self) -> int:
        return len(self.people)

    @property
    def flagged(self) -> bool:
        """Fewer than `ACTIVE_MINIMUM` people: one person (or nobody) holds this stage."""
        return self.count < ACTIVE_MINIMUM


@dataclass
class StageRow:
    stage: Stage
    windows: list[StageWindow]


@dataclass
class BusFactor:
    """The table, plus what the data cannot place: PRs with no stage, unknown people, unknown merge dates.

    ``files_unknown`` counts merged PRs without any known changed file; ``by_campaign`` those
    placed by their campaign because no known file of theirs belongs to a stage.
    """

    as_of: dt.date
    newest_merge: dt.date | None
    rows: list[StageRow]
    unattributed: list[PullRequest]
    unknown_people: list[PullRequest]
    undated: list[PullRequest]
    files_unknown: int
    by_campaign: int
    merged: int


def _stages_of(pr: PullRequest) -> tuple[list[Stage], bool]:
    """The stages of a merged PR, and whether its files told (else its campaign did, or nothing)."""
    files = pr.changed_files or []
    by_files = [s for s in STAGES if any(s.owns(f) for f in files)]
    if by_files:
        return by_files, True
    slug = pr.campaign.slug if pr.campaign is not None else None
    return [s for s in STAGES if slug in s.campaigns], False


def _person(pr: PullRequest) -> Contributor | None:
    if pr.claim is not None:
        return pr.claim.contributor
    return pr.author if pr.author_verified else None


def bus_factor(*, as_of: dt.date | None = None) -> BusFactor:
    """Distinct people with merged work per stage (`STAGES`) and window (`WINDOWS`) ending on ``as_of``.

    ``as_of`` defaults to today; merges after it are left out. One query.
    """
    as_of = as_of or timezone.localdate()
    prs = list(
        PullRequest.objects.filter(state=PullRequest.State.MERGED)
        .filter(Q(merged_at__isnull=True) | Q(merged_at__date__lte=as_of))
        .select_related("author__user", "claim__contributor__user", "campaign")
        .order_by("number")
    )
    people: dict[tuple[str, str], dict[int, Contributor]] = {}
    counts: dict[tuple[str, str], int] = {}
    unattributed, unknown_people, undated = [], [], []
    files_unknown = by_campaign = 0
    for pr in prs:
        stages, from_files = _stages_of(pr)
        files_unknown += not pr.changed_files
        by_campaign += bool(stages) and not from_files
        person = _person(pr)
        if not stages:
            unattributed.append(pr)
        if person is None:
            unknown_people.append(pr)
        merged = pr.merged_at.date() if pr.merged_at is not None else None
        if merged is None:
            undated.append(pr)
        for window, (_, days) in WINDOWS.items():
            if days is not None and (merged is None or (as_of - merged).days >= days):
                continue
            for stage in stages:
                key = (stage.slug, window)
                counts[key] = counts.get(key, 0) + 1
                if person is not None:
                    people.setdefault(key, {})[person.pk] = person
    rows = [
        StageRow(
            stage=stage,
            windows=[
                StageWindow(
                    window=window,
                    label=label,
                    people=sorted(
                        people.get((stage.slug, window), {}).values(), key=lambda c: c.github_handle.casefold()
                    ),
                    pull_requests=counts.get((stage.slug, window), 0),
                )
                for window, (label, _) in WINDOWS.items()
            ],
        )
        for stage in STAGES
    ]
    newest = max((pr.merged_at.date() for pr in prs if pr.merged_at is not None), default=None)
    return BusFactor(
        as_of=as_of,
        newest_merge=newest,
        rows=rows,
        unattributed=unattributed,
        unknown_people=unknown_people,
        undated=undated,
        files_unknown=files_unknown,
        by_campaign=by_campaign,
        merged=len(prs),
    )
