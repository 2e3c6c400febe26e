"""Signing of inbound hook deliveries (`POST /api/v1/hooks/{name}`), for both ends.

The daemon verifies with it and senders (the client, the bench, tests, a user's script) sign
with it, so the two can never disagree about the signed string: the ASCII timestamp, a dot,
then the raw body bytes, HMAC-SHA256 with the hook's secret, sent as `sha256=<hex>`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

__all__ = [
    "DELIVERY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "signature",
    "signed_headers",
    "valid_signature",
]

SIGNATURE_HEADER = "X-Harmonia-Signature-256"
TIMESTAMP_HEADER = "X-Harmonia-Timestamp"
DELIVERY_HEADER = "X-Harmonia-Delivery"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of `{timestamp}.{body}` keyed with the hook's secret."""
    mac = hmac.new(secret.encode(), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def valid_signature(secret: str, timestamp: str, body: bytes, given: str) -> bool:
    """Whether `given` (the header's value) signs this timestamp and body; constant time."""
    return hmac.compare_digest(signature(secret, timestamp, body).encode(), given.encode())


def signed_headers(
    secret: str, body: bytes, *, delivery_id: str | None = None, now: float | None = None
) -> dict[str, str]:
    """The headers a sender adds to deliver `body` (a fresh delivery id unless given)."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        DELIVERY_HEADER: delivery_id or secrets.token_hex(16),
    }
