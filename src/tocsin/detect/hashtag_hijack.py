"""Campaign-hashtag hijack: a brand-owned hashtag (#McDStories, #AskJPM, #AmexBeInspired) whose
posts turn negative, mocking or off-topic.

Input per bucket: the bucket's mentions (and, optionally, their embeddings, one L2-normalised
row per mention); only posts carrying one of the configured hashtags count. For each hashtag
three shares are watched, each a ``GuardedShare`` against the hashtag's own baseline (its priors
stand in until it has one, so a hashtag hijacked in its first hours still rings):

- *negative*: negative posts among the analysed ones (posts without sentiment are ignored);
- *mocking*: posts with a mockery cue (laughing emoji, ``lol``/``mdr``, irony markers, scare
  quotes: :func:`~tocsin.detect._cues.mockery_cues`);
- *off_topic*: posts far from the hashtag's topic, the first ``reference_posts`` posts (plus the
  configured ``topic`` words): cosine to their mean embedding below ``min_cosine`` when
  embeddings are given, else less than ``min_overlap`` of the post's words among the words used
  by at least two reference posts. Posts with fewer than two content words are not judged.

A view rings when its share's beta-binomial tail passes the alert level with at least
``min_posts`` such posts; the hashtag's score is its worst view's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tocsin.detect._base import DetectError, Instant
from tocsin.detect._cues import mockery_cues
from tocsin.detect._evidence import negative, signal, strongest
from tocsin.detect._share import GuardedShare, ShareBaseline, score_of
from tocsin.detect._text import content_tokens
from tocsin.domain import Mention, Signal
from tocsin.query.normalise import normalise

VIEWS = ("negative", "mocking", "off_topic")
_TAG = re.compile(r"#(\w+)")


@dataclass(frozen=True)
class HashtagConfig:
    """Settings of :class:`HashtagHijackDetector` (halflife in learned buckets)."""

    hashtags: tuple[str, ...] = ()  # the brand's campaign hashtags, with or without "#"
    topic: tuple[str, ...] = ()  # words of the campaign's own topic, added to its reference
    reference_posts: int = 30  # first posts of a hashtag that define its topic
    min_overlap: float = 0.2  # share of a post's words in the topic, below it: off topic
    min_cosine: float = 0.3  # with embeddings: cosine to the topic, below it: off topic
    halflife: float = 336.0
    prior_negative: float = 0.2  # shares assumed before the hashtag has a baseline …
    prior_mocking: float = 0.1
    prior_off_topic: float = 0.2
    prior_weight: float = 30.0  # … worth this many posts
    min_posts: int = 5  # fewer negative / mocking / off-topic posts never ring
    protect: float = 3.0
    hold: float = 10.0
    rebaseline_after: int | None = 72
    surprise_half: float = 5.0
    alert_score: float = 0.4
    evidence: int = 5

    def __post_init__(self) -> None:
        if not all(tag_of(h) for h in self.hashtags):
            raise DetectError("hashtags: each must have a word (#McDStories)")
        shares = (self.prior_negative, self.prior_mocking, self.prior_off_topic)
        if not all(0 < p < 1 for p in shares) or not self.prior_weight > 0:
            raise DetectError("prior shares must be in (0, 1), prior_weight positive")
        if not 0.0 < self.alert_score < 1.0:
            raise DetectError("alert_score must be between 0 and 1")


def tag_of(text: str) -> str:
    """A hashtag's normalised form, without ``#`` (``#McDStories`` → ``mcdstories``)."""
    return "".join(re.findall(r"\w+", normalise(text.lstrip("#"))))


@dataclass(frozen=True)
class ViewAssessment:
    view: str  # negative, mocking or off_topic
    k: int  # posts of that kind
    n: int  # posts judged
    usual: float  # the usual share
    surprise: float
    score: float


@dataclass(frozen=True)
class TagAssessment:
    tag: str
    posts: tuple[int, ...]  # indexes of the bucket's mentions carrying the hashtag
    flags: tuple[tuple[bool | None, bool, bool | None], ...]  # (negative, mocking, off topic)
    views: tuple[ViewAssessment, ...]
    score: float


@dataclass(frozen=True)
class HijackAssessment:
    tags: tuple[TagAssessment, ...]
    score: float


@dataclass
class _Topic:
    docs: int = 0
    words: dict[str, int] = field(default_factory=dict)  # reference posts per word
    vector: Any = None  # sum of reference embeddings (numpy), if given
    vectors: int = 0


