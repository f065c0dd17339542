"""Claim rules (DESIGN.md section 6; issue 3, item 5): claim, assign, release, link a pull request.

Every refusal is an `onboarding.errors.ClaimError` (or `NotAllowed`) whose message is
written for the person who asked; views show it and never fail with a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from onboarding.campaigns.models import Task
from onboarding.campaigns.services import task_status_set
from onboarding.claims.models import Claim, ClaimEvent, PullRequest
from onboarding.contributors.models import Contributor
from onboarding.contributors.selectors import contributor_has_merged_work, contributor_is_maintainer
from onboarding.errors import (
    ClaimError,
    ClaimLimitReached,
    ClaimNotActive,
    InvalidPullRequestUrl,
    NotAllowed,
    TaskAlreadyClaimed,
    TaskNotClaimable,
)

#: ``https://github.com/OWNER/REPO/pull/NUMBER``, optionally followed by a tab (``/files``),
#: a query or an anchor, which are dropped.
PULL_REQUEST_URL_RE = re.compile(
    r"^https?://(?:www\.)?github\.com/(?P<repo>[A-Za-z0-9-]+/[A-Za-z0-9._-]+)/pull/(?P<number>[1-9][0-9]*)"
    r"(?:/[a-z]*)?/?(?:[?#].*)?$"
)

_NOT_CLAIMABLE = {
    Task.Status.DONE: "{task} is already done upstream; pick another task.",
    Task.Status.RETIRED: "{task} was retired: the op no longer exists in CPython's main.",
    Task.Status.NOT_APPLICABLE: "{task} has nothing to convert in this campaign.",
}


def claim_limit_for(*, contributor: Contributor) -> int:
    """How many active claims ``contributor`` may hold (CLAIMS_MAX_ACTIVE, or the first-timer limit)."""
    if contributor_has_merged_work(contributor=contributor):
        return int(settings.CLAIMS_MAX_ACTIVE)
    return int(settings.CLAIMS_MAX_ACTIVE_FIRST_TIMER)


def claim_create(*, task: Task, contributor: Contributor) -> Claim:
    """``contributor`` claims ``task`` for themselves.

    Raises `TaskNotClaimable` (done, retired, not applicable), `TaskAlreadyClaimed` and
    `ClaimLimitReached` (settings CLAIMS_MAX_ACTIVE / CLAIMS_MAX_ACTIVE_FIRST_TIMER).
    """
    return _claim_open(task=task, contributor=contributor, actor=contributor.user, assigned=False)


def claim_assign(*, task: Task, contributor: Contributor, by: AbstractBaseUser) -> Claim:
    """A maintainer gives ``task`` to ``contributor``; the per-person limit does not apply.

    Raises `NotAllowed` unless ``by`` is a maintainer, and the refusals of `claim_create`
    other than the limit.
    """
    if not contributor_is_maintainer(user=by):
        raise NotAllowed("Only maintainers can assign tasks to other people.")
    return _claim_open(task=task, contributor=contributor, actor=by, assigned=True)


def _claim_open(*, task: Task, contributor: Contributor, actor: AbstractBaseUser, assigned: bool) -> Claim:
    with transaction.atomic():
        # Lock order: the contributor, then the task. The contributor's row lock serializes one
        # person's claims (the cap is counted under it, whatever the campaigns); ``of=("self",)``
        # locks only the task row, so claims on other tasks of the campaign do not wait.
        Contributor.objects.select_for_update().get(pk=contributor.pk)
        task = Task.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=task.pk)
        if task.status in _NOT_CLAIMABLE:
            raise TaskNotClaimable(_NOT_CLAIMABLE[task.status].format(task=task.name))
        active = Claim.objects.filter(task=task, status=Claim.Status.ACTIVE).select_related("contributor").first()
        if active is not None:
            raise _already_claimed(task=task, claim=active, contributor=contributor)
        if not assigned:
            _check_limit(contributor=contributor)
        now = timezone.now()
        try:
            with transaction.atomic():
                claim = Claim.objects.create(
                    task=task,
                    contributor=contributor,
                    claimed_at=now,
                    assigned_by=actor if assigned else None,
                )
        except IntegrityError:
            # Someone claimed it between our check and our insert (claim_one_active_per_task).
            raise TaskAlreadyClaimed(f"{task.name} was just claimed by someone else.") from None
        if assigned:
            ClaimEvent.objects.create(
                claim=claim,
                kind=ClaimEvent.Kind.ASSIGNED,
                actor=actor,
                at=now,
                note=f"assigned to {contributor}",
            )
        else:
            ClaimEvent.objects.create(claim=claim, kind=ClaimEvent.Kind.CLAIMED, actor=actor, at=now)
        task_status_set(
            task=task,
            to_status=Task.Status.CLAIMED,
            user=actor,
            at=now,
            reason=f"{'assigned to' if assigned else 'claimed by'} {contributor}",
        )
    return claim


def _already_claimed(*, task: Task, claim: Claim, contributor: Contributor) -> TaskAlreadyClaimed:
    if claim.contributor_id == contributor.pk:
        return TaskAlreadyClaimed(f"You already hold the claim on {task.name}.")
    return TaskAlreadyClaimed(
        f"{task.name} is already claimed by {claim.contributor} since {claim.claimed_at:%Y-%m-%d}; "
        "pick another task or ask them if they still work on it."
    )


def _check_limit(*, contributor: Contributor) -> None:
    limit = claim_limit_for(contributor=contributor)
    active = Claim.objects.filter(contributor=contributor, status=Claim.Status.ACTIVE).count()
    if active < limit:
        return
    if limit == settings.CLAIMS_MAX_ACTIVE_FIRST_TIMER and limit < settings.CLAIMS_MAX_ACTIVE:
        raise ClaimLimitReached(
            f"Until your first conversion is merged you can hold {limit} active claim(s) at a time; "
            "finish or release your current task first.",
            extra={"limit": limit},
        )
    raise ClaimLimitReached(
        f"You already hold {active} active claims, the most allowed; finish or release one first.",
        extra={"limit": limit},
    )


def claim_release(*, claim: Claim, actor: AbstractBaseUser, reason: str = "") -> Claim:
    """End an active claim; the task goes back to ``todo``.

    The claimant or a maintainer may release. Raises `ClaimNotActive` and `NotAllowed`.
    """
    with transaction.atomic():
        claim = Claim.objects.select_for_update(of=("self",)).select_related("task", "contributor").get(pk=claim.pk)
        if not claim.is_active:
            raise ClaimNotActive(f"This claim on {claim.task.name} is already {claim.get_status_display()}.")
        _check_claimant_or_maintainer(claim=claim, actor=actor, action="release")
        now = timezone.now()
        claim.status = Claim.Status.RELEASED
        claim.released_at = now
        claim.released_by = actor  # type: ignore[assignment]
        claim.reason = reason or (
            "released by the claimant" if _is_claimant(claim, actor) else "released by a maintainer"
        )
        claim.save(update_fields=["status", "released_at", "released_by", "reason"])
        ClaimEvent.objects.create(claim=claim, kind=ClaimEvent.Kind.RELEASED, actor=actor, at=now, note=claim.reason)
        if claim.task.status in (Task.Status.CLAIMED, Task.Status.IN_REVIEW):
            task_status_set(
                task=claim.task,
                to_status=Task.Status.TODO,
                user=actor,
                at=now,
                reason=f"claim of {claim.contributor} released",
            )
    return claim


def claim_link_pull_request(*, claim: Claim, url: str, actor: AbstractBaseUser) -> PullRequest:
    """Attach a GitHub pull request to an active claim; an open PR puts the task ``in_review``.

    Raises `InvalidPullRequestUrl`, `ClaimNotActive`, `NotAllowed`, and `ClaimError` when the
    pull request is already linked to another active claim.
    """
    match = PULL_REQUEST_URL_RE.match(url.strip())
    if match is None:
        raise InvalidPullRequestUrl(
            f"{url!r} is not a GitHub pull request URL; paste one like https://github.com/python/cpython/pull/12345."
        )
    repo, number = match["repo"], int(match["number"])
    canonical = f"https://github.com/{repo}/pull/{number}"
    with transaction.atomic():
        claim = Claim.objects.select_for_update(of=("self",)).select_related("task", "contributor").get(pk=claim.pk)
        if not claim.is_active:
            raise ClaimNotActive(
                f"This claim on {claim.task.name} is {claim.get_status_display()}; claim the task again."
            )
        _check_claimant_or_maintainer(claim=claim, actor=actor, action="link a pull request to")
        pr, _ = PullRequest.objects.get_or_create(repo=repo, number=number, defaults={"url": canonical})
        if pr.claim_id not in (None, claim.pk) and pr.claim is not None and pr.claim.is_active:
            raise ClaimError(
                f"{canonical} is already linked to {pr.claim.contributor}'s claim on {pr.claim.task.name}."
            )
        now = timezone.now()
        if pr.claim_id != claim.pk:
            pr.claim = claim
            pr.save(update_fields=["claim", "updated_at"])
        pr.tasks.add(claim.task)
        if claim.pr_url != canonical:
            claim.pr_url = canonical
            claim.save(update_fields=["pr_url"])
            ClaimEvent.objects.create(claim=claim, kind=ClaimEvent.Kind.PR_LINKED, actor=actor, at=now, note=canonical)
        if pr.state == PullRequest.State.OPEN and claim.task.status == Task.Status.CLAIMED:
            task_status_set(
                task=claim.task,
                to_status=Task.Status.IN_REVIEW,
                user=actor,
                at=now,
                reason=f"pull request {repo}#{number} opened",
            )
    return pr


def claims_close_for_tasks(*, outcomes: dict[int, tuple[str, str]], at: datetime) -> int:
    """Close the active claims of tasks a scan closed; returns how many were closed.

    ``outcomes`` maps a task id to (claim status, reason): ``completed`` when the scan found
    the op converted (whoever claimed it), ``released`` when it was retired or not applicable.
    """
    closed = 0
    claims = Claim.objects.filter(task_id__in=outcomes, status=Claim.Status.ACTIVE).order_by("pk")
    for claim in claims:
        status, reason = outcomes[claim.task_id]
        claim.status = status
        claim.released_at = at
        claim.released_by = None
        claim.reason = reason
        claim.save(update_fields=["status", "released_at", "released_by", "reason"])
        kind = ClaimEvent.Kind.COMPLETED if status == Claim.Status.COMPLETED else ClaimEvent.Kind.RELEASED
        ClaimEvent.objects.create(claim=claim, kind=kind, actor=None, at=at, note=reason)
        closed += 1
    return closed


def claims_flag_for_tasks(*, reasons: dict[int, str], at: datetime) -> int:
    """Flag the active claims of tasks a scan retired or found nothing to convert in; returns how many.

    ``reasons`` maps a task id to what the scan found (``gone from <label>``). The claim stays
    active (nothing a scan does drops a person's claim): ``flag`` says why a maintainer should
    look, and a ``flagged`` event records it. Releasing it is the maintainer's decision.
    """
    flagged = 0
    for claim in Claim.objects.filter(task_id__in=reasons, status=Claim.Status.ACTIVE).order_by("pk"):
        note = f"the task is {reasons[claim.task_id]}; a maintainer should decide whether to release this claim"[:300]
        claim.flag = note
        claim.flagged_at = at
        claim.save(update_fields=["flag", "flagged_at"])
        ClaimEvent.objects.create(claim=claim, kind=ClaimEvent.Kind.FLAGGED, actor=None, at=at, note=note)
        flagged += 1
    return flagged


def claims_unflag_for_tasks(*, task_ids: Iterable[int]) -> int:
    """Clear the flag of active claims whose task a scan found again (the flagged event stays); how many."""
    return (
        Claim.objects.filter(task_id__in=list(task_ids), status=Claim.Status.ACTIVE)
        .exclude(flag="")
        .update(flag="", flagged_at=None)
    )


def _is_claimant(claim: Claim, actor: AbstractBaseUser) -> bool:
    return bool(claim.contributor.user_id == actor.pk)


def _check_claimant_or_maintainer(*, claim: Claim, actor: AbstractBaseUser, action: str) -> None:
    if not (_is_claimant(claim, actor) or contributor_is_maintainer(user=actor)):
        raise NotAllowed(f"Only {claim.contributor} or a maintainer can {action} this claim.")
