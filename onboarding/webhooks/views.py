"""The GitHub webhook endpoint: verify the signature on the raw body, store the delivery, answer fast."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from onboarding.api.errors import (
    ERROR_RESPONSES,
    BadDelivery,
    SignatureInvalid,
    SignatureMissing,
    WebhookNotConfigured,
)
from onboarding.webhooks.services import delivery_receive
from onboarding.webhooks.signature import signature_is_valid
from onboarding.webhooks.validation import payload_problem


class RawBodyParser(BaseParser):
    """Leaves the body alone: the signature covers the raw bytes, so the view parses them itself."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> bytes:
        return stream.read() if stream is not None else b""


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _payload(body: bytes, content_type: str) -> dict[str, Any]:
    """The JSON payload of a delivery: the body itself, or the ``payload`` field of a form body."""
    text = body.decode("utf-8")
    if content_type.startswith("application/x-www-form-urlencoded"):
        fields = parse_qs(text)
        if "payload" not in fields:
            raise BadDelivery("A form-encoded delivery needs a payload field holding the JSON.")
        text = fields["payload"][0]
    if "\\u0000" in text:
        raise BadDelivery("The payload holds a NUL character, which cannot be stored.")
    payload = json.loads(text, parse_constant=_reject_constant)
    if not isinstance(payload, dict):
        raise BadDelivery("The payload must be a JSON object.")
    return payload


class GitHubWebhookView(APIView):
    """GitHub webhook deliveries (``pull_request``, ``issue_comment``, ``ping``).

    ``POST /api/webhooks/github/`` with GitHub's headers:

    - ``X-Hub-Signature-256: sha256=<hex>``: HMAC-SHA256 of the raw body keyed with
      ``GITHUB_WEBHOOK_SECRET``, compared in constant time. Missing: **401**; wrong, or no
      secret configured on this site: **403**. Nothing is stored either way.
    - ``X-GitHub-Event`` and ``X-GitHub-Delivery`` (the delivery's GUID): required, else **400**.
    - Body: JSON (``application/json``) or a form with a ``payload`` field. Malformed, nested
      too deep, larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``, or signed but not of the shape
      GitHub sends (``webhooks.validation``: a ``pull_request`` without a numeric ``number``,
      an impossible ``merged_at``, an over-long ``action`` or ``repository.full_name``):
      **400** with the reason; nothing is stored.
    - Queueing the processing fails (broker unreachable): **503**; the delivery is stored and
      a periodic job (``webhooks.jobs.deliveries_retry_job``) queues it again.

    Responses: **202** ``{"delivery", "event", "status", "duplicate": false}`` for a new
    delivery (its processing is queued) and for a redelivery of one whose processing failed
    (it runs again), **200** with ``"duplicate": true`` for a delivery already received
    (a redelivery changes nothing). ``ping`` is answered with 202 and
    recorded. No authentication and no throttling: the signature is the credential.
    """

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    parser_classes = [RawBodyParser]

    @extend_schema(
        operation_id="webhooks_github",
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("X-Hub-Signature-256", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-GitHub-Event", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-GitHub-Delivery", str, OpenApiParameter.HEADER, required=True),
        ],
        responses={
            202: inline_serializer(
                "WebhookAccepted",
                {
                    "delivery": serializers.CharField(),
                    "event": serializers.CharField(),
                    "status": serializers.CharField(),
                    "duplicate": serializers.BooleanField(),
                },
            ),
            200: OpenApiResponse(description="A delivery already received: nothing changed."),
            **{code: ERROR_RESPONSES[code] for code in (400, 401, 403, 503)},
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        try:
            body: bytes = request.body
        except RequestDataTooBig:
            raise BadDelivery(
                f"The body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes, the most this site reads."
            ) from None
        secret = settings.GITHUB_WEBHOOK_SECRET
        if not secret:
            raise WebhookNotConfigured()
        header = request.headers.get("X-Hub-Signature-256", "")
        if not header:
            raise SignatureMissing()
        if not signature_is_valid(secret=secret, body=body, header=header):
            raise SignatureInvalid()
        event = request.headers.get("X-GitHub-Event", "").strip()
        delivery_id = request.headers.get("X-GitHub-Delivery", "").strip()
        if not event or not delivery_id:
            raise BadDelivery("X-GitHub-Event and X-GitHub-Delivery headers are required.")
        if len(delivery_id) > 100 or len(event) > 50:
            raise BadDelivery("X-GitHub-Event or X-GitHub-Delivery is too long.")
        try:
            payload = _payload(body, request.content_type or "")
        except (UnicodeDecodeError, ValueError):
            raise BadDelivery("The body is not valid JSON.") from None
        except RecursionError:
            raise BadDelivery("The body's JSON is nested too deep.") from None
        problem = payload_problem(event, payload)
        if problem is not None:
            raise BadDelivery(f"The {event} payload is not usable: {problem}.")
        delivery, created = delivery_receive(delivery_id=delivery_id, event=event, payload=payload)
        data = {
            "delivery": delivery.delivery_id,
            "event": delivery.event,
            "status": delivery.status,
            "duplicate": not created,
        }
        return Response(data, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)
