"""Reads about contributors: who is a maintainer, who has merged work."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from onboarding.contributors.models import Contributor


def contributor_get_for_user(*, user: AbstractBaseUser | AnonymousUser) -> Contributor | None:
    """The user's contributor profile, or ``None`` (anonymous, or never claimed anything)."""
    if not user.is_authenticated:
        return None
    return Contributor.objects.filter(user=user).first()


def contributor_is_maintainer(*, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether the user may assign and release anyone's claims (a maintainer or a superuser)."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return Contributor.objects.filter(user=user, is_maintainer=True).exists()


def contributor_has_merged_work(*, contributor: Contributor) -> bool:
    """Whether a claim of theirs was completed by a re-scan, or a merged pull request is theirs
    (through a claim, or as its confirmed GitHub author: an imported PR).

    Contributors without merged work are first-timers and get the tighter claim limit.
    """
    from onboarding.claims.models import Claim, PullRequest

    return (
        Claim.objects.filter(contributor=contributor, status=Claim.Status.COMPLETED).exists()
        or PullRequest.objects.filter(
            Q(claim__contributor=contributor) | Q(author=contributor, author_verified=True),
            state=PullRequest.State.MERGED,
        ).exists()
    )


def contributor_get_by_handle(*, github_handle: str) -> Contributor | None:
    """The contributor with this GitHub handle (any case), or ``None``."""
    return Contributor.objects.filter(github_handle__iexact=github_handle).select_related("user").first()


def user_get_by_username(*, username: str) -> AbstractBaseUser | None:
    """The account with this username (any case), or ``None``."""
    return get_user_model().objects.filter(username__iexact=username).first()
