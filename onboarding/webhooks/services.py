"""Webhook services: store a delivery once, then apply it (link pull requests to tasks, move task states).

Rules (DESIGN.md section 6; issue 5, item 2):

- A pull request is linked to a task through the claim whose PR URL is the PR's, and
  through op names in its title and body (``onboarding.claims.matching``, shared with
  ``import_pulls``) (``gh-134584: Eliminate redundant refcounting
  from `_CALL_TYPE_1```): a name matches a task's ``name`` or its ``uop``. When the text
  names a campaign's issue (``gh-134584``), only that campaign's tasks are matched.
- While the PR is open, the tasks it works on go ``claimed → in_review``; closed without
  merging, ``in_review → claimed``. A merged PR leaves the task ``in_review``: it is
  ``done`` only once a scan finds the op converted (``snapshots.services``), so the merge
  is confirmed by the code itself.
- A PR "works on" a task when the task's active claim names this PR's URL, or when the PR's
  author is the claimant (then the claim gets the URL). A PR that mentions someone else's
  task is linked for the record but moves nothing.
- Every state change goes through ``campaigns.services.task_status_set`` (a history row).
- The PR's author, ``opened_at``, mega-issue, campaign and (merged) ``confirmed_snapshot`` are
  recorded with ``import_pulls``'s rules (``onboarding.claims.imports``), so the leaderboard and
  the bus factor count a PR that arrives only by webhook as they count an imported one. The
  delivery is signed by GitHub, so its ``user.login`` is a verified author (an app,
  ``name[bot]``, is no author); a title citing no ``gh-NNN`` keeps the issue recorded. A
  ``user.login`` or ``created_at`` the import would refuse is left unknown and named in the
  delivery's ``result``; changed files are not in a delivery and stay as they are.
- Deliveries are idempotent by ``X-GitHub-Delivery``, and one older than the newest applied
  for the same PR (by the payload's ``pull_request.updated_at``) links but changes no state.
  A delivery whose processing raised is ``failed`` with the error; GitHub's redelivery of it
  (same GUID) runs again.
- Only pull requests of the configured repository (``GITHUB_WEBHOOK_REPOSITORY``, default
  ``python/cpython``) move tasks; deliveries from any other repository are recorded as ignored.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from onboarding.campaigns.models import Task
from onboarding.campaigns.services import task_status_set
from onboarding.claims.imports import (
    PullRequestDataInvalid,
    confirmation_for,
    pull_entry_author,
    pull_entry_opened_at,
    pull_request_attribute,
    title_issue,
)
from onboarding.claims.matching import op_names_in as op_names_in  # re-exported for callers of the old home
from onboarding.claims.matching import tasks_named_in
from onboarding.claims.models import Claim, ClaimEvent, PullRequest
from onboarding.errors import BrokerUnavailable
from onboarding.webhooks.models import Delivery
from onboarding.webhooks.validation import REPOSITORY_RE, payload_number, payload_repository

logger = logging.getLogger(__name__)

#: Events whose deliveries are queued for processing; any other event is stored as ignored.
HANDLED_EVENTS = ("pull_request", "issue_comment")


@dataclass
class PullRequestOutcome:
    """What applying one ``pull_request`` delivery did, for the delivery's ``result``."""

    pull_request: PullRequest
    linked: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    stale: bool = False
    unknown: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [f"{self.pull_request} is {self.pull_request.state}"]
        parts.append("linked to " + ", ".join(self.linked) if self.linked else "linked to no task")
        if self.moved:
            parts.append("moved " + ", ".join(self.moved))
        parts.extend(self.unknown)
        if self.stale:
            parts.append("older than a delivery already applied: states left alone")
        return "; ".join(parts)


