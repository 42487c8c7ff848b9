"""Post fields are hostile input. Jinja2 autoescape escapes every value for HTML (``<``, ``>``,
``&``, quotes); this module adds what escaping does not cover:

- ``neutralise``: bidirectional overrides, embeddings and isolates, which could make a handle
  display as another (U+202E then ``ailefac`` shows as ``cafelia``) or reverse the text around it,
  become a visible U+FFFD; bidi marks and other control characters are dropped. Templates
  also wrap post fields in ``<bdi>``, which isolates their direction from the page.
- ``safe_href``: only ``http`` and ``https`` URLs become links; ``javascript:``, ``data:``,
  protocol-relative and malformed URLs are shown as text.
- ``safe_next``: a redirect target is a path of this site, never another site.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")  # embeddings, overrides, isolates
_INVISIBLE = re.compile(
    "[\u061c\u200e\u200f"  # bidi marks
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # C0 (but tab, line feed, carriage return) and C1
)
REPLACEMENT = "\ufffd"
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
MAX_URL_CHARS = 2_048


def neutralise(value: object) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return _INVISIBLE.sub("", _BIDI_CONTROLS.sub(REPLACEMENT, text))


def safe_href(url: object) -> str | None:
    """The URL if it is an absolute http(s) URL with a host, else ``None``."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > MAX_URL_CHARS or _URL_FORBIDDEN.search(url) or "\\" in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after a form: never ``//host``, ``/\\host`` or a full URL."""
    if not target or len(target) > MAX_URL_CHARS:
        return default
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return default
    if _URL_FORBIDDEN.search(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