class HashtagHijackDetector:
    """``update(t, mentions, vectors=None) -> score``; ``observe(watch_id, t, mentions,
    vectors=None)`` gives one :class:`Signal` per hashtag that rings (subject ``#tag``)."""

    def __init__(self, config: HashtagConfig | None = None) -> None:
        self.config = cfg = config or HashtagConfig()
        self.tags = sorted({tag_of(h) for h in cfg.hashtags})
        priors = dict(
            zip(VIEWS, (cfg.prior_negative, cfg.prior_mocking, cfg.prior_off_topic), strict=True)
        )
        self.shares = {
            tag: {
                v: GuardedShare(ShareBaseline(cfg.halflife, priors[v], cfg.prior_weight))
                for v in VIEWS
            }
            for tag in self.tags
        }
        self.topics = {tag: _Topic() for tag in self.tags}

    # -- reading a post ----------------------------------------------------------------------
    @staticmethod
    def hashtags_of(m: Mention) -> set[str]:
        found = {tag_of(h) for h in m.hashtags}
        found.update(_TAG.findall(normalise(m.text)))
        return found

    def _off_topic(self, tag: str, m: Mention, vector: Any) -> bool | None:
        topic = self.topics[tag]
        if topic.docs < self.config.reference_posts:
            return None
        if vector is not None and topic.vectors:
            centre = topic.vector / max(float(np.linalg.norm(topic.vector)), 1e-12)
            return float(np.dot(centre, vector)) < self.config.min_cosine
        words = {w for w in content_tokens(m.text) if w != tag}
        if len(words) < 2:
            return None
        vocabulary = {w for w, c in topic.words.items() if c >= 2}
        vocabulary.update(w for t in self.config.topic for w in content_tokens(t))
        return len(words & vocabulary) / len(words) < self.config.min_overlap

    # -- River contract ----------------------------------------------------------------------
    def assess(
        self, t: Instant, x: Sequence[Mention], vectors: np.ndarray | None = None
    ) -> HijackAssessment:
        cfg = self.config
        rows = _check_vectors(vectors, len(x))
        carried = [self.hashtags_of(m) for m in x]
        out = []
        for tag in self.tags:
            idx = tuple(i for i, tags in enumerate(carried) if tag in tags)
            flags = tuple(
                (negative(x[i]), bool(mockery_cues(x[i].text)), self._off_topic(tag, x[i], rows[i]))
                for i in idx
            )
            views = []
            for j, view in enumerate(VIEWS):
                judged = [f[j] for f in flags if f[j] is not None]
                k, n = sum(map(bool, judged)), len(judged)
                base = self.shares[tag][view].baseline
                surprise = base.surprise(k, n)
                score = score_of(surprise, cfg.surprise_half) if k >= cfg.min_posts else 0.0
                views.append(ViewAssessment(view, k, n, base.share, surprise, score))
            top = max(v.score for v in views)
            out.append(TagAssessment(tag, idx, flags, tuple(views), top))
        return HijackAssessment(tuple(out), max((a.score for a in out), default=0.0))

    def score_one(
        self, t: Instant, x: Sequence[Mention], vectors: np.ndarray | None = None
    ) -> float:
        return self.assess(t, x, vectors).score

    def alert(self, score: float) -> bool:
        return score >= self.config.alert_score

    def learn_one(
        self, t: Instant, x: Sequence[Mention], vectors: np.ndarray | None = None
    ) -> None:
        self._learn(x, vectors, self.assess(t, x, vectors))

    def update(self, t: Instant, x: Sequence[Mention], vectors: np.ndarray | None = None) -> float:
        a = self.assess(t, x, vectors)
        self._learn(x, vectors, a)
        return a.score

    def _learn(self, x: Sequence[Mention], vectors: np.ndarray | None, a: HijackAssessment) -> None:
        cfg = self.config
        for ta in a.tags:
            for v in ta.views:
                self.shares[ta.tag][v.view].learn(
                    v.k, v.n, v.surprise, cfg.protect, cfg.hold, cfg.rebaseline_after
                )
            topic = self.topics[ta.tag]
            for i in ta.posts:
                if topic.docs >= cfg.reference_posts:
                    break
                topic.docs += 1
                for w in set(content_tokens(x[i].text)) - {ta.tag}:
                    topic.words[w] = topic.words.get(w, 0) + 1
                if vectors is not None:
                    row = np.asarray(vectors[i], dtype=np.float64)
                    topic.vector = row.copy() if topic.vector is None else topic.vector + row
                    topic.vectors += 1

    # -- signals -----------------------------------------------------------------------------
    def signals(
        self, watch_id: str, t: Instant, mentions: Sequence[Mention], a: HijackAssessment
    ) -> list[Signal]:
        out = []
        for ta in a.tags:
            if not self.alert(ta.score):
                continue
            worst = max(ta.views, key=lambda v: v.score)
            j = VIEWS.index(worst.view)
            hostile = [mentions[i] for i, f in zip(ta.posts, ta.flags, strict=True) if f[j]]
            cues: dict[str, int] = {}
            for i in ta.posts:
                for c in mockery_cues(mentions[i].text):
                    cues[c] = cues.get(c, 0) + 1
            details: dict[str, Any] = {
                "view": worst.view,
                "posts": len(ta.posts),
                "views": {
                    v.view: {"k": v.k, "n": v.n, "usual": round(v.usual, 4),
                             "surprise": round(v.surprise, 3)}
                    for v in ta.views
                },
                "mockery_cues": dict(sorted(cues.items())),
            }  # fmt: skip
            out.append(
                signal(
                    watch_id, "hashtag_hijack", t, ta.score, subject=f"#{ta.tag}",
                    expected=worst.usual, observed=worst.k / worst.n if worst.n else None,
                    evidence=strongest(hostile, self.config.evidence), **details,
                )
            )  # fmt: skip
        return out

    def observe(
        self,
        watch_id: str,
        t: Instant,
        mentions: Sequence[Mention],
        vectors: np.ndarray | None = None,
    ) -> list[Signal]:
        """Assess a bucket's mentions, learn from them, and return its signals."""
        a = self.assess(t, mentions, vectors)
        out = self.signals(watch_id, t, mentions, a)
        self._learn(mentions, vectors, a)
        return out


def _check_vectors(vectors: np.ndarray | None, n: int) -> list[Any]:
    """One row per mention (or ``None`` for each), finite, or :class:`DetectError`."""
    if vectors is None:
        return [None] * n
    v = np.asarray(vectors)
    if v.ndim != 2 or v.shape[0] != n:
        raise DetectError(f"vectors: expected one row per mention ({n}), got shape {v.shape}")
    if not np.isfinite(v).all():
        raise DetectError("vectors: not finite numbers")
    return list(v)
