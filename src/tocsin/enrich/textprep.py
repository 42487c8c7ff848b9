"""The text the models see: one preparation for training and for inference.

The public sentiment sets the heads are trained on mask handles as ``@user`` and links as
``http``; posts are prepared the same way, so a handle or a link never weighs on a score. Text is
cut to ``MAX_MODEL_CHARS``: a post's opening carries its tone, and the encoder's cost grows
with length (a 100,000-character post must not cost a hundred tweets).
"""

from __future__ import annotations

import re

MAX_MODEL_CHARS = 1_000

_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[\w.]+", re.UNICODE)
_SPACE = re.compile(r"\s+", re.UNICODE)


def prepare(text: str) -> str:
    """Handles become ``@user``, links ``http``, runs of white space one space, cut at 1,000."""
    text = text[: 4 * MAX_MODEL_CHARS]
    if "@" in text:
        text = _HANDLE.sub("@user", text)
    if "http" in text or "www." in text or "HTTP" in text:
        text = _LINK.sub("http", text)
    return _SPACE.sub(" ", text).strip()[:MAX_MODEL_CHARS]
