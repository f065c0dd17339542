"""Permissions of the API: maintainers (``Contributor.is_maintainer`` or superusers) for scans and assigning."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from onboarding.contributors.selectors import contributor_is_maintainer


class IsMaintainer(BasePermission):
    """Only maintainers: they assign tasks and start scans."""

    message = "Only maintainers can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return contributor_is_maintainer(user=request.user)