def delivery_receive(*, delivery_id: str, event: str, payload: dict[str, Any]) -> tuple[Delivery, bool]:
    """Store a verified delivery once and queue its processing; returns (delivery, created).

    A repeated ``delivery_id`` returns the stored row untouched (``created`` is False),
    except a redelivery of a ``failed`` one, which is stored anew and runs again (``created``
    is True). A ``ping`` is answered and recorded as processed; events other than
    ``pull_request`` and ``issue_comment``, and deliveries from a repository other than
    ``GITHUB_WEBHOOK_REPOSITORY``, are recorded as ignored. Processing runs in
    ``webhooks.jobs`` after the commit, off the request path; raises `BrokerUnavailable`
    (the delivery is kept and queued again by ``deliveries_retry_job``) when it cannot be queued.
    """
    action = payload.get("action") if isinstance(payload.get("action"), str) else ""
    repository = payload_repository(payload)
    with transaction.atomic():
        delivery, created = Delivery.objects.select_for_update().get_or_create(
            delivery_id=delivery_id, defaults={"event": event, "action": action or "", "payload": payload}
        )
        if not created:
            if delivery.status != Delivery.Status.FAILED:
                return delivery, False
            # GitHub's redelivery of a delivery whose processing failed: store it anew and run it again.
            delivery.event, delivery.action, delivery.payload = event, action or "", payload
            delivery.status, delivery.processed_at = Delivery.Status.RECEIVED, None
            delivery.result = f"redelivered; the earlier attempt failed: {delivery.result}"[:2000]
            delivery.save(update_fields=["event", "action", "payload", "status", "processed_at", "result"])
        if event == "ping":
            _delivery_close(delivery, Delivery.Status.PROCESSED, f"ping: {payload.get('zen', '')}".strip())
        elif event not in HANDLED_EVENTS:
            _delivery_close(delivery, Delivery.Status.IGNORED, f"the {event} event is not used here")
        elif repository.lower() != settings.GITHUB_WEBHOOK_REPOSITORY.lower():
            _delivery_close(
                delivery,
                Delivery.Status.IGNORED,
                f"from {repository or 'no repository'}, not {settings.GITHUB_WEBHOOK_REPOSITORY}: moves nothing",
            )
        else:
            pk = delivery.pk
            transaction.on_commit(lambda: delivery_queue(delivery_id=pk))
    return delivery, True


def delivery_queue(*, delivery_id: int) -> None:
    """Queue the processing job of stored delivery ``delivery_id``.

    Raises `BrokerUnavailable` when the broker cannot be reached; the delivery stays
    ``received``, its ``result`` says so, and ``deliveries_retry_job`` queues it again.
    """
    from kombu.exceptions import OperationalError

    from onboarding.webhooks.jobs import delivery_process_job

    try:
        delivery_process_job.delay(delivery_id)
    except OperationalError as exc:
        logger.warning("delivery %s: the broker is unreachable: %s", delivery_id, exc)
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.RECEIVED).update(
            result=f"not queued yet: the broker was unreachable ({exc}); a periodic job queues it again"[:2000]
        )
        raise BrokerUnavailable(
            "The delivery is stored but its processing could not be queued (the job broker is unreachable); "
            "it is retried automatically."
        ) from exc


def deliveries_retry(*, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """Queue again the deliveries still ``received`` after ``older_than``; returns how many were queued.

    Processing is idempotent (the row is locked and a processed one is left alone), so a
    delivery whose job is merely slow is safe to queue twice. Stops at the first broker error.
    """
    stuck = Delivery.objects.filter(
        status=Delivery.Status.RECEIVED, received_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)
    queued = 0
    for pk in stuck.order_by("received_at", "pk")[:500]:
        delivery_queue(delivery_id=pk)
        queued += 1
    return queued


def _delivery_close(delivery: Delivery, status: str, result: str) -> None:
    delivery.status = status
    delivery.result = result[:2000]
    delivery.processed_at = timezone.now()
    delivery.save(update_fields=["status", "result", "processed_at", "pull_request", "pr_updated_at"])


def delivery_process(*, delivery_id: int) -> Delivery:
    """Apply a stored delivery once; a delivery already processed (or ignored) is left as it is.

    Safe to retry: the row is locked while it is applied, and everything it writes is in the
    same transaction as its status.
    """
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != Delivery.Status.RECEIVED:
            return delivery
        payload = delivery.payload
        try:
            with transaction.atomic():
                if delivery.event == "pull_request" and isinstance(payload.get("pull_request"), dict):
                    outcome = pull_request_apply(payload=payload, delivery=delivery)
                    delivery.pull_request = outcome.pull_request
                    _delivery_close(delivery, Delivery.Status.PROCESSED, outcome.describe())
                elif delivery.event == "issue_comment":
                    _delivery_close(delivery, *_comment_apply(payload=payload))
                else:
                    _delivery_close(delivery, Delivery.Status.IGNORED, "no pull request in the payload")
        except Exception as exc:
            # Nothing of the attempt stays (its savepoint is rolled back); the row says why, and
            # GitHub's redelivery of the same GUID runs it again.
            logger.exception("delivery %s failed", delivery.delivery_id)
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.FAILED,
                result=f"processing failed: {type(exc).__name__}: {exc}"[:2000],
                processed_at=timezone.now(),
            )
            delivery.refresh_from_db()
    return delivery


