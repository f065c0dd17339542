"""Rate limits on writes: `ScopedRateThrottle` for unsafe methods only, and a per-username limit on tokens.

Counts live in the ``default`` cache, shared by all workers (settings: Redis or the database).
"""

from __future__ import annotations

import hashlib
from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle


class WriteScopedRateThrottle(ScopedRateThrottle):
    """Throttles POST/PUT/PATCH/DELETE of views with a ``throttle_scope``; reads are never throttled.

    Rate control, not security: a bot claiming in a loop gets a 429, a reader never does.
    """

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class UsernameRateThrottle(WriteScopedRateThrottle):
    """Throttles writes naming one ``username``, whatever address they come from.

    The view names the scope in ``throttle_scope_username`` (the token view: ``tokens_username``).
    The per-address ``tokens`` scope stops one client; this one stops many clients (or one
    rotating its address) guessing the password of one account. The username is compared
    case-insensitively; a request without one is left to the other throttles.
    """

    scope_attr = "throttle_scope_username"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        try:
            username = request.data.get("username")
        except AttributeError:  # a JSON list, say: not a login attempt at all
            return None
        if not isinstance(username, str) or not username.strip():
            return None
        ident = hashlib.sha256(username.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
