"""Emerging storyline: a new cluster of similar posts that grows fast and is mostly negative.

Input per bucket: the bucket's mentions and their embeddings (one L2-normalised row each, e.g.
the 512-d sentence vectors of ``tocsin.enrich.embedding``). Posts are clustered online by
*leader clustering*: a post joins the cluster whose centroid is nearest if the cosine is at
least ``threshold``, else it starts a new cluster; at most ``max_clusters`` are kept (the least
recently grown are forgotten). A cluster is a candidate when it is young (born within
``new_within`` seconds), has at least ``min_size`` posts and at least ``min_negative`` of its
analysed posts are negative. Two views judge it (``SortedWindow`` + ``tail_surprise``):

- *growth*: its growth in the bucket against the largest growth of any cluster in past buckets
  (until ``min_history`` buckets, the fixed rule ``3.4 · log(1 + growth) / log(1 + min_growth)``);
- *size*: its size against the largest size of any new cluster in past buckets — new meaning
  born after the watch's first ``new_within`` seconds, when every topic is new — so a storyline
  that grows steadily but slowly rings once it is large for a new topic.

Each storyline rings once; its signal names its top terms (over-represented against every post
seen). The clusters always learn (a storyline is made of the crisis' posts); the baselines do not
learn from a bucket that rings, and a storyline that rang is left out of the size baseline.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tocsin.detect._base import DetectError, Instant, epoch_seconds
from tocsin.detect._evidence import followers, negative, signal
from tocsin.detect._share import score_of
from tocsin.detect._stats import SortedWindow, tail_surprise
from tocsin.detect._text import content_tokens, top_terms
from tocsin.domain import Mention, Signal
from tocsin.enrich.embedding import blas_threads

_FLOOR_SURPRISE = 3.4
_MAX_TERMS = 200  # terms kept per cluster
_MAX_BACKGROUND = 40_000  # terms kept in the background (the most frequent half survive)


@dataclass(frozen=True)
class StorylineConfig:
    """Settings of :class:`StorylineDetector`."""

    dim: int = 512
    threshold: float = 0.65  # cosine to a centroid to join its cluster
    max_clusters: int = 500
    new_within: float = 24 * 3600.0  # seconds since its first post for a cluster to be "new"
    min_size: int = 10  # posts in a cluster before it can ring
    min_negative: float = 0.6  # share of its analysed posts that are negative
    min_growth: int = 5  # posts joining in a bucket: the floor of the fixed rule
    min_history: int = 48  # buckets before the growth baseline judges
    history: int = 2_000  # buckets of growth remembered
    protect: float = 3.0
    surprise_half: float = 5.0
    alert_score: float = 0.4
    terms: int = 5  # top terms named in a signal
    evidence: int = 5

    def __post_init__(self) -> None:
        if not (0.0 < self.threshold < 1.0):
            raise DetectError("threshold must be a cosine between 0 and 1")
        if self.dim < 1 or self.max_clusters < 1 or self.min_size < 1 or self.min_growth < 1:
            raise DetectError("dim, max_clusters, min_size and min_growth must be at least 1")
        if not 0.0 < self.alert_score < 1.0:
            raise DetectError("alert_score must be between 0 and 1")


@dataclass(frozen=True)
class StoryAssessment:
    """One cluster grown in a bucket."""

    cluster: int  # its id
    growth: int  # posts that joined it in the bucket
    size: int
    negative_share: float | None  # among its analysed posts
    age: float  # seconds since its first post
    usual: float  # the usual top growth (99th percentile of past buckets)
    surprise: float
    score: float


@dataclass(frozen=True)
class StorylineAssessment:
    stories: tuple[StoryAssessment, ...]  # clusters grown in the bucket, by id
    score: float


@dataclass
class _Clusters:
    """Columns of the clusters (numpy rows) and their words and best posts."""

    sums: Any  # (rows, dim) float64: sum of member vectors (rows beyond len(ids): spare)
    norms: Any  # (rows,) norm of each sum
    ids: list[int] = field(default_factory=list)
    size: list[int] = field(default_factory=list)
    negatives: list[int] = field(default_factory=list)
    analysed: list[int] = field(default_factory=list)
    born: list[float] = field(default_factory=list)
    last: list[float] = field(default_factory=list)
    rung: list[bool] = field(default_factory=list)
    terms: list[dict[str, int]] = field(default_factory=list)
    best: list[list[tuple[int, str, str]]] = field(default_factory=list)  # (-followers, key)

    def copy(self) -> _Clusters:
        """The columns copied; ``sums`` and ``norms`` shared (a plan never writes them)."""
        return _Clusters(
            self.sums, self.norms, list(self.ids), list(self.size),
            list(self.negatives), list(self.analysed), list(self.born), list(self.last),
            list(self.rung), list(self.terms), list(self.best),
        )  # fmt: skip


class StorylineDetector:
    """``update(t, mentions, vectors) -> score``; ``observe(watch_id, t, mentions, vectors)``
    gives one :class:`Signal` per storyline that rings (subject ``storyline:<id>``)."""

    def __init__(self, config: StorylineConfig | None = None) -> None:
        self.config = cfg = config or StorylineConfig()
        self.clusters = _Clusters(np.zeros((0, cfg.dim)), np.zeros(0))
        self.next_id = 1
        self.growth = SortedWindow(cfg.history)  # largest growth of a cluster, per bucket
        self.young = SortedWindow(cfg.history)  # largest size of a new cluster, per bucket
        self.started: float | None = None  # the first bucket seen
        self.background: dict[str, int] = {}  # posts per term, over every post seen

    def _plan(
        self, t: Instant, x: Sequence[Mention], vectors: Any
    ) -> tuple[StorylineAssessment, _Clusters, int, dict[int, int], dict[int, Any]]:
        cfg = self.config
        now = epoch_seconds(t)
        if not math.isfinite(now):
            raise DetectError(f"bucket time must be finite, not {t!r}")
        rows = _unit_rows(vectors, len(x), cfg.dim)
        c = self.clusters.copy()  # the columns; the sums are shared, changed rows kept apart
        next_id = self.next_id
        grown: dict[int, int] = {}  # row -> posts joined
        changed: dict[int, Any] = {}  # row -> its new sum (new clusters included)
        known = len(c.ids)
        # One product for the bucket against the clusters as they were; rows that change
        # within the bucket are compared one by one.
        with blas_threads(1):  # a spinning BLAS thread costs more than it saves here
            base = (c.sums[:known] @ rows.T) / np.maximum(c.norms[:known, None], 1e-12)
        for j, (m, v) in enumerate(zip(x, rows, strict=True)):
            sims = np.empty(len(c.ids))
            sims[:known] = base[:, j]
            for r, total in changed.items():
                sims[r] = float(total @ v) / max(float(np.linalg.norm(total)), 1e-12)
            k = int(np.argmax(sims)) if len(sims) else -1
            if k < 0 or sims[k] < cfg.threshold:
                k = len(c.ids)
                changed[k] = v.copy()
                c.ids.append(next_id)
                next_id += 1
                for col, empty in ((c.size, 0), (c.negatives, 0), (c.analysed, 0)):
                    col.append(empty)
                c.born.append(now)
                c.last.append(now)
                c.rung.append(False)
                c.terms.append({})
                c.best.append([])
            else:
                changed[k] = (changed[k] if k in changed else c.sums[k]) + v
            c.size[k] += 1
            flag = negative(m)
            c.analysed[k] += flag is not None
            c.negatives[k] += bool(flag)
            c.last[k] = now
            terms = dict(c.terms[k])
            for w in set(content_tokens(m.text)):
                terms[w] = terms.get(w, 0) + 1
            if len(terms) > _MAX_TERMS:
                terms = dict(sorted(terms.items(), key=lambda i: (-i[1], i[0]))[: _MAX_TERMS // 2])
            c.terms[k] = terms
            c.best[k] = sorted([*c.best[k], (-followers(m), *m.key)])[: cfg.evidence]
            grown[k] = grown.get(k, 0) + 1
        usual = self._usual()
        stories = []
        for k in sorted(grown, key=lambda r: c.ids[r]):
            g, size, age = grown[k], c.size[k], now - c.born[k]
            share = c.negatives[k] / c.analysed[k] if c.analysed[k] else None
            surprise = 0.0
            if (
                not c.rung[k]
                and age <= cfg.new_within
                and size >= cfg.min_size
                and share is not None
                and share >= cfg.min_negative
            ):
                surprise = self._surprise(g)
                if c.born[k] >= self._settled(now) and len(self.young) >= cfg.min_history:
                    surprise = max(surprise, tail_surprise(self.young, size, resolution=1.0))
            score = score_of(surprise, cfg.surprise_half)
            stories.append(StoryAssessment(c.ids[k], g, size, share, age, usual, surprise, score))
        top = max((s.score for s in stories), default=0.0)
        return StorylineAssessment(tuple(stories), top), c, next_id, grown, changed

    def _settled(self, now: float) -> float:
        """Clusters born from this time on are new against what the watch already talks about
        (its first ``new_within`` seconds are a warm-up: every topic is new then)."""
        return (now if self.started is None else self.started) + self.config.new_within

    def _young_max(self, c: _Clusters, now: float) -> int:
        """The largest cluster born after the warm-up and still new (one that rang aside)."""
        cfg, settled = self.config, self._settled(now)
        return max(
            (
                size
                for size, born, rung in zip(c.size, c.born, c.rung, strict=True)
                if born >= settled and now - born <= cfg.new_within and not rung
            ),
            default=0,
        )

    def _surprise(self, growth: int) -> float:
        cfg = self.config
        if len(self.growth) >= cfg.min_history:
            return tail_surprise(self.growth, float(growth), resolution=1.0)
        if growth < cfg.min_growth:
            return 0.0
        return _FLOOR_SURPRISE * math.log1p(growth) / math.log1p(cfg.min_growth)

    def _usual(self) -> float:
        w = self.growth
        return w.sorted[min(len(w) - 1, int(0.99 * len(w)))] if len(w) else 0.0

    # -- River contract -----------------------------------------------------------------------
    def assess(self, t: Instant, x: Sequence[Mention], vectors: Any = None) -> StorylineAssessment:
        return self._plan(t, x, vectors)[0]

    def score_one(self, t: Instant, x: Sequence[Mention], vectors: Any = None) -> float:
        return self.assess(t, x, vectors).score

    def alert(self, score: float) -> bool:
        return score >= self.config.alert_score

    def learn_one(self, t: Instant, x: Sequence[Mention], vectors: Any = None) -> None:
        self._commit(t, x, *self._plan(t, x, vectors))

    def update(self, t: Instant, x: Sequence[Mention], vectors: Any = None) -> float:
        plan = self._plan(t, x, vectors)
        self._commit(t, x, *plan)
        return plan[0].score

    def _commit(
        self,
        t: Instant,
        x: Sequence[Mention],
        a: StorylineAssessment,
        c: _Clusters,
        next_id: int,
        grown: dict[int, int],
        changed: dict[int, Any],
    ) -> None:
        cfg = self.config
        if changed:
            rows = max(changed) + 1
            if rows > len(c.sums):  # full: double the rows held
                more = max(16, rows - len(c.sums), len(c.sums))
                c.sums = np.concatenate([c.sums, np.zeros((more, cfg.dim))])
                c.norms = np.concatenate([c.norms, np.zeros(more)])
            for r, total in changed.items():
                c.sums[r] = total
                c.norms[r] = float(np.linalg.norm(total))
        for s in a.stories:
            if self.alert(s.score):
                c.rung[c.ids.index(s.cluster)] = True
        now = epoch_seconds(t)
        if self.started is None:
            self.started = now
        if x and all(s.surprise <= cfg.protect for s in a.stories):
            self.growth.update(float(max(grown.values(), default=0)))
            self.young.update(float(self._young_max(c, now)))
        for m in x:
            for w in set(content_tokens(m.text)):
                self.background[w] = self.background.get(w, 0) + 1
        if len(self.background) > _MAX_BACKGROUND:
            kept = sorted(self.background.items(), key=lambda i: (-i[1], i[0]))
            self.background = dict(kept[: _MAX_BACKGROUND // 2])
        if len(c.ids) > cfg.max_clusters:
            order = sorted(range(len(c.ids)), key=lambda r: (c.last[r], c.size[r], c.ids[r]))
            keep = sorted(order[len(c.ids) - cfg.max_clusters :])
            spare = list(range(len(c.ids), len(c.sums)))
            c = _Clusters(
                c.sums[keep + spare], c.norms[keep + spare], [c.ids[r] for r in keep],
                [c.size[r] for r in keep], [c.negatives[r] for r in keep],
                [c.analysed[r] for r in keep], [c.born[r] for r in keep],
                [c.last[r] for r in keep], [c.rung[r] for r in keep],
                [c.terms[r] for r in keep], [c.best[r] for r in keep],
            )  # fmt: skip
        self.clusters, self.next_id = c, next_id

    # -- signals -----------------------------------------------------------------------------
    def signals(
        self, watch_id: str, t: Instant, a: StorylineAssessment, clusters: _Clusters | None = None
    ) -> list[Signal]:
        c = clusters or self.clusters
        out = []
        for s in a.stories:
            if not self.alert(s.score):
                continue
            k = c.ids.index(s.cluster)
            terms = top_terms(Counter(c.terms[k]), self.background, self.config.terms)
            details: dict[str, Any] = {
                "storyline": s.cluster,
                "size": s.size,
                "negative_share": round(s.negative_share or 0.0, 3),
                "age_hours": round(s.age / 3600.0, 2),
                "top_terms": terms,
                "surprise": round(s.surprise, 3),
            }
            evidence = tuple((p, i) for _, p, i in c.best[k])
            out.append(
                signal(
                    watch_id, "storyline", t, s.score, subject=f"storyline:{s.cluster}",
                    expected=s.usual, observed=float(s.growth), evidence=evidence, **details,
                )
            )  # fmt: skip
        return out

    def observe(
        self, watch_id: str, t: Instant, mentions: Sequence[Mention], vectors: Any = None
    ) -> list[Signal]:
        """Assess a bucket's mentions, learn from them, and return its signals."""
        plan = self._plan(t, mentions, vectors)
        out = self.signals(watch_id, t, plan[0], plan[1])
        self._commit(t, mentions, *plan)
        return out


def _unit_rows(vectors: Any, n: int, dim: int) -> Any:
    """The embeddings as float64 unit rows, one per mention, or :class:`DetectError`."""
    if vectors is None:
        if n == 0:
            return np.zeros((0, dim))
        raise DetectError("storyline: embeddings are required (one row per mention)")
    v = np.asarray(vectors, dtype=np.float64)
    if v.ndim != 2 or v.shape != (n, dim):
        raise DetectError(f"vectors: expected shape ({n}, {dim}), got {v.shape}")
    if not np.isfinite(v).all():
        raise DetectError("vectors: not finite numbers")
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.maximum(norms, 1e-12)
