"""The site's 404, 403 and 500 pages (``handler404`` and friends in ``onboarding.urls``).

Pages under ``/api/`` keep the API's JSON error shape
(``{"error": {"code", "message", "fields"}}``); every other path gets an HTML page in the
site's style. The 500 page renders without a request context (no user, no database), so it
works when the failure was the database itself.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

__all__ = ["page_not_found", "permission_denied", "server_error"]


def _api_error(request: HttpRequest, *, status: int, code: str, message: str) -> JsonResponse | None:
    if not request.path.startswith("/api/"):
        return None
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: JSON under /api/, else the site's "not found" page (the path is shown, not the exception)."""
    api = _api_error(request, status=404, code="not_found", message=f"Nothing at {request.path}.")
    return api or render(request, "errors/404.html", {"path": request.path}, status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: JSON under /api/, else the site's "not allowed" page."""
    message = "You may not do this."
    api = _api_error(request, status=403, code="permission_denied", message=message)
    return api or render(request, "errors/403.html", {"path": request.path}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON under /api/, else a static page in the site's style (no context processors run)."""
    api = _api_error(request, status=500, code="server_error", message="The server failed; try again later.")
    return api or HttpResponse(loader.get_template("errors/500.html").render(), status=500)
