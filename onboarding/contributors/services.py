"""Writes for contributors: the profile that ties a Django user to a GitHub handle."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from onboarding.contributors.models import Contributor
from onboarding.errors import ContributorError


def _github_login(user: AbstractBaseUser) -> str | None:
    """The GitHub login of a user who signed in with GitHub (allauth's social account), if any."""
    accounts = getattr(user, "socialaccount_set", None)
    if accounts is None:
        return None
    account = accounts.filter(provider="github").first()
    return account.extra_data.get("login") if account is not None else None


def contributor_for_user(*, user: AbstractBaseUser) -> Contributor:
    """The user's contributor profile, made on first use.

    The handle is the GitHub login for GitHub sign-ins, else the username; a GitHub sign-in
    takes over the account-less profile of that login (an imported pull request's author). Raises
    `ContributorError` when that handle is not a valid GitHub handle or belongs to someone else.
    """
    try:
        return user.contributor  # type: ignore[attr-defined,no-any-return]
    except Contributor.DoesNotExist:
        pass
    login = _github_login(user)
    if login and Contributor.objects.filter(github_handle__iexact=login, user__isnull=True).update(user=user):
        # Known from imported pull requests and now signed in with that GitHub account: the
        # profile, with its merged work, becomes theirs. A username alone never takes one.
        return Contributor.objects.get(user=user)
    handle = login or user.get_username()
    contributor = Contributor(user=user, github_handle=handle, on_github=bool(login))
    try:
        contributor.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ContributorError(
            f"Your account name {handle!r} cannot be used as a GitHub handle; ask a maintainer to set "
            "your handle in the admin.",
            extra={"errors": exc.message_dict},
        ) from None
    try:
        with transaction.atomic():
            contributor.save()
    except IntegrityError:
        # Two first requests of one new user race to create the profile (two claims fired at
        # once): the loser's insert waits for the winner's commit, then finds its row here.
        mine = Contributor.objects.filter(user_id=user.pk).first()
        if mine is not None:
            return mine
        raise ContributorError(
            f"The GitHub handle @{handle} already belongs to another account; ask a maintainer to fix it."
        ) from None
    return contributor


def contributor_set_maintainer(*, contributor: Contributor, is_maintainer: bool) -> Contributor:
    """Grant or withdraw the maintainer role (assign and release anyone's claims)."""
    if contributor.is_maintainer != is_maintainer:
        contributor.is_maintainer = is_maintainer
        contributor.save(update_fields=["is_maintainer"])
    return contributor
