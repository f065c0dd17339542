"""The backfill service: walk a checkout's commits of the DSL files and record where each task flipped.

Data flow: ``git log`` (commits touching Python/bytecodes.c or Python/optimizer_bytecodes.c,
oldest first) → blob ids per commit (``git cat-file --batch-check``) → one analysis per
distinct pair of blobs, cached in `VersionAnalysis` (``jobs.versions_analyze``: Celery
workers or in-process) → statuses compared commit by commit → `TaskFlip` rows, written with
the cache in one transaction. A failed run writes nothing but its `HistoryRun` row saying why.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from analyzer.campaigns import REGISTRY, get
from onboarding.campaigns.models import Campaign, Task
from onboarding.errors import ApplicationError
from onboarding.history.gitlog import DSL_PATHS, Commit, blob_ids, blob_texts, commits_touching, repository_check
from onboarding.history.jobs import fan_out_available, versions_analyze
from onboarding.history.models import HistoryRun, TaskFlip, VersionAnalysis
from onboarding.history.versions import Statuses, analyzer_fingerprint

__all__ = ["Flip", "Progress", "history_scan"]

#: ``progress(message, level)``: 1 a step of the run, 2 the per-commit counter, 3 one flip.
Progress = Callable[[str, int], None]
#: Versions whose texts are read from git at once (each is some 300 KB).
READ_BATCH = 32
#: A version of the DSL files: (bytecodes.c blob id, optimizer_bytecodes.c blob id or "").
VersionKey = tuple[str, str]


def _quiet(message: str, level: int) -> None:
    del message, level


@dataclass(frozen=True)
class Flip:
    """A finding's status at ``commit`` differs from its status just before (``""``: absent)."""

    campaign: str
    name: str
    from_status: str
    to_status: str
    commit: Commit


def history_scan(
    *,
    repository: str | Path,
    branch: str = "main",
    since: dt.date | None = None,
    until: dt.date | None = None,
    progress: Progress | None = None,
) -> HistoryRun:
    """Backfill the flips of every task from the commits of ``branch`` in ``repository``.

    Commits are those that touched the DSL files, oldest first, with committer dates in
    [``since``, ``until``] (days, both included). Each is compared with the version just
    before it (for the first, its parent's), so a flip belongs to the commit that made it
    whatever range is scanned, and re-running a range changes nothing. A campaign's first
    evaluated version is its baseline (no flips). Returns the succeeded `HistoryRun`.

    Raises `GitHistoryError` (no run row) when ``repository`` is not the top of a git
    checkout or ``branch`` is unknown; any later failure marks the run ``failed`` with the
    reason, writes nothing else and propagates.
    """
    report = progress or _quiet
    repo = repository_check(repository, branch=branch)
    run = HistoryRun.objects.create(
        repository=str(repository),
        branch=branch,
        since=since,
        until=until,
        mode="celery" if fan_out_available() else "in-process",
        started_at=timezone.now(),
    )
    try:
        _run(run, repo=repo, report=report)
    except BaseException as exc:
        message = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
        HistoryRun.objects.filter(pk=run.pk).update(
            status=HistoryRun.Status.FAILED, error=message, finished_at=timezone.now()
        )
        raise
    return run


