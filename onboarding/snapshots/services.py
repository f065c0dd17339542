"""The scan service: run the analyzer on a CPython snapshot and write what it found, in one transaction.

Data flow (STYLE.md): bytecodes.c → ``analyzer.analysis.analyze`` → campaign findings →
`scan_run` → Snapshot, Campaign, Task, TaskStatusChange and CampaignProgress rows. The Scan
row is written outside the transaction, so a failed scan records why and changes nothing else.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analyzer.analysis import Analysis, analyze
from analyzer.campaigns import CampaignResult, Finding, run_all
from analyzer.errors import AnalyzerError, Diagnostic, DSLSyntaxError
from analyzer.gitinfo import tree_at_commit
from analyzer.impact import read_pystats, with_impact
from analyzer.source import Source, SourceTree
from onboarding.campaigns.guides import task_guides_build
from onboarding.campaigns.models import Campaign, CampaignProgress, Task, TaskStatusChange
from onboarding.campaigns.services import campaign_upsert
from onboarding.claims.imports import pull_requests_confirm
from onboarding.claims.models import Claim
from onboarding.claims.services import claims_close_for_tasks, claims_flag_for_tasks, claims_unflag_for_tasks
from onboarding.errors import ScanFailed
from onboarding.snapshots.models import CPYTHON_REPOSITORY, Scan, Snapshot

#: ``progress(message, level)``: level 1 is a step of the scan, level 2 a detail (one task).
Progress = Callable[[str, int], None]


def _quiet(message: str, level: int) -> None:
    del message, level


class AnalysisHasErrors(AnalyzerError):
    """The analysis ran but its definitions contradict each other (the CLI's exit status 1).

    Such a snapshot is never applied: tasks would be retired (and claims flagged) only because
    a definition could not be read. ``diagnostics`` are the located model errors.
    """

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        shown = "\n".join(d.render() for d in diagnostics[:20])
        more = f"\n… and {len(diagnostics) - 20} more" if len(diagnostics) > 20 else ""
        super().__init__(
            f"{len(diagnostics)} model error(s): the definitions contradict each other, so nothing was "
            f"changed:\n{shown}{more}"
        )
        self.diagnostics = diagnostics


def snapshot_default_label(*, path: str | Path, commit: str | None = None) -> str:
    """The label a scan gets when none is given: the commit's first 12 digits, else the folder name."""
    if commit:
        return commit[:12]
    p = Path(path).resolve()
    if p.is_file():
        # .../<checkout>/Python/bytecodes.c → <checkout>
        return p.parent.parent.name if p.parent.name == "Python" else p.stem
    return p.name


def scan_run(
    *,
    path: str | Path,
    label: str | None = None,
    commit: str | None = None,
    repository: str | None = None,
    date: dt.date | None = None,
    progress: Progress | None = None,
    scan: Scan | None = None,
    pystats: str | Path | None = None,
) -> Scan:
    """Scan the checkout (or bytecodes.c) at ``path`` and bring the database up to date.

    Idempotent: scanning the same snapshot again writes no task or history change. A
    snapshot older (by ``date``) than one already scanned only records its progress
    numbers; the tasks follow the newest snapshot. Returns the succeeded `Scan`; raises
    `ScanFailed` (the Scan row is saved as ``failed`` with the analyzer's message) when the
    analyzer rejects the sources. ``repository`` (owner/name) says where ``commit`` lives
    when it is not python/cpython (the shared snapshots come from forks). ``scan`` is an
    existing row to (re)run, e.g. one queued by ``snapshots.jobs``; its fields are overwritten.
    ``pystats`` (default: the ``PYSTATS_FILE`` setting) is a pystats file whose execution counts
    set each task's ``impact``; without one, tasks keep the impact they had. An unreadable
    pystats file fails the scan like unreadable sources.
    """
    report = progress or _quiet
    label = label or snapshot_default_label(path=path, commit=commit)
    started = time.monotonic()
    fields: dict[str, Any] = {
        "label": label,
        "path": str(path),
        "commit": commit or "",
        "date": date,
        "repository": repository or CPYTHON_REPOSITORY,
        "status": Scan.Status.RUNNING,
        "started_at": timezone.now(),
    }
    if scan is None:
        scan = Scan.objects.create(**fields)
    else:
        # A re-run starts afresh: nothing of an earlier (killed or failed) attempt stays.
        fields.update(finished_at=None, duration=None, error="", counts={}, warnings=[], changes={})
        Scan.objects.filter(pk=scan.pk).update(**fields)
        scan.refresh_from_db()
    try:
        report(f"Analyzing {path} …", 1)
        analysis = analyze(path)
        if analysis.errors:
            raise AnalysisHasErrors(tuple(analysis.errors))
        counts = analysis.counts()
        report("Parsed " + ", ".join(f"{n} {kind}" for kind, n in counts.items()), 1)
        results = run_all(analysis)
        pystats = pystats if pystats is not None else settings.PYSTATS_FILE
        if pystats:
            report(f"Reading execution counts from {pystats} …", 1)
            results = with_impact(results, analysis, read_pystats(pystats))
        report("Writing task guides …", 1)
        previous, previous_label = _previous_sources(label=label, date=date, path=path)
        guides = task_guides_build(
            analysis=analysis,
            results=results,
            previous=previous,
            commit=commit,
            repository=repository or CPYTHON_REPOSITORY,
            snapshots=(previous_label, label) if previous is not None else None,
        )
        for slug, result in results.items():
            if result.evaluated:
                report(f"Campaign {slug}: {len(result.findings)} findings ({_tally(result)})", 1)
            else:
                report(f"Campaign {slug}: not evaluated ({result.note})", 1)
        with transaction.atomic():
            snapshot, changes = _scan_apply(scan=scan, analysis=analysis, results=results, guides=guides, report=report)
    except AnalyzerError as exc:
        message = exc.render() if isinstance(exc, DSLSyntaxError) else str(exc)
        located = [d.to_dict() for d in exc.diagnostics] if isinstance(exc, AnalysisHasErrors) else []
        _scan_finish(scan, started=started, status=Scan.Status.FAILED, error=message, warnings=located)
        report(f"Scan failed: {message}", 1)
        raise ScanFailed(f"The scan of {label} failed:\n{message}", extra={"scan_id": scan.pk}) from exc
    except BaseException as exc:
        # An unexpected error: record it, then let it propagate with its traceback.
        _scan_finish(scan, started=started, status=Scan.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    _scan_finish(
        scan,
        started=started,
        status=Scan.Status.SUCCEEDED,
        snapshot=snapshot,
        counts={
            "definitions": counts,
            "campaigns": {slug: _counts_of(result) for slug, result in results.items()},
        },
        warnings=[d.to_dict() for d in (*analysis.errors, *analysis.warnings)],
        changes=changes,
    )
    report(f"Scan of {label} succeeded in {scan.duration.total_seconds():.2f} s: {_describe(changes)}", 1)
    return scan


def _scan_finish(scan: Scan, *, started: float, status: str, **fields: Any) -> None:
    scan.status = status
    scan.finished_at = timezone.now()
    scan.duration = dt.timedelta(seconds=time.monotonic() - started)
    for name, value in fields.items():
        setattr(scan, name, value)
    scan.save()


def _tally(result: CampaignResult) -> str:
    return ", ".join(f"{result.count(s)} {s}" for s in ("todo", "done", "not_applicable"))


def _counts_of(result: CampaignResult) -> dict[str, object]:
    return {
        "evaluated": result.evaluated,
        "todo": result.count("todo"),
        "done": result.count("done"),
        "not_applicable": result.count("not_applicable"),
    }


def _describe(changes: dict[str, Any]) -> str:
    if not changes.get("tasks_applied", True):
        return "older than a snapshot already scanned: progress recorded, tasks unchanged"
    parts = [f"{n} {what}" for what, n in changes.items() if isinstance(n, int) and not isinstance(n, bool) and n]
    return ", ".join(parts) or "nothing changed"


def _scan_apply(
    *,
    scan: Scan,
    analysis: Analysis,
    results: dict[str, CampaignResult],
    guides: dict[tuple[str, str], str],
    report: Progress,
) -> tuple[Snapshot, dict[str, Any]]:
    now = timezone.now()
    snapshot = _snapshot_record(scan=scan, analysis=analysis, at=now)
    applies = _is_newest(snapshot)
    changes: Counter[str] = Counter()
    sources = {s.name: s for s in (analysis.tree.bytecodes, analysis.tree.optimizer) if s is not None}
    for position, (slug, result) in enumerate(results.items()):
        info = result.campaign
        campaign = campaign_upsert(
            slug=slug, title=info.title, issue=info.issue, summary=info.summary, position=position
        )
        counts = _counts_of(result)
        CampaignProgress.objects.update_or_create(
            campaign=campaign,
            snapshot=snapshot,
            defaults={
                "evaluated": result.evaluated,
                "note": result.note[:300],
                "todo": counts["todo"],
                "done": counts["done"],
                "not_applicable": counts["not_applicable"],
            },
        )
        if not (applies and result.evaluated):
            # A campaign that could not judge this snapshot says nothing about its tasks.
            continue
        report(f"Updating {slug} tasks …", 1)
        changes.update(
            _tasks_sync(
                campaign=campaign,
                findings=result.findings,
                snapshot=snapshot,
                scan=scan,
                sources=sources,
                default_source=analysis.tree.bytecodes,
                guides={name: text for (s, name), text in guides.items() if s == slug},
                at=now,
                report=report,
                gone_status=info.gone_status,
            )
        )
        if info.gone_status == Task.Status.DONE:
            # A snapshot cannot show what it no longer defines: for a campaign whose tasks are
            # done by disappearing, its progress point counts the tasks done so far.
            CampaignProgress.objects.filter(campaign=campaign, snapshot=snapshot).update(
                done=Task.objects.filter(campaign=campaign, status=Task.Status.DONE).count()
            )
    return snapshot, {"tasks_applied": applies, **{k: n for k, n in sorted(changes.items()) if n}}


def _previous_sources(*, label: str, date: dt.date | None, path: str | Path) -> tuple[SourceTree | str | None, str]:
    """The sources and label of the latest successful scan of another, older snapshot, if they
    can be had, else ``(None, "")``.

    Its conversions into this snapshot give the task guides their worked examples. A git
    checkout scanned at a recorded commit is read at that commit (``git show``), so a checkout
    that has since moved on (``git pull`` between scans) still gives the old sources; otherwise
    the scanned folder is used if it still exists and is not the folder being scanned now.
    """
    scans = Scan.objects.filter(status=Scan.Status.SUCCEEDED, snapshot__isnull=False).exclude(label=label)
    if date is not None:
        scans = scans.filter(snapshot__date__lt=date).order_by("-snapshot__date", "-finished_at")
    else:
        scans = scans.order_by("-finished_at")
    here = Path(path).resolve()
    for old_path, old_commit, old_label in scans.values_list("path", "commit", "label")[:5]:
        if not old_path:
            continue
        if old_commit:
            tree = tree_at_commit(old_path, old_commit)
            if tree is not None:
                return tree, old_label
        if Path(old_path).exists() and Path(old_path).resolve() != here:
            return str(old_path), old_label
    return None, ""


def _snapshot_record(*, scan: Scan, analysis: Analysis, at: dt.datetime) -> Snapshot:
    tree = analysis.tree
    fields: dict[str, object] = {
        "bytecodes_sha256": tree.bytecodes.sha256,
        "optimizer_sha256": tree.optimizer.sha256 if tree.optimizer is not None else "",
    }
    # An omitted --commit/--date keeps what an earlier scan of this label recorded.
    if scan.commit:
        fields["commit"] = scan.commit
        fields["repository"] = scan.repository
    if scan.date:
        fields["date"] = scan.date
    snapshot, _ = Snapshot.objects.get_or_create(label=scan.label, defaults=fields)
    for name, value in fields.items():
        setattr(snapshot, name, value)
    snapshot.scanned_at = at
    snapshot.save()
    return snapshot


def _is_newest(snapshot: Snapshot) -> bool:
    """Whether no other scanned snapshot is dated after this one (undated ones count as newest)."""
    if snapshot.date is None:
        return True
    return not (
        Snapshot.objects.filter(scanned_at__isnull=False, date__gt=snapshot.date).exclude(pk=snapshot.pk).exists()
    )


def _definition_text(finding: Finding, *, sources: dict[str, Source], default: Source) -> str:
    source = sources.get(finding.file, default)
    return "\n".join(source.line_text(n) for n in range(finding.line, finding.end_line + 1))


def _finding_fields(finding: Finding, *, sources: dict[str, Source], default: Source) -> dict[str, object]:
    # Impact only when execution counts were read; otherwise the task keeps its earlier one.
    impact = {} if finding.impact is None else {"impact": finding.impact}
    return {
        "kind": finding.kind,
        "uop": finding.uop,
        "family": finding.family or "",
        "difficulty": finding.difficulty,
        "summary": finding.summary,
        "reasons": list(finding.reasons),
        "evidence": [e.to_dict() for e in finding.evidence],
        "macros": list(finding.macros),
        "file": finding.file,
        "line": finding.line,
        "end_line": finding.end_line,
        "definition": _definition_text(finding, sources=sources, default=default),
        **impact,
    }


def _status_after(current: str, found: str) -> str:
    """The task status once a scan found the op in state ``found`` (todo, done, not_applicable)."""
    if found == "todo":
        # Claimed and in-review tasks stay with their claimant; closed ones reopen.
        return current if current in Task.OPEN_STATUSES else Task.Status.TODO
    return found


def _reason(current: str, target: str, label: str) -> str:
    if current == Task.Status.RETIRED:
        return f"reappeared in {label}"
    if target == Task.Status.DONE:
        return f"converted upstream in {label}"
    if target == Task.Status.NOT_APPLICABLE:
        return f"nothing to convert in {label}"
    if target == Task.Status.RETIRED:
        return f"gone from {label}"
    return f"needs converting in {label}"


def _tasks_save(updated: list[tuple[Task, list[str]]], *, at: dt.datetime) -> None:
    """Write the changed fields of each task (bulk_update's CASE expressions are far slower here)."""
    only_snapshot = [task.pk for task, dirty in updated if dirty == ["last_snapshot"]]
    if only_snapshot:
        snapshot_id = next(task.last_snapshot_id for task, dirty in updated if dirty == ["last_snapshot"])
        Task.objects.filter(pk__in=only_snapshot).update(last_snapshot_id=snapshot_id, updated_at=at)
    for task, dirty in updated:
        if dirty != ["last_snapshot"]:
            Task.objects.filter(pk=task.pk).update(updated_at=at, **{name: getattr(task, name) for name in dirty})


def _tasks_sync(
    *,
    campaign: Campaign,
    findings: Iterable[Finding],
    snapshot: Snapshot,
    scan: Scan,
    sources: dict[str, Source],
    default_source: Source,
    guides: dict[str, str],
    at: dt.datetime,
    report: Progress,
    gone_status: str = Task.Status.RETIRED,
) -> Counter[str]:
    """Create, update, flip and retire the campaign's tasks to match one evaluated result.

    A task whose finding is missing takes the campaign's ``gone_status``: ``retired``, or
    ``done`` when the campaign's work is removing the definition (``Campaign.gone_status``;
    only open tasks are done that way, others are retired).
    """
    changes: Counter[str] = Counter()
    existing = {t.name: t for t in Task.objects.filter(campaign=campaign)}
    seen: set[str] = set()
    created: list[Task] = []
    updated: list[tuple[Task, list[str]]] = []
    history: list[tuple[Task, str, str, str]] = []
    closing: dict[str, tuple[str, str]] = {}
    # Tasks with an active claim: a scan never drops a claim. When such a task disappears (or has
    # nothing left to convert) the claim stays active and is flagged for a maintainer; when it
    # reappears it goes back to its claimant and the flag is cleared.
    claimed = set(
        Claim.objects.filter(task__campaign=campaign, status=Claim.Status.ACTIVE).values_list("task_id", flat=True)
    )
    flagging: dict[int, str] = {}
    unflagging: set[int] = set()

    def move(task: Task, target: str) -> None:
        reason = _reason(task.status, target, snapshot.label)
        report(f"  {task.name}: {task.status} → {target} ({reason})", 2)
        history.append((task, task.status, target, reason))
        if target == Task.Status.DONE:
            closing[task.name] = (Claim.Status.COMPLETED, f"converted upstream in {snapshot.label}")
        elif target in (Task.Status.NOT_APPLICABLE, Task.Status.RETIRED) and task.pk in claimed:
            flagging[task.pk] = reason
        elif target in Task.OPEN_STATUSES and task.pk in claimed:
            unflagging.add(task.pk)
        if task.status == Task.Status.RETIRED:
            changes["revived"] += 1
        changes[f"to_{target}"] += 1
        task.status = target

    for finding in findings:
        seen.add(finding.name)
        fields = _finding_fields(finding, sources=sources, default=default_source)
        fields["guide"] = guides.get(finding.name, "")
        task = existing.get(finding.name)
        if task is None:
            task = Task(campaign=campaign, name=finding.name, status=finding.status, last_snapshot=snapshot, **fields)
            created.append(task)
            history.append((task, "", finding.status, f"first seen in {snapshot.label}"))
            continue
        dirty = [name for name, value in fields.items() if getattr(task, name) != value]
        for name in dirty:
            setattr(task, name, fields[name])
        if task.last_snapshot_id != snapshot.pk:
            task.last_snapshot = snapshot
            dirty.append("last_snapshot")
        target = _status_after(task.status, finding.status)
        if target == Task.Status.TODO and task.status in Task.CLOSED_STATUSES and task.pk in claimed:
            target = Task.Status.CLAIMED  # back to the claimant whose claim was kept
        if target != task.status:
            move(task, target)
            dirty.append("status")
        if dirty:
            updated.append((task, dirty))
    for name, task in existing.items():
        if name in seen or task.status in (Task.Status.RETIRED, gone_status):
            continue
        move(task, gone_status if task.status in Task.OPEN_STATUSES else Task.Status.RETIRED)
        updated.append((task, ["status"]))

    Task.objects.bulk_create(created)
    _tasks_save(updated, at=at)
    TaskStatusChange.objects.bulk_create(
        TaskStatusChange(task=task, from_status=old, to_status=new, scan=scan, snapshot=snapshot, reason=reason, at=at)
        for task, old, new, reason in history
    )
    done_now = [task.pk for task, old, new, _ in history if new == Task.Status.DONE and old]
    if done_now:
        # Merged pull requests linked to these tasks are confirmed by this scan (leaderboard credit
        # is derived live; the stored confirmation is what the API and admin show).
        changes["pull_requests_confirmed"] += pull_requests_confirm(task_ids=done_now)
    if closing:
        by_id = {existing[name].pk: outcome for name, outcome in closing.items()}
        changes["claims_closed"] += claims_close_for_tasks(outcomes=by_id, at=at)
    if flagging:
        changes["claims_flagged"] += claims_flag_for_tasks(reasons=flagging, at=at)
    if unflagging:
        changes["claims_unflagged"] += claims_unflag_for_tasks(task_ids=unflagging)
    changes["created"] += len(created)
    changes["updated"] += len(updated)
    changes["status_changes"] += len(history)
    return changes
