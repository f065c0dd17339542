"""The signed-in person's own data on a page (their contributor row, their claims), memoized per data version.

Each is kept in this process's memory only (`onboarding.web.pagecache.memoize` with
``shared=False``), keyed by the person's user id and the data version, so a write by anyone
(a claim, a maintainer flag, a new contributor row) shows on their next request, and nobody
sees another person's rows. Anonymous visitors get ``None``, ``False`` or ``[]`` without a query.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from onboarding.claims.models import Claim
from onboarding.claims.selectors import claim_list_active_for_contributor
from onboarding.contributors.models import Contributor
from onboarding.contributors.selectors import contributor_get_for_user
from onboarding.web.pagecache import memoize

__all__ = ["viewer_active_claims", "viewer_contributor", "viewer_is_maintainer"]


def viewer_contributor(user: AbstractBaseUser | AnonymousUser) -> Contributor | None:
    """``user``'s contributor profile (`contributor_get_for_user`), or ``None``."""
    if not user.is_authenticated:
        return None
    return memoize(f"viewer-contributor:{user.pk}", lambda: contributor_get_for_user(user=user), shared=False)


def viewer_is_maintainer(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether ``user`` may assign and release anyone's claims: a superuser or a maintainer
    (the rule of `onboarding.contributors.selectors.contributor_is_maintainer`)."""
    if getattr(user, "is_superuser", False):
        return True
    contributor = viewer_contributor(user)
    return bool(contributor and contributor.is_maintainer)


def viewer_active_claims(user: AbstractBaseUser | AnonymousUser) -> list[Claim]:
    """``user``'s active claims, oldest first, with task and campaign (`claim_list_active_for_contributor`)."""
    if not user.is_authenticated:
        return []

    def build() -> list[Claim]:
        contributor = viewer_contributor(user)  # memoized beside this: no second look-up on a miss
        return list(claim_list_active_for_contributor(contributor=contributor)) if contributor else []

    return memoize(f"viewer-active-claims:{user.pk}", build, shared=False)