def _run(run: HistoryRun, *, repo: Path, report: Progress) -> None:
    commits = commits_touching(repo, branch=run.branch, since=run.since, until=run.until)
    report(f"{len(commits)} commits of {run.branch} touched the DSL files", 1)
    blobs = blob_ids(repo, ([f"{commits[0].sha}^"] if commits else []) + [c.sha for c in commits])
    keys = [_key(blobs, c.sha) for c in commits]
    baseline = _key(blobs, f"{commits[0].sha}^") if commits else None
    wanted = list(dict.fromkeys(k for k in [baseline, *keys] if k is not None))
    known = _cached(wanted)
    missing = [k for k in wanted if k not in known]
    run.versions, run.cache_hits, run.analyses = len(wanted), len(wanted) - len(missing), len(missing)
    report(
        f"{len(wanted)} versions: {run.cache_hits} cached, {len(missing)} to analyze ({run.mode})",
        1,
    )
    fresh = versions_analyze(_version_texts(repo, missing))
    counter = _Counter(total=len(commits), analyses=len(missing), report=report)
    computed: dict[VersionKey, tuple[Statuses, str]] = {}

    def result_of(key: VersionKey | None) -> tuple[Statuses, str]:
        if key is None:
            return {}, ""
        if key not in known:
            while key not in computed:
                # Versions come back in the order they were first needed, so this loop ends.
                computed[missing[len(computed)]] = next(fresh)
                counter.analyzed()
            known[key] = computed[key]
        return known[key]

    flips = _flips(commits, keys, baseline, result_of=result_of, run=run, counter=counter, report=report)
    with transaction.atomic():
        VersionAnalysis.objects.bulk_create(
            [
                VersionAnalysis(bytecodes_blob=b, optimizer_blob=o, analyzer=analyzer_fingerprint(), results=s, error=e)
                for (b, o), (s, e) in computed.items()
            ],
            ignore_conflicts=True,
        )
        created, updated, deleted = _flips_save(flips, commits=commits, run=run)
        run.flips_created, run.flips_updated, run.flips_deleted = created, updated, deleted
        run.commits = len(commits)
        run.status = HistoryRun.Status.SUCCEEDED
        run.finished_at = timezone.now()
        run.save()
    report(
        f"{len(commits)} commits, {len(flips)} flips: {created} new, {updated} updated, {deleted} removed "
        f"({run.analyses} analyses, {run.cache_hits} cached versions)",
        1,
    )


def _version_texts(repo: Path, keys: list[VersionKey]) -> Iterator[tuple[str, str | None]]:
    """The texts of each version, read ``READ_BATCH`` versions at a time (a long history never sits in memory)."""
    for start in range(0, len(keys), READ_BATCH):
        batch = keys[start : start + READ_BATCH]
        texts = blob_texts(repo, [b for key in batch for b in key if b])
        for bytecodes, optimizer in batch:
            yield texts[bytecodes], texts[optimizer] if optimizer else None


def _key(blobs: dict[tuple[str, str], str | None], revision: str) -> VersionKey | None:
    bytecodes, optimizer = (blobs.get((revision, path)) for path in DSL_PATHS)
    return (bytecodes, optimizer or "") if bytecodes else None


def _cached(keys: list[VersionKey]) -> dict[VersionKey, tuple[Statuses, str]]:
    found: dict[VersionKey, tuple[Statuses, str]] = {}
    wanted = set(keys)
    rows = VersionAnalysis.objects.filter(
        analyzer=analyzer_fingerprint(), bytecodes_blob__in={b for b, _ in keys}
    ).values_list("bytecodes_blob", "optimizer_blob", "results", "error")
    for bytecodes, optimizer, results, error in rows:
        if (bytecodes, optimizer) in wanted:
            found[(bytecodes, optimizer)] = (results, error)
    return found


class _Counter:
    """The per-commit counter with an ETA from the pace of the analyses so far."""

    def __init__(self, *, total: int, analyses: int, report: Progress) -> None:
        self.total, self.analyses, self.report = total, analyses, report
        self.done = 0
        self.started = time.monotonic()

    def analyzed(self) -> None:
        self.done += 1

    def commit(self, index: int, commit: Commit) -> None:
        eta = ""
        if self.done and self.done < self.analyses:
            seconds = (time.monotonic() - self.started) / self.done * (self.analyses - self.done)
            eta = f", ETA {seconds:.0f} s"
        self.report(
            f"[{index}/{self.total}] {commit.sha[:10]} {commit.committed_at:%Y-%m-%d} "
            f"({self.done}/{self.analyses} analyses{eta}) {commit.subject[:60]}",
            2,
        )


