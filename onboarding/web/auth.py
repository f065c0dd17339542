"""Django's ``ModelBackend`` with the signed-in person's user row memoized per data version."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser

from onboarding.web.pagecache import memoize

__all__ = ["MemoizedModelBackend"]


class MemoizedModelBackend(ModelBackend):
    """``ModelBackend`` whose `get_user` (run on every request that carries a session) reads the
    user row once per data version in each process, not once per request.

    Safe because ``auth_user`` is one of the tables whose writes move the data version
    (`onboarding.web.pagecache`): a new password (which voids the other sessions' hash), a
    deactivated account, a new name or staff flag all show on the person's next request, in
    every process. Permissions are not memoized (they are read per request, as before). The
    memo stays in this process (``shared=False``); each request gets its own copy of the user.
    """

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:
        return memoize(f"auth-user:{user_id}", partial(super().get_user, user_id), shared=False)
