"""Tokens for bots and scripts: ``POST /api/auth/token/`` trades a username and password for a token."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken

from onboarding.api.errors import ERROR_RESPONSES
from onboarding.api.throttling import UsernameRateThrottle, WriteScopedRateThrottle


class TokenView(ObtainAuthToken):
    """Get your API token.

    ``POST /api/auth/token/`` ``{"username", "password"}`` → **200** ``{"token"}``; send it
    as ``Authorization: Token <token>``. Wrong credentials: **400**. Throttled per address
    (``tokens``) and per username from any address (``tokens_username``): **429**.
    Maintainers can also make tokens with ``manage.py drf_create_token USERNAME``.
    """

    throttle_scope = "tokens"
    throttle_scope_username = "tokens_username"
    throttle_classes = [WriteScopedRateThrottle, UsernameRateThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: ERROR_RESPONSES[400],
            429: ERROR_RESPONSES[429],
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        return super().post(request, *args, **kwargs)
