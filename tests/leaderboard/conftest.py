"""Fixtures for the leaderboard tests: claims with merged pull requests, and re-scans that confirm them."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import pytest
from django.utils import timezone

from onboarding.campaigns.models import Task, TaskStatusChange
from onboarding.claims.models import Claim, PullRequest
from onboarding.claims.services import claim_assign, claim_link_pull_request, claims_close_for_tasks
from onboarding.contributors.models import Contributor
from onboarding.snapshots.models import Scan, Snapshot
from tests.onboarding.conftest import demo_history, make_contributor, make_task, scan_label  # noqa: F401  (fixtures)

_numbers = itertools.count(1)

MergedPR = Callable[..., PullRequest]
Rescan = Callable[..., Scan]


@pytest.fixture
def maintainer(make_contributor: Callable[..., Contributor]) -> Contributor:  # noqa: F811
    return make_contributor("mae", maintainer=True)


@pytest.fixture
def merged_pr(maintainer: Contributor) -> MergedPR:
    """``merged_pr(contributor, task, *more_tasks, merged_at=, claimed_at=, state=)``: a claim on ``task``
    (assigned by a maintainer), its pull request linked through the claim service, then merged.

    ``more_tasks`` are linked to the PR as a webhook links the tasks a PR's title names.
    """

    def make(
        contributor: Contributor,
        task: Task,
        *more_tasks: Task,
        merged_at: dt.datetime | None = None,
        claimed_at: dt.datetime | None = None,
        state: str = PullRequest.State.MERGED,
    ) -> PullRequest:
        claim = claim_assign(task=task, contributor=contributor, by=maintainer.user)
        number = next(_numbers)
        pr = claim_link_pull_request(
            claim=claim, url=f"https://github.com/python/cpython/pull/{number}", actor=maintainer.user
        )
        if claimed_at is not None:
            Claim.objects.filter(pk=claim.pk).update(claimed_at=claimed_at)
        pr.tasks.add(*more_tasks)
        pr.title = f"gh-134584: Convert {task.name}"
        pr.state = state
        pr.merged_at = (merged_at or timezone.now()) if state == PullRequest.State.MERGED else None
        pr.save()
        return pr

    return make


@pytest.fixture
def rescan(db: None) -> Rescan:
    """``rescan(*tasks, at=, to=)``: what a scan writes when it finds ``tasks`` converted upstream.

    A Snapshot and a Scan, a status change to ``to`` (done) made by that scan for each task,
    and their active claims completed, as ``snapshots.services.scan_run`` does.
    """

    def run(*tasks: Task, at: dt.datetime | None = None, to: str = Task.Status.DONE) -> Scan:
        at = at or timezone.now()
        n = next(_numbers)
        snapshot = Snapshot.objects.create(
            label=f"snapshot-{n}", bytecodes_sha256="0" * 64, date=at.date(), scanned_at=at
        )
        scan = Scan.objects.create(
            snapshot=snapshot, label=snapshot.label, path="/cpython", status=Scan.Status.SUCCEEDED, finished_at=at
        )
        for task in tasks:
            task.refresh_from_db()
            TaskStatusChange.objects.create(
                task=task,
                from_status=task.status,
                to_status=to,
                scan=scan,
                snapshot=snapshot,
                reason=f"converted upstream in {snapshot.label}",
                at=at,
            )
            Task.objects.filter(pk=task.pk).update(status=to)
        if to == Task.Status.DONE:
            claims_close_for_tasks(outcomes={t.pk: (Claim.Status.COMPLETED, "converted") for t in tasks}, at=at)
        return scan

    return run


@pytest.fixture
def convert(merged_pr: MergedPR, rescan: Rescan) -> Callable[..., PullRequest]:
    """``convert(contributor, task, merged_at=)``: a merged PR for ``task`` that a re-scan then confirms."""

    def make(contributor: Contributor, task: Task, *, merged_at: dt.datetime | None = None) -> PullRequest:
        claimed_at = merged_at - dt.timedelta(days=3) if merged_at is not None else None
        pr = merged_pr(contributor, task, merged_at=merged_at, claimed_at=claimed_at)
        rescan(task)
        return pr

    return make