def _comment_apply(*, payload: dict[str, Any]) -> tuple[str, str]:
    """A comment on a known pull request is activity: it keeps the linked claim alive."""
    issue = payload.get("issue") or {}
    repo = payload_repository(payload)
    if "pull_request" not in issue:
        return Delivery.Status.IGNORED, "a comment on an issue, not on a pull request"
    pr = PullRequest.objects.filter(repo=repo, number=issue.get("number")).first()
    if pr is None:
        return Delivery.Status.IGNORED, f"{repo}#{issue.get('number')} is not a tracked pull request"
    pr.save(update_fields=["updated_at"])
    return Delivery.Status.PROCESSED, f"activity on {pr}"


def _canonical_url(repo: str, number: int) -> str:
    """``https://github.com/OWNER/NAME/pull/N`` from validated parts only (raises ValueError otherwise)."""
    if not REPOSITORY_RE.match(repo) or isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ValueError(f"not a pull request of a GitHub repository: {repo[:200]!r} #{number!r}")
    return f"https://github.com/{repo}/pull/{number}"


def _state_of(pr: dict[str, Any]) -> str:
    if pr.get("merged") or pr.get("merged_at"):
        return PullRequest.State.MERGED
    return PullRequest.State.CLOSED if pr.get("state") == "closed" else PullRequest.State.OPEN


def pull_request_apply(*, payload: dict[str, Any], delivery: Delivery | None = None) -> PullRequestOutcome:
    """Record the PR of a ``pull_request`` payload (author, opening time, issue, campaign too), link it to tasks
    and move their states; a user or date that cannot be read is left unknown and named in ``outcome.unknown``."""
    data = payload["pull_request"]
    repo = payload_repository(payload)
    number = payload_number(payload)
    url = _canonical_url(repo, number or 0)
    state = _state_of(data)
    author = ((data.get("user") or {}).get("login") or "").lower()
    updated_at = parse_datetime(data.get("updated_at") or "") if data.get("updated_at") else None
    now = timezone.now()

    pr = PullRequest.objects.select_for_update().filter(repo=repo, number=number).first()
    stale = _is_stale(repo=repo, number=number, updated_at=updated_at, delivery=delivery)
    if pr is None:
        pr = PullRequest(repo=repo, number=number, url=url)
    pr.title = (data.get("title") or "")[:300]
    if not stale and pr.state != PullRequest.State.MERGED:
        # A merge is final: no late delivery of an earlier state can take it back.
        pr.state = state
        pr.merged_at = parse_datetime(data["merged_at"]) if data.get("merged_at") else None
    unknown = _attribution_set(pr, data)

    by_url = Claim.objects.filter(pr_url=url).select_related("task", "contributor")
    tasks = {c.task.pk: c.task for c in by_url}
    for task in tasks_named_in(title=data.get("title") or "", body=data.get("body") or ""):
        tasks.setdefault(task.pk, task)
    linked = set(tasks) | (set(pr.tasks.values_list("pk", flat=True)) if pr.pk else set())
    pr.confirmed_snapshot = confirmation_for(pr, linked)
    pr.save()
    if delivery is not None:
        delivery.pr_updated_at = updated_at

    outcome = PullRequestOutcome(pull_request=pr, stale=stale, unknown=unknown)
    if tasks:
        pr.tasks.add(*tasks.values())
    for task in sorted(tasks.values(), key=lambda t: (t.campaign_id, t.name)):
        outcome.linked.append(f"{task.campaign.slug}/{task.name}")
        claim = _claim_worked_on(task=task, url=url, author=author, at=now)
        if claim is None:
            continue
        if pr.claim_id is None:
            pr.claim = claim
            pr.save(update_fields=["claim", "updated_at"])
        if not stale:
            moved = _task_follow(task=task, pr=pr, at=now)
            if moved:
                outcome.moved.append(f"{task.name} → {moved}")
    return outcome


