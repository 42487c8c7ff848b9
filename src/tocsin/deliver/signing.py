"""Standard Webhooks signatures (standardwebhooks.com): HMAC-SHA256 over
``{webhook-id}.{webhook-timestamp}.{body}``, base64, sent as ``v1,<signature>`` in the
``webhook-signature`` header. Secrets are ``whsec_`` followed by base64 bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac

PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60


def _key(secret: str) -> bytes:
    raw = secret[len(PREFIX) :] if secret.startswith(PREFIX) else secret
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError:
        raise ValueError("a webhook secret is whsec_ followed by base64") from None


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, msg_id: str, timestamp: int, body: bytes, header: str, now: int) -> bool:
    """What a receiver does: any ``v1`` signature in the header matches, timestamp is fresh."""
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, msg_id, timestamp, body)
    return any(hmac.compare_digest(expected, part) for part in header.split())
