"""Negative-share shift: the share of negative posts in a bucket against its usual share.

Input per bucket: ``(n_negative, n_total)`` over the posts whose sentiment was analysed (posts
with ``sentiment is None`` are left out of both: not analysed is not neutral);
:func:`negative_counts` reads it off a bucket's mentions. The baseline is a
:class:`~tocsin.detect._share.ShareBaseline` and the surprise the beta-binomial tail of the
bucket's negatives, so 3 negatives out of 4 is not a crisis while 300 out of 400 against a 10 %
baseline is. The baseline does not learn from a crisis (``GuardedShare``): a bucket whose
surprise passes ``protect`` starts a run, which lasts while the evidence for it stays positive,
so the small buckets of a crisis' night are not learned either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tocsin.detect._base import DetectError, Instant
from tocsin.detect._evidence import negative, signal, strongest
from tocsin.detect._share import GuardedShare, ShareBaseline, check_counts, pair, score_of
from tocsin.domain import Mention, Signal

Counts = tuple[int, int]


@dataclass(frozen=True)
class NegativeShareConfig:
    """Settings of :class:`NegativeShareDetector` (halflife in learned buckets)."""

    halflife: float = 336.0  # two weeks of hourly buckets
    prior_share: float = 0.25  # assumed before anything is learned …
    prior_weight: float = 20.0  # … worth this many posts
    warmup_posts: int = 100  # analysed posts learned before any score
    min_negatives: int = 5  # fewer negative posts in a bucket never ring
    protect: float = 3.0  # surprise above which a bucket is not learned …
    hold: float = 10.0  # … nor the next ones while the evidence for the run (nats) is positive
    rebaseline_after: int | None = 72  # anomalous buckets in a row before the share is accepted
    surprise_half: float = 5.0  # surprise that scores 0.5
    alert_score: float = 0.4  # surprise 3.3
    evidence: int = 5  # posts named in a signal

    def __post_init__(self) -> None:
        if not (self.halflife > 0 and self.prior_weight > 0 and self.surprise_half > 0):
            raise DetectError("halflife, prior_weight and surprise_half must be positive")
        if not 0.0 < self.prior_share < 1.0:
            raise DetectError("prior_share must be between 0 and 1")
        if not 0.0 < self.alert_score < 1.0:
            raise DetectError("alert_score must be between 0 and 1")


@dataclass(frozen=True)
class ShareAssessment:
    """The numbers behind a negative-share score."""

    expected: float  # the usual negative share
    observed: float | None  # this bucket's share (None: no analysed post)
    n_negative: int
    n_total: int
    surprise: float  # -log10 P(at least this many negatives), whatever their number
    score: float


def negative_counts(mentions: Sequence[Mention]) -> Counts:
    """``(n_negative, n_total)`` over the analysed mentions of a bucket."""
    flags = [f for f in (negative(m) for m in mentions) if f is not None]
    return sum(flags), len(flags)


class NegativeShareDetector:
    """``update(t, (n_negative, n_total)) -> score``; ``observe(watch_id, t, mentions)`` gives
    the :class:`Signal` of a bucket that rings."""

    def __init__(self, config: NegativeShareConfig | None = None) -> None:
        self.config = cfg = config or NegativeShareConfig()
        self.guard = GuardedShare(ShareBaseline(cfg.halflife, cfg.prior_share, cfg.prior_weight))

    @property
    def baseline(self) -> ShareBaseline:
        return self.guard.baseline

    def assess(self, t: Instant, x: Counts) -> ShareAssessment:
        cfg = self.config
        what = "(n_negative, n_total)"
        k, n = check_counts(*pair(x, what), what=what)
        surprise = self.baseline.surprise(k, n) if self.baseline.posts >= cfg.warmup_posts else 0.0
        # The size floor silences the bell, not the protection: a bucket of 4 negatives out of
        # 4 at night is not learned as the usual share either.
        score = score_of(surprise, cfg.surprise_half) if k >= cfg.min_negatives else 0.0
        return ShareAssessment(self.baseline.share, k / n if n else None, k, n, surprise, score)

    def score_one(self, t: Instant, x: Counts) -> float:
        return self.assess(t, x).score

    def alert(self, score: float) -> bool:
        return score >= self.config.alert_score

    def learn_one(self, t: Instant, x: Counts) -> None:
        self._learn(self.assess(t, x))

    def update(self, t: Instant, x: Counts) -> float:
        a = self.assess(t, x)
        self._learn(a)
        return a.score

    def _learn(self, a: ShareAssessment) -> None:
        cfg = self.config
        self.guard.learn(
            a.n_negative, a.n_total, a.surprise, cfg.protect, cfg.hold, cfg.rebaseline_after
        )

    def signals(
        self, watch_id: str, t: Instant, mentions: Sequence[Mention], a: ShareAssessment
    ) -> list[Signal]:
        """The signal of an assessed bucket, if it rings (else none)."""
        if not self.alert(a.score):
            return []
        details: dict[str, Any] = {
            "n_negative": a.n_negative,
            "n_total": a.n_total,
            "surprise": round(a.surprise, 3),
            "rho": round(self.baseline.rho, 5),
        }
        return [
            signal(
                watch_id, "negative_share", t, a.score,
                expected=a.expected, observed=a.observed,
                evidence=strongest([m for m in mentions if negative(m)], self.config.evidence),
                **details,
            )
        ]  # fmt: skip

    def observe(self, watch_id: str, t: Instant, mentions: Sequence[Mention]) -> list[Signal]:
        """Assess a bucket's mentions, learn from them, and return its signals."""
        a = self.assess(t, negative_counts(mentions))
        out = self.signals(watch_id, t, mentions, a)
        self._learn(a)
        return out
