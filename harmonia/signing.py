"""How a webhook body is signed: HMAC-SHA256 of `{timestamp}.{body}`, sent as
`X-Harmonia-Signature-256: sha256=<hex>` beside `X-Harmonia-Timestamp`.

One convention for both directions (webhooks out, hooks in), written once so that a receiver
written against the README verifies what the daemon sends. The timestamp is inside the signed
text, so an old delivery cannot be replayed with a fresh timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Final

__all__ = [
    "DELIVERY_HEADER",
    "EVENT_HEADER",
    "SIGNATURE_HEADER",
    "SIGNATURE_PREFIX",
    "TIMESTAMP_HEADER",
    "sign",
    "signature_matches",
    "signed_headers",
]

SIGNATURE_HEADER: Final = "X-Harmonia-Signature-256"
TIMESTAMP_HEADER: Final = "X-Harmonia-Timestamp"
"""Unix seconds, a whole number, as text: part of the signed text."""
DELIVERY_HEADER: Final = "X-Harmonia-Delivery"
"""The delivery's id: the same on every attempt, so a receiver can drop repeats."""
EVENT_HEADER: Final = "X-Harmonia-Event"
SIGNATURE_PREFIX: Final = "sha256="


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The header value: `sha256=` and the hex HMAC-SHA256 of `{timestamp}.{body}`."""
    mac = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def signature_matches(secret: bytes, timestamp: str, body: bytes, header: str) -> bool:
    """Whether `header` is the signature of this body and timestamp (constant time)."""
    try:
        expected = sign(secret, timestamp, body)
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))


def signed_headers(
    secret: str | bytes, body: bytes, *, delivery_id: str | None = None, now: float | None = None
) -> dict[str, str]:
    """The headers a sender adds to deliver `body` to a hook (a fresh delivery id unless
    given): what the client, the bench and a user's script send."""
    key = secret.encode() if isinstance(secret, str) else secret
    timestamp = str(int(time.time() if now is None else now))
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(key, timestamp, body),
        DELIVERY_HEADER: delivery_id or secrets.token_hex(16),
    }
