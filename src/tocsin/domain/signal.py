"""Signals: one detector ringing for one watch at one bucket, with its evidence.

Detectors (``tocsin.detect``) emit signals; incidents group them (one incident per watch and
story), so users see one growing incident rather than a flood of alerts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: The kinds of signal the built-in detectors emit.
SIGNAL_KINDS = (
    "volume_surge",
    "negative_share",
    "hashtag_hijack",
    "high_reach",
    "alarm_words",
    "storyline",
    "shared_link",
    "silence",
)


@dataclass(frozen=True, slots=True)
class Signal:
    """``score`` in [0, 1] is how sure the detector is; ``subject`` says what within the watch
    the signal is about (a hashtag, an author key, an alarm word, a storyline id, a link; ``""``
    for the watch as a whole). ``expected`` / ``observed`` are the numbers behind the score, in the
    detector's unit (posts per bucket, negative share, reposts …). ``mention_keys`` are
    ``(platform, native_id)`` of the posts that best show it. ``details`` is JSON-serialisable."""

    watch_id: str
    kind: str
    at: datetime  # the bucket's start, timezone-aware UTC
    score: float
    subject: str = ""
    expected: float | None = None
    observed: float | None = None
    mention_keys: tuple[tuple[str, str], ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"a signal's score is between 0 and 1, not {self.score}")
        if self.at.tzinfo is None:
            raise ValueError("a signal's time must be timezone-aware")
