"""What detectors read off a mention, and how they turn a firing into a :class:`Signal`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from tocsin.detect._base import Instant, epoch_seconds
from tocsin.domain import Mention, Signal, utc


def at(t: Instant) -> datetime:
    """A bucket start as a timezone-aware UTC datetime (a datetime keeps its microseconds)."""
    if isinstance(t, datetime):
        return utc(t)
    return datetime.fromtimestamp(epoch_seconds(t), UTC)


def negative(m: Mention) -> bool | None:
    """Whether the post is negative; ``None`` when it was not analysed (ignored, not neutral)."""
    return None if m.sentiment is None else m.sentiment.label == "negative"


def followers(m: Mention) -> int:
    return max(0, m.author.followers or 0)


def rank(m: Mention) -> tuple[int, float, tuple[str, str]]:
    """How well a post shows a signal, smallest first: the most followed author, then the
    surest negative sentiment, then the key (so the order never depends on arrival). A detector
    that keeps posts across buckets keeps this tuple rather than the post."""
    sure = m.sentiment.score if m.sentiment and m.sentiment.label == "negative" else 0.0
    return (-followers(m), -sure, m.key)


def strongest(mentions: Iterable[Mention], k: int = 5) -> tuple[tuple[str, str], ...]:
    """Keys of the ``k`` posts that best show a signal (:func:`rank`)."""
    return tuple(m.key for m in sorted(mentions, key=rank)[:k])


def signal(
    watch_id: str,
    kind: str,
    t: Instant,
    score: float,
    *,
    subject: str = "",
    expected: float | None = None,
    observed: float | None = None,
    evidence: tuple[tuple[str, str], ...] = (),
    **details: Any,
) -> Signal:
    return Signal(
        watch_id=watch_id,
        kind=kind,
        at=at(t),
        score=min(1.0, max(0.0, score)),
        subject=subject,
        expected=expected,
        observed=observed,
        mention_keys=evidence,
        details=details,
    )