def _flips(
    commits: list[Commit],
    keys: list[VersionKey | None],
    baseline: VersionKey | None,
    *,
    result_of: Callable[[VersionKey | None], tuple[Statuses, str]],
    run: HistoryRun,
    counter: _Counter,
    report: Progress,
) -> list[Flip]:
    """Compare each commit's statuses with the previous ones, campaign by campaign."""
    state: dict[str, dict[str, str]] = {}
    statuses, _ = result_of(baseline)
    list(_advance(state, statuses))  # sets the state from the parent's files; yields nothing
    flips: list[Flip] = []
    warnings: list[dict[str, Any]] = []
    for index, (commit, key) in enumerate(zip(commits, keys, strict=True), start=1):
        statuses, error = result_of(key)
        counter.commit(index, commit)
        if error:
            warnings.append({"commit": commit.sha, "message": error})
            report(f"{commit.sha[:10]}: the analyzer rejected this version, kept the previous one:\n{error}", 1)
            continue
        for flip in _advance(state, statuses, commit=commit):
            report(f"  {flip.campaign}/{flip.name}: {flip.from_status or '-'} → {flip.to_status or '-'}", 3)
            flips.append(flip)
    run.warnings = warnings
    return flips


def _advance(state: dict[str, dict[str, str]], statuses: Statuses, *, commit: Commit | None = None) -> Iterator[Flip]:
    """Move ``state`` to ``statuses``; yields the flips (none for a campaign's first evaluated version).

    A finding that disappears flips to ``""`` (absent), or to ``done`` from ``todo`` when its
    campaign's ``gone_status`` is ``done`` (``analyzer.campaigns.base.Campaign``).
    """
    for slug, result in statuses.items():
        if not result["evaluated"]:
            continue
        current: dict[str, str] = result["statuses"]
        previous = state.get(slug)
        state[slug] = current
        if previous is None or commit is None:
            continue
        # A campaign whose work is removing the definition counts a todo that disappears as done.
        gone = "done" if get(slug).gone_status == "done" else ""
        for name in sorted(previous.keys() | current.keys()):
            old = previous.get(name, "")
            new = current.get(name) or (gone if old == "todo" else "")
            if old != new:
                yield Flip(slug, name, old, new, commit)


def _campaigns(slugs: set[str]) -> dict[str, Campaign]:
    found = {c.slug: c for c in Campaign.objects.filter(slug__in=slugs)}
    order = list(REGISTRY)
    for slug in slugs - found.keys():
        info = REGISTRY[slug]
        found[slug] = Campaign.objects.create(
            slug=slug, title=info.title, issue=info.issue, summary=info.summary, position=order.index(slug)
        )
    return found


def _flips_save(flips: list[Flip], *, commits: list[Commit], run: HistoryRun) -> tuple[int, int, int]:
    """Make the flips of ``commits`` exactly ``flips``; returns (created, updated, deleted) row counts."""
    campaigns = _campaigns({f.campaign for f in flips})
    tasks = {
        (t.campaign_id, t.name): t.pk
        for t in Task.objects.filter(campaign__in=campaigns.values(), name__in={f.name for f in flips})
    }
    existing = {
        (r.campaign_id, r.task_name, r.commit): r for r in TaskFlip.objects.filter(commit__in={c.sha for c in commits})
    }
    created: list[TaskFlip] = []
    updated = 0
    seen = set()
    for flip in flips:
        campaign_id = campaigns[flip.campaign].pk
        key = (campaign_id, flip.name, flip.commit.sha)
        seen.add(key)
        fields = {
            "task_id": tasks.get((campaign_id, flip.name)),
            "from_status": flip.from_status,
            "to_status": flip.to_status,
            "committed_at": flip.commit.committed_at,
            "author_name": flip.commit.author_name[:200],
            "author_email": flip.commit.author_email[:200],
            "subject": flip.commit.subject[:300],
            "pr_number": flip.commit.pr_number,
        }
        row = existing.get(key)
        if row is None:
            created.append(
                TaskFlip(campaign_id=campaign_id, task_name=flip.name, commit=flip.commit.sha, run=run, **fields)
            )
        elif any(getattr(row, name) != value for name, value in fields.items()):
            TaskFlip.objects.filter(pk=row.pk).update(run=run, **fields)
            updated += 1
    TaskFlip.objects.bulk_create(created)
    stale = [row.pk for key, row in existing.items() if key not in seen]
    TaskFlip.objects.filter(pk__in=stale).delete()
    return len(created), updated, len(stale)
