"""Claim expiry (DESIGN.md section 6): a reminder after a quiet spell, then expiry, so stale claims free their tasks.

Activity on a claim is its own events (claimed, assigned, pull request linked) and any
delivery about its pull request (the webhook bumps ``PullRequest.updated_at``). After
``CLAIMS_REMIND_AFTER_DAYS`` without activity the claimant is reminded (an e-mail when the
account has an address, and a ``reminded`` event); a claim still quiet
``CLAIMS_EXPIRE_AFTER_DAYS`` after its last activity, and reminded at least the difference
between the two settings ago, expires and its task is ``todo`` again. Both run on a
django-celery-beat schedule (``claims.jobs``) and are idempotent.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from onboarding.campaigns.models import Task
from onboarding.campaigns.services import task_status_set
from onboarding.claims.models import Claim, ClaimEvent, PullRequest

__all__ = ["REMINDED", "claim_last_activity", "claims_expire", "claims_remind"]

#: The ClaimEvent kind of a reminder.
REMINDED = ClaimEvent.Kind.REMINDED


def _active_claims() -> list[Claim]:
    return list(
        Claim.objects.filter(status=Claim.Status.ACTIVE)
        .select_related("task", "task__campaign", "contributor", "contributor__user")
        .prefetch_related(
            Prefetch("events", queryset=ClaimEvent.objects.order_by("at", "pk")),
            Prefetch("pull_requests", queryset=PullRequest.objects.order_by("pk")),
        )
        .order_by("pk")
    )


def claim_last_activity(claim: Claim) -> dt.datetime:
    """When anything last happened on ``claim`` or its pull requests (reminders do not count)."""
    times = [claim.claimed_at]
    times += [e.at for e in claim.events.all() if e.kind != REMINDED]
    times += [pr.updated_at for pr in claim.pull_requests.all()]
    if claim.pr_url:
        times += list(PullRequest.objects.filter(url=claim.pr_url).values_list("updated_at", flat=True))
    return max(times)


def _last_reminder(claim: Claim, since: dt.datetime) -> dt.datetime | None:
    reminders = [e.at for e in claim.events.all() if e.kind == REMINDED and e.at >= since]
    return max(reminders) if reminders else None


def claims_remind(*, now: dt.datetime | None = None) -> list[Claim]:
    """Remind the holders of claims quiet for CLAIMS_REMIND_AFTER_DAYS; returns the claims reminded.

    A claim is reminded once per quiet spell: new activity starts a new spell.
    """
    now = now or timezone.now()
    remind_days, expire_days = settings.CLAIMS_REMIND_AFTER_DAYS, settings.CLAIMS_EXPIRE_AFTER_DAYS
    reminded = []
    for claim in _active_claims():
        last = claim_last_activity(claim)
        if last > now - dt.timedelta(days=remind_days) or _last_reminder(claim, last) is not None:
            continue
        expires = now + dt.timedelta(days=max(expire_days - remind_days, 0))
        note = f"no activity for {(now - last).days} days; the claim expires after {expires:%Y-%m-%d} unless it moves"
        with transaction.atomic():
            ClaimEvent.objects.create(claim=claim, kind=REMINDED, actor=None, at=now, note=note)
        user = claim.contributor.user
        if user.email:
            send_mail(
                subject=f"Still working on {claim.task.name}?",
                message=(
                    f"Hello @{claim.contributor.github_handle},\n\nyour claim on {claim.task.name} "
                    f"({claim.task.campaign.slug}) has had {note}. Link your pull request, push to it, "
                    "or release the task so someone else can take it.\n"
                ),
                from_email=None,
                recipient_list=[user.email],
                fail_silently=True,
            )
        reminded.append(claim)
    return reminded


def claims_expire(*, now: dt.datetime | None = None) -> list[Claim]:
    """Expire reminded claims quiet for CLAIMS_EXPIRE_AFTER_DAYS; their tasks go back to ``todo``.

    Returns the claims expired. The task's history names the expiry (``task_status_set``).
    """
    now = now or timezone.now()
    remind_days, expire_days = settings.CLAIMS_REMIND_AFTER_DAYS, settings.CLAIMS_EXPIRE_AFTER_DAYS
    grace = dt.timedelta(days=max(expire_days - remind_days, 0))
    expired = []
    for claim in _active_claims():
        last = claim_last_activity(claim)
        reminder = _last_reminder(claim, last)
        if last > now - dt.timedelta(days=expire_days) or reminder is None or reminder > now - grace:
            continue
        with transaction.atomic():
            locked = Claim.objects.select_for_update().select_related("task").get(pk=claim.pk)
            if locked.status != Claim.Status.ACTIVE:
                continue
            reason = f"expired after {(now - last).days} days without activity"
            locked.status = Claim.Status.EXPIRED
            locked.released_at = now
            locked.released_by = None
            locked.reason = reason
            locked.save(update_fields=["status", "released_at", "released_by", "reason"])
            ClaimEvent.objects.create(claim=locked, kind=ClaimEvent.Kind.EXPIRED, actor=None, at=now, note=reason)
            if locked.task.status in (Task.Status.CLAIMED, Task.Status.IN_REVIEW):
                task_status_set(
                    task=locked.task,
                    to_status=Task.Status.TODO,
                    at=now,
                    reason=f"claim of {claim.contributor} {reason}",
                )
        expired.append(locked)
    return expired
