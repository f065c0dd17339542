"""One JSON shape for every 4xx of the API: ``{"error": {"code", "message", "fields"}}``.

``code`` is a stable snake_case word for programs, ``message`` a sentence for people and
``fields`` maps a field or query parameter to its messages (empty unless input was bad).
The DRF exception handler below turns DRF's exceptions, Django's ``Http404`` and
``PermissionDenied``, and the services' `onboarding.errors.ApplicationError` tree into it.

HTTP errors of the API (`APIException` subclasses)::

    APIException
    ├── Conflict (409)              a rule of the domain refused the request
    ├── BadDelivery (400)           a webhook delivery without its headers or with a malformed body
    ├── SignatureMissing (401)      a webhook delivery without X-Hub-Signature-256
    ├── SignatureInvalid (403)      a webhook delivery whose signature does not match
    └── WebhookNotConfigured (403)  GITHUB_WEBHOOK_SECRET is empty, so no delivery is trusted
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from onboarding import errors

__all__ = [
    "ERROR_RESPONSES",
    "BadDelivery",
    "Conflict",
    "SignatureInvalid",
    "SignatureMissing",
    "WebhookNotConfigured",
    "error_body",
    "exception_handler",
    "not_found",
]


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class BadDelivery(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The delivery is malformed."
    default_code = "bad_delivery"


class SignatureMissing(exceptions.APIException):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "The X-Hub-Signature-256 header is missing."
    default_code = "signature_missing"


class SignatureInvalid(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "The X-Hub-Signature-256 header does not match the body and the webhook secret."
    default_code = "signature_invalid"


class WebhookNotConfigured(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "This site has no GITHUB_WEBHOOK_SECRET configured, so it accepts no deliveries."
    default_code = "webhook_not_configured"


#: Refusals of the services, by class (the most specific class wins): status and ``fields`` key.
_APPLICATION_ERRORS: dict[type[errors.ApplicationError], tuple[int, str | None]] = {
    errors.NotAllowed: (status.HTTP_403_FORBIDDEN, None),
    errors.InvalidPullRequestUrl: (status.HTTP_400_BAD_REQUEST, "url"),
    errors.ClaimError: (status.HTTP_409_CONFLICT, None),
    errors.ContributorError: (status.HTTP_409_CONFLICT, None),
    errors.ScanFailed: (status.HTTP_409_CONFLICT, None),
    errors.ScanNotRerunnable: (status.HTTP_409_CONFLICT, None),
    errors.BrokerUnavailable: (status.HTTP_503_SERVICE_UNAVAILABLE, None),
    errors.ApplicationError: (status.HTTP_400_BAD_REQUEST, None),
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _from_application_error(exc: errors.ApplicationError) -> exceptions.APIException:
    for cls in type(exc).__mro__:
        if cls in _APPLICATION_ERRORS:
            code_status, field = _APPLICATION_ERRORS[cls]  # type: ignore[index]
            break
    if field is not None:
        return exceptions.ValidationError({field: [exc.message]}, code=_snake(type(exc).__name__))
    api_exc = exceptions.APIException(exc.message, code=_snake(type(exc).__name__))
    api_exc.status_code = code_status
    return api_exc


def _first_code(codes: Any) -> str:
    if isinstance(codes, str):
        return codes
    if isinstance(codes, dict):
        codes = list(codes.values())
    for item in codes or []:
        return _first_code(item)
    return "invalid"


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    """The JSON body of an API error: ``{"error": {"code", "message", "fields"}}``."""
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {key: [str(m) for m in (v if isinstance(v, list) else [v])] for key, v in detail.items()}
        messages = [m for ms in fields.values() for m in ms]
        code = _first_code(exc.get_codes())
        message = messages[0] if len(messages) == 1 else "Some of the input is not valid; see fields."
        return {
            "error": {
                "code": "invalid" if code in ("invalid", "required") else code,
                "message": message,
                "fields": fields,
            }
        }
    return {"error": {"code": _first_code(exc.get_codes()), "message": str(exc.detail), "fields": {}}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: every handled error leaves in the one JSON shape."""
    if isinstance(exc, errors.ApplicationError):
        exc = _from_application_error(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    response.data = error_body(exc)
    return response


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """A JSON 404 for any path under /api/ that names no endpoint."""
    body = {"error": {"code": "not_found", "message": f"No API endpoint at {request.path}.", "fields": {}}}
    return JsonResponse(body, status=404)


_error_serializer = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorDetail",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
            },
        )
    },
)

#: OpenAPI responses for ``extend_schema``: every 4xx has the one error shape.
ERROR_RESPONSES: dict[int, OpenApiResponse] = {
    code: OpenApiResponse(response=_error_serializer, description=description)
    for code, description in {
        400: "Invalid input; ``fields`` says which.",
        401: "Not authenticated.",
        403: "Not allowed.",
        404: "Not found.",
        409: "A rule refused the request (e.g. the task is already claimed).",
        429: "Too many writes; retry later.",
        503: "The job broker is unreachable; the row says so and the work is retried (see the message).",
    }.items()
}