def _attribution_set(pr: PullRequest, data: dict[str, Any]) -> list[str]:
    """Record the author, ``opened_at``, issue and campaign of ``pr`` as ``import_pulls`` does (unsaved).

    Returns what was left unknown and why, for the delivery's result: a ``user.login`` or
    ``created_at`` that `pull_entry_parse` would refuse (the payload check lets them through).
    """
    unknown: list[str] = []
    try:
        author = pull_entry_author(data, where="pull_request")
    except PullRequestDataInvalid as exc:
        author = None
        unknown.append(f"author left unknown ({exc})")
    try:
        opened_at = pull_entry_opened_at(data, where="pull_request")
    except PullRequestDataInvalid as exc:
        opened_at = None
        unknown.append(f"opening time left {'as recorded' if pr.opened_at else 'unknown'} ({exc})")
    pull_request_attribute(
        pr,
        author=author,
        author_verified=True,  # the delivery is signed: GitHub itself says who opened it
        opened_at=opened_at,
        issue=title_issue(data.get("title") or "") or pr.issue,
        new_people=[],
    )
    return unknown


def _is_stale(*, repo: str, number: int, updated_at: dt.datetime | None, delivery: Delivery | None) -> bool:
    if updated_at is None:
        return False
    newer = Delivery.objects.filter(
        status=Delivery.Status.PROCESSED,
        pull_request__repo=repo,
        pull_request__number=number,
        pr_updated_at__gt=updated_at,
    )
    if delivery is not None:
        newer = newer.exclude(pk=delivery.pk)
    return newer.exists()


def _claim_worked_on(*, task: Task, url: str, author: str, at: dt.datetime) -> Claim | None:
    """The task's active claim when this PR is its work (URL linked, or opened by the claimant)."""
    claim = (
        Claim.objects.select_for_update()
        .filter(task=task, status=Claim.Status.ACTIVE)
        .select_related("contributor")
        .first()
    )
    if claim is None:
        return None
    if claim.pr_url == url:
        return claim
    if author and claim.contributor.github_handle.lower() == author and not claim.pr_url:
        claim.pr_url = url
        claim.save(update_fields=["pr_url"])
        ClaimEvent.objects.create(
            claim=claim, kind=ClaimEvent.Kind.PR_LINKED, actor=None, at=at, note=f"{url} (from a GitHub webhook)"
        )
        return claim
    return None


def _task_follow(*, task: Task, pr: PullRequest, at: dt.datetime) -> str | None:
    """Move a claimed task to follow its pull request's state; returns the new status, if any."""
    task.refresh_from_db(fields=["status"])
    if pr.state == PullRequest.State.OPEN and task.status == Task.Status.CLAIMED:
        target, why = Task.Status.IN_REVIEW, f"pull request {pr} is open"
    elif pr.state == PullRequest.State.CLOSED and task.status == Task.Status.IN_REVIEW:
        if _other_open_pull_requests(task=task, pr=pr):
            return None
        target, why = Task.Status.CLAIMED, f"pull request {pr} was closed without merging"
    else:
        return None
    task_status_set(task=task, to_status=target, reason=why, at=at)
    return str(target)


def _other_open_pull_requests(*, task: Task, pr: PullRequest) -> bool:
    return task.pull_requests.filter(state=PullRequest.State.OPEN).exclude(pk=pr.pk).exists()
