"""GitHub's webhook signature: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``.

Source: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_PREFIX", "signature_for", "signature_is_valid"]

SIGNATURE_PREFIX = "sha256="


def signature_for(*, secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body`` signed with ``secret``."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_is_valid(*, secret: str, body: bytes, header: str) -> bool:
    """Whether ``header`` signs the raw ``body`` with ``secret``, compared in constant time.

    An empty secret verifies nothing: without a configured secret every delivery is refused.
    """
    if not secret or not header:
        return False
    return hmac.compare_digest(signature_for(secret=secret, body=body).encode(), header.strip().encode())
