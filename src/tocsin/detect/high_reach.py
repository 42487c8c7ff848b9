"""High-reach posts: a negative post by an author with a large audience, or a negative post
whose reposts grow fast enough that its cascade is forecast to be large.

Input per bucket: the bucket's mentions. Two views, each a surprise:

- *reach*: a negative post whose author's followers are rare for this watch — the upper tail of
  ``log10(1 + followers)`` among the watch's recent posts (``SortedWindow`` + ``tail_surprise``),
  and at least ``min_followers``;
- *cascade*: reposts of a negative post the watch has seen (mentions whose ``repost_of`` is its
  id, or a re-imported version with a higher ``metrics.reposts``) are timed, and the cascade's
  final size is forecast by a Hawkes process (:mod:`tocsin.detect._cascade`); the forecast is
  judged against the final sizes of the watch's past cascades, and must reach ``min_cascade``.

Until the watch has ``min_history`` posts (``min_cascades`` finished cascades), a fixed rule
stands in for the tail: surprise ``3.4 · log(value) / log(floor)``, so the floor itself just
rings. Each post rings once. Posts and cascades that ring are not learned. The forecast's prior
on the timescale of a cascade's memory is the configured one until 10 finished cascades of 20+
reposts have taught the watch its own (their median fitted timescale).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tocsin.detect._base import AssessThenLearn, DetectError, Instant, epoch_seconds
from tocsin.detect._cascade import forecast_cascade
from tocsin.detect._evidence import followers, negative, signal
from tocsin.detect._share import score_of
from tocsin.detect._stats import SortedWindow, tail_surprise
from tocsin.domain import Mention, Signal

Key = tuple[str, str]
_FLOOR_SURPRISE = 3.4
_FIT_REPOSTS = 20  # a finished cascade this large teaches the watch its timescale …
_FIT_CASCADES = 10  # … once it has this many


@dataclass(frozen=True)
class ReachConfig:
    """Settings of :class:`HighReachDetector`."""

    min_followers: int = 10_000  # a post by a smaller audience never rings on reach
    min_history: int = 200  # posts before the watch's own follower distribution judges
    reach_window: int = 5_000  # recent posts whose authors' audience is the reference
    min_reposts: int = 5  # reposts seen before a cascade is forecast
    min_cascade: int = 200  # a cascade forecast smaller never rings
    min_cascades: int = 30  # finished cascades before their distribution judges
    horizon: float = 48 * 3600.0  # seconds a negative post's cascade is followed
    max_roots: int = 20_000  # negative posts followed at most (oldest dropped)
    timescale: float = 3600.0  # prior centre of the cascades' memory, seconds …
    timescale_spread: float = 1.0  # … and its spread (natural-log units)
    protect: float = 3.0
    surprise_half: float = 5.0
    alert_score: float = 0.4

    def __post_init__(self) -> None:
        if self.min_followers < 2 or self.min_cascade < 2 or self.min_reposts < 1:
            raise DetectError("min_followers and min_cascade must be >= 2, min_reposts >= 1")
        if not (self.horizon > 0 and self.timescale > 0 and self.timescale_spread > 0):
            raise DetectError("horizon, timescale and timescale_spread must be positive")
        if not 0.0 < self.alert_score < 1.0:
            raise DetectError("alert_score must be between 0 and 1")


@dataclass(frozen=True)
class Candidate:
    """One post judged in a bucket."""

    view: str  # reach or cascade
    key: Key  # the post
    author: Key  # its author (platform, id)
    observed: float  # followers, or the forecast final reposts
    expected: float  # the watch's usual top (99th percentile) of the same
    surprise: float
    score: float
    details: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class ReachAssessment:
    candidates: tuple[Candidate, ...]
    score: float


@dataclass
class _Root:
    created: float  # epoch seconds
    author: Key
    times: list[float] = field(default_factory=list)  # repost times, seconds after the post
    # reposts it already had when first seen: part of its size, but their times are unknown
    # (all at the first sight, they made the forecast explode: 4e14 for 5 reposts)
    base: int = 0
    rung: bool = False  # it rang: no longer scored
    loud: bool = False  # it was anomalous: never learned as a usual cascade


class HighReachDetector(AssessThenLearn):
    """``update(t, mentions) -> score``; ``observe(watch_id, t, mentions)`` gives one
    :class:`Signal` per post that rings (subject: the post's key ``platform:id``)."""

    def __init__(self, config: ReachConfig | None = None) -> None:
        self.config = cfg = config or ReachConfig()
        self.audience = SortedWindow(cfg.reach_window)  # log10(1 + followers) per post
        self.sizes = SortedWindow(1_000)  # log10(1 + final reposts) of finished cascades
        self.roots: dict[Key, _Root] = {}
        self.timescales = SortedWindow(200)  # ln(fitted timescale) of finished large cascades
        self.rung: dict[Key, float] = {}  # reach posts that rang, by time

    # -- reading a bucket ---------------------------------------------------------------------
    def _reposts(self, t: float, x: Sequence[Mention]) -> dict[Key, list[float]]:
        """New repost times (epoch seconds) per followed root, from reposts and re-imports."""
        roots = {**self.roots, **self._new_roots(x)}
        found: dict[Key, list[float]] = {}
        for m in x:
            if m.repost_of is not None and (m.platform, m.repost_of) in roots:
                found.setdefault((m.platform, m.repost_of), []).append(m.created_at.timestamp())
        for m in x:
            root = roots.get(m.key)
            count = m.metrics.reposts
            if root is not None and count is not None:
                known = root.base + len(root.times) + len(found.get(m.key, ()))
                found.setdefault(m.key, []).extend([t] * max(0, count - known))
        return found

    def _new_roots(self, x: Sequence[Mention]) -> dict[Key, _Root]:
        return {
            m.key: _Root(
                m.created_at.timestamp(),
                (m.platform, m.author.id),
                base=max(0, m.metrics.reposts or 0),
            )
            for m in x
            if negative(m) and m.key not in self.roots
        }

    def _surprise(self, window: SortedWindow, value: float, floor: float, enough: int) -> float:
        if value < floor:
            return 0.0
        if len(window) >= enough:
            return tail_surprise(window, math.log10(1.0 + value))
        return _FLOOR_SURPRISE * math.log(1.0 + value) / math.log(1.0 + floor)

    def timescale_prior(self) -> tuple[float, float]:
        """(centre, spread) of the prior on a cascade's timescale: the median of this watch's
        finished cascades once it has ``_FIT_CASCADES`` of them, else the configured one."""
        w = self.timescales
        if len(w) >= _FIT_CASCADES:
            return math.exp(w.sorted[len(w) // 2]), self.config.timescale_spread
        return self.config.timescale, self.config.timescale_spread

    @staticmethod
    def _top(window: SortedWindow, fallback: float) -> float:
        if len(window) == 0:
            return fallback
        return 10.0 ** window.sorted[min(len(window) - 1, int(0.99 * len(window)))] - 1.0

    # -- River contract -----------------------------------------------------------------------
    def assess(self, t: Instant, x: Sequence[Mention]) -> ReachAssessment:
        cfg = self.config
        now = epoch_seconds(t)
        if not math.isfinite(now):
            raise DetectError(f"bucket time must be finite, not {t!r}")
        out = []
        top_audience = self._top(self.audience, cfg.min_followers)
        for m in x:
            if negative(m) and m.key not in self.rung:
                f = followers(m)
                s = self._surprise(self.audience, f, cfg.min_followers, cfg.min_history)
                if s > 0:
                    author = (m.platform, m.author.id)
                    score = score_of(s, cfg.surprise_half)
                    out.append(Candidate("reach", m.key, author, f, top_audience, s, score))
        roots = {**self.roots, **self._new_roots(x)}
        top_size = self._top(self.sizes, cfg.min_cascade)
        for key, new in self._reposts(now, x).items():
            root = roots[key]
            if root.rung or len(root.times) + len(new) < cfg.min_reposts:
                continue
            times = sorted([*root.times, *(max(0.0, s - root.created) for s in new)])
            fc = forecast_cascade(times, times[-1], timescale=self.timescale_prior())
            final = root.base + fc.final
            s = self._surprise(self.sizes, final, cfg.min_cascade, cfg.min_cascades)
            details = (
                ("reposts_seen", fc.seen),
                ("branching", round(fc.branching, 3)),
                ("direct_reposts", round(fc.direct, 1)),
                ("timescale_minutes", round(fc.timescale / 60.0, 1)),
            )
            score = score_of(s, cfg.surprise_half)
            out.append(Candidate("cascade", key, root.author, final, top_size, s, score, details))
        return ReachAssessment(tuple(out), max((c.score for c in out), default=0.0))

    def _learn(self, t: Instant, x: Sequence[Mention], a: ReachAssessment) -> None:
        cfg = self.config
        now = epoch_seconds(t)
        loud = {c.key for c in a.candidates if c.surprise > cfg.protect}
        for m in x:
            if m.key not in loud:
                self.audience.update(math.log10(1.0 + followers(m)))
        for c in a.candidates:
            if self.alert(c.score) and c.view == "reach":
                self.rung[c.key] = now
        new_events = self._reposts(now, x)
        self.roots.update(self._new_roots(x))
        for key, new in new_events.items():
            root = self.roots[key]
            root.times = sorted([*root.times, *(max(0.0, s - root.created) for s in new)])
        for c in a.candidates:
            if c.view == "cascade" and c.surprise > cfg.protect:
                self.roots[c.key].loud = True  # not learned as a usual cascade
                self.roots[c.key].rung = self.alert(c.score)  # and followed no more
        for key, root in list(self.roots.items()):
            if root.created >= now - cfg.horizon and len(self.roots) <= cfg.max_roots:
                break  # roots are in arrival order: the rest are younger
            del self.roots[key]
            if (root.times or root.base) and not root.loud:
                self.sizes.update(math.log10(1.0 + root.base + len(root.times)))
                if len(root.times) >= _FIT_REPOSTS:
                    ended = now - root.created  # seconds: no repost since, it is over
                    fc = forecast_cascade(root.times, ended, timescale=self.timescale_prior())
                    self.timescales.update(math.log(fc.timescale))
        self.rung = {k: v for k, v in self.rung.items() if v >= now - cfg.horizon}

    # -- signals -----------------------------------------------------------------------------
    def signals(self, watch_id: str, t: Instant, a: ReachAssessment) -> list[Signal]:
        return [
            signal(
                watch_id, "high_reach", t, c.score, subject=f"{c.key[0]}:{c.key[1]}",
                expected=c.expected, observed=c.observed, evidence=(c.key,),
                view=c.view, author=f"{c.author[0]}:{c.author[1]}",
                surprise=round(c.surprise, 3), **dict(c.details),
            )
            for c in a.candidates
            if self.alert(c.score)
        ]  # fmt: skip

    def observe(self, watch_id: str, t: Instant, mentions: Sequence[Mention]) -> list[Signal]:
        """Assess a bucket's mentions, learn from them, and return its signals."""
        a = self.assess(t, mentions)
        out = self.signals(watch_id, t, a)
        self._learn(t, mentions, a)
        return out
