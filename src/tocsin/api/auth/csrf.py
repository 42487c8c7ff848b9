"""CSRF tokens: an HMAC of the secret key over what binds the browser to the server.

A signed-in browser is bound by its session cookie; a signed-out one (the login form) by a
random ``tocsin_csrf`` cookie. A state-changing request must send the matching token in the
``csrf_token`` form field or the ``X-CSRF-Token`` header; another site can make the browser
send the cookies but cannot read the token. Requests authenticated by an ``Authorization``
header carry no ambient credential and need no token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_COOKIE = "tocsin_session"
CSRF_COOKIE = "tocsin_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def new_binding() -> str:
    return secrets.token_urlsafe(24)


def binding(cookies: dict[str, str]) -> str | None:
    """What the token of this browser is computed over, or ``None`` (no cookie yet)."""
    session = cookies.get(SESSION_COOKIE)
    if session:
        return "session:" + session
    anonymous = cookies.get(CSRF_COOKIE)
    if anonymous:
        return "anonymous:" + anonymous
    return None


def token_for(secret: bytes, bound_to: str) -> str:
    return hmac.new(secret, b"csrf\0" + bound_to.encode(), hashlib.sha256).hexdigest()


def valid(secret: bytes, bound_to: str | None, sent: str | None) -> bool:
    if not bound_to or not sent:
        return False
    return hmac.compare_digest(sent.encode(), token_for(secret, bound_to).encode())
