"""Rate limits on writes: `ScopedRateThrottle` for unsafe methods only (rates in REST_FRAMEWORK)."""

from __future__ import annotations

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
