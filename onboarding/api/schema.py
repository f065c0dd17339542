"""OpenAPI post-processing: every operation documents the one error shape for any 4xx it may answer."""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular ``POSTPROCESSING_HOOKS`` entry: add a ``4XX`` response with the error shape.

    Operations keep the codes they document precisely (401, 409, ...); ``4XX`` covers the
    rest that any endpoint may give (a page past the end, an unsupported media type, a
    throttled write), all in `onboarding.api.errors`' shape.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ApiError", ERROR_COMPONENT)
    reference = {"$ref": "#/components/schemas/ApiError"}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation["responses"].setdefault(
                "4XX",
                {
                    "description": 'Any other client error: {"error": {"code", "message", "fields"}}.',
                    "content": {"application/json": {"schema": reference}},
                },
            )
    return result
