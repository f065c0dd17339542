"""Demo contributions for `make demo`: people, claims and merged PRs on tasks real re-scans converted.

The conversions are invented (pull requests live in a made-up repository,
``jit-onboarding-demo/cpython``), but every one sits on a task that a scan of the shared
CPython snapshots flipped from ``todo`` to ``done``, merged before that snapshot's date, so
the leaderboard's rule (`onboarding.leaderboard.selectors.conversion_queryset`) credits it
exactly as it would credit real work. Running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from onboarding.campaigns.models import Task, TaskStatusChange
from onboarding.claims.models import Claim, ClaimEvent, PullRequest
from onboarding.claims.services import claim_create, claim_link_pull_request
from onboarding.contributors.models import Contributor
from onboarding.errors import ApplicationError
from onboarding.leaderboard.errors import RecognitionDuplicate
from onboarding.leaderboard.models import Recognition
from onboarding.leaderboard.services import recognition_record

#: Where the invented pull requests live (a repository that does not exist, on purpose).
DEMO_REPOSITORY = "jit-onboarding-demo/cpython"
#: The mega-issue number in invented PR titles, per campaign (DESIGN.md section 4).
ISSUES = {"refcount": "gh-134584", "optimizer": "gh-131798"}

#: handle → (first name, last name, maintainer); the first three come from fixtures/users.json.
PEOPLE = {
    "demo-maintainer": ("Mae", "Tainer", True),
    "demo-alice": ("Alice", "Newcomer", False),
    "demo-bob": ("Bob", "Builder", False),
    "demo-carol": ("Carol", "Veteran", False),
    "demo-dave": ("Dave", "Claimer", False),
    "demo-erin": ("Erin", "Eager", False),
}


@dataclass(frozen=True)
class DemoPullRequest:
    """An invented merged PR: who, which tasks (campaign, name), and how many days before the snapshot."""

    number: int
    handle: str
    campaign: str
    tasks: tuple[str, ...]
    days_before_snapshot: int


#: Merged conversions, each on tasks a re-scan of the shared snapshots marked done.
MERGED = (
    DemoPullRequest(9101, "demo-carol", "refcount", ("CALL_BUILTIN_O",), 40),
    DemoPullRequest(9102, "demo-alice", "refcount", ("CALL_TYPE_1",), 3),
    DemoPullRequest(9103, "demo-bob", "optimizer", ("_POP_TOP_INT", "_POP_TOP_FLOAT", "_POP_TOP_UNICODE"), 25),
    DemoPullRequest(9104, "demo-carol", "refcount", ("CALL_LEN",), 21),
    DemoPullRequest(9105, "demo-alice", "refcount", ("TO_BOOL_INT",), 1),
    DemoPullRequest(9106, "demo-bob", "optimizer", ("_GUARD_GLOBALS_VERSION",), 12),
    DemoPullRequest(9107, "demo-bob", "optimizer", ("_LOAD_GLOBAL_MODULE",), 9),
    DemoPullRequest(9108, "demo-bob", "optimizer", ("_LOAD_GLOBAL_BUILTINS",), 5),
    DemoPullRequest(9109, "demo-alice", "refcount", ("CALL_INTRINSIC_1",), 20),
    DemoPullRequest(9110, "demo-carol", "optimizer", ("_CALL_BUILTIN_FAST",), 10),
)
#: (handle, kind, PR number): reviews and mentoring the demo maintainer records.
RECOGNITIONS = (
    ("demo-carol", Recognition.Kind.MENTORING, 9102, "walked Alice through her first conversion"),
    ("demo-bob", Recognition.Kind.REVIEW, 9102, ""),
    ("demo-carol", Recognition.Kind.REVIEW, 9103, ""),
    ("demo-alice", Recognition.Kind.REVIEW, 9110, "first review, with a test suggestion"),
)

Report = Callable[[str], None]


def _person(handle: str) -> Contributor:
    first, last, maintainer = PEOPLE[handle]
    contributor = Contributor.objects.filter(github_handle__iexact=handle).first()
    if contributor is not None:
        return contributor
    username = handle.removeprefix("demo-")
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=first, last_name=last)
        user.set_unusable_password()
        user.save()
    return Contributor.objects.create(user=user, github_handle=handle, is_maintainer=maintainer)


def _confirmation(task: Task) -> TaskStatusChange | None:
    """The latest scan change that moved ``task`` from an earlier status to done, if any."""
    return (
        task.status_changes.filter(to_status=Task.Status.DONE, snapshot__isnull=False)
        .exclude(from_status="")
        .select_related("snapshot")
        .order_by("-at", "-pk")
        .first()
    )


def _merged_pull_request(item: DemoPullRequest, *, report: Report) -> PullRequest | None:
    tasks = list(Task.objects.filter(campaign__slug=item.campaign, name__in=item.tasks, status=Task.Status.DONE))
    confirmations = [c for c in map(_confirmation, tasks) if c is not None and c.snapshot.date is not None]
    if len(confirmations) != len(item.tasks):
        report(f"skipped #{item.number}: {', '.join(item.tasks)} not converted by a re-scan of the snapshots")
        return None
    url = f"https://github.com/{DEMO_REPOSITORY}/pull/{item.number}"
    existing = PullRequest.objects.filter(url=url).first()
    if existing is not None:
        return existing
    contributor = _person(item.handle)
    snapshot_date = min(c.snapshot.date for c in confirmations)
    merged_at = dt.datetime.combine(
        snapshot_date - dt.timedelta(days=item.days_before_snapshot), dt.time(15, 30), tzinfo=dt.UTC
    )
    claimed_at = merged_at - dt.timedelta(days=6)
    confirmed = min(confirmations, key=lambda c: c.at)
    claim = Claim.objects.create(
        task=tasks[0],
        contributor=contributor,
        status=Claim.Status.COMPLETED,
        claimed_at=claimed_at,
        released_at=confirmed.at,
        reason=f"converted upstream in {confirmed.snapshot.label}",
        pr_url=url,
    )
    ClaimEvent.objects.bulk_create(
        [
            ClaimEvent(claim=claim, kind=ClaimEvent.Kind.CLAIMED, actor=contributor.user, at=claimed_at),
            ClaimEvent(
                claim=claim,
                kind=ClaimEvent.Kind.PR_LINKED,
                actor=contributor.user,
                at=claimed_at + dt.timedelta(days=2),
                note=url,
            ),
            ClaimEvent(claim=claim, kind=ClaimEvent.Kind.COMPLETED, at=confirmed.at, note=claim.reason),
        ]
    )
    names = " and ".join(item.tasks)
    pr = PullRequest.objects.create(
        url=url,
        repo=DEMO_REPOSITORY,
        number=item.number,
        title=f"{ISSUES.get(item.campaign, 'gh-0')}: Convert {names} ({item.campaign} campaign)",
        state=PullRequest.State.MERGED,
        merged_at=merged_at,
        claim=claim,
    )
    pr.tasks.set(tasks)
    report(f"@{item.handle}: {names} merged {merged_at:%Y-%m-%d}, confirmed by {confirmed.snapshot.label}")
    return pr


def _open_work(*, report: Report) -> None:
    """A claim with nothing merged (earns nothing) and a merged PR a re-scan has not confirmed yet."""
    todo = list(Task.objects.filter(status=Task.Status.TODO).order_by("campaign__position", "name")[:2])
    for handle, task, merged in zip(("demo-dave", "demo-erin"), todo, (False, True), strict=False):
        contributor = _person(handle)
        if Claim.objects.filter(contributor=contributor, status=Claim.Status.ACTIVE).exists():
            continue
        try:
            claim = claim_create(task=task, contributor=contributor)
            if merged:
                number = 9201
                url = f"https://github.com/{DEMO_REPOSITORY}/pull/{number}"
                PullRequest.objects.get_or_create(
                    repo=DEMO_REPOSITORY,
                    number=number,
                    defaults={
                        "url": url,
                        "title": f"Convert {task.name}",
                        "state": PullRequest.State.MERGED,
                        "merged_at": timezone.now(),
                    },
                )
                claim_link_pull_request(claim=claim, url=url, actor=contributor.user)
        except ApplicationError as exc:
            report(f"skipped @{handle}'s claim: {exc.message}")
            continue
        state = "merged, awaiting a re-scan" if merged else "no pull request yet"
        report(f"@{handle} holds a claim on {task.name} ({state}): no points")


def demo_contributions_seed(*, report: Report | None = None) -> dict[str, int]:
    """Create the demo people, merged conversions and recognitions; returns counts of what exists.

    Needs the tasks of at least two scanned snapshots (a conversion is credited only when a
    re-scan saw it flip to done); items whose tasks were not converted that way are skipped.
    """
    say = report or (lambda message: None)
    with transaction.atomic():
        for handle in PEOPLE:
            _person(handle)
        prs = {item.number: _merged_pull_request(item, report=say) for item in MERGED}
        maintainer = _person("demo-maintainer")
        for handle, kind, number, note in RECOGNITIONS:
            pr = prs.get(number)
            if pr is None:
                continue
            try:
                recognition_record(
                    contributor=_person(handle), kind=kind, recorded_by=maintainer, pull_request=pr, note=note
                )
            except RecognitionDuplicate:
                continue
            say(f"@{handle}: {kind} of {pr} recorded by @{maintainer.github_handle}")
        _open_work(report=say)
    return {
        "merged_pull_requests": PullRequest.objects.filter(repo=DEMO_REPOSITORY, state="merged").count(),
        "recognitions": Recognition.objects.count(),
    }
