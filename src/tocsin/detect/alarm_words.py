"""Alarm words: French and English words of trouble (boycott, scandale, arnaque, lawsuit …)
used by more posts than usual.

Input per bucket: ``(n_posts, {word: posts containing it})``; :meth:`AlarmWordsDetector.count`
reads it off a bucket's mentions. Words are plain words or phrases, editable per watch, matched
token by token after the query language's normalisation (case, accents and look-alikes folded;
a word of 4+ letters also matches its plural in ``s``/``x``) — never a regular expression. Each
word has its own baseline *rate* (posts carrying it per post), a ``GuardedShare``, so a word that
is always there does not ring and a volume surge alone does not either (the rate stays); a word
rings when its posts are more than the beta-binomial tail allows and at least ``min_posts``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tocsin.detect._base import DetectError, Instant
from tocsin.detect._evidence import signal, strongest
from tocsin.detect._share import GuardedShare, ShareBaseline, check_counts, pair, score_of
from tocsin.detect._text import PhraseIndex, phrase, tokens
from tocsin.domain import Mention, Signal

WordCounts = tuple[int, Mapping[str, int]]

DEFAULT_ALARM_WORDS = (
    # French
    "boycott", "boycotter", "scandale", "scandaleux", "arnaque", "arnaqueur", "escroquerie",
    "escroc", "honte", "honteux", "plainte", "porter plainte", "rappel produit", "rappel conso",
    "intoxication", "intoxication alimentaire", "empoisonnement", "fraude", "mensonge", "menteur",
    "dangereux", "procès", "action collective", "dgccrf", "inadmissible", "inacceptable",
    "hospitalisé", "fuite de données", "piratage", "racisme", "raciste", "harcèlement",
    "remboursez", "plus jamais",
    # English
    "scandal", "scam", "scammer", "fraud", "shame", "shameful", "disgrace", "disgusting",
    "lawsuit", "sue", "class action", "recall", "product recall", "food poisoning", "poisoning",
    "data breach", "hacked", "racist", "harassment", "liar", "dangerous", "unacceptable",
    "never again",
)  # fmt: skip


@dataclass(frozen=True)
class AlarmWordsConfig:
    """Settings of :class:`AlarmWordsDetector` (halflife in learned buckets)."""

    words: tuple[str, ...] = DEFAULT_ALARM_WORDS  # plain words or phrases, FR and EN
    halflife: float = 336.0
    prior_rate: float = 0.002  # a word's rate assumed before anything is learned …
    prior_weight: float = 500.0  # … worth this many posts
    warmup_posts: int = 200  # posts learned before any score
    min_posts: int = 3  # fewer posts with a word never ring
    protect: float = 3.0
    hold: float = 10.0
    rebaseline_after: int | None = 72
    surprise_half: float = 5.0
    alert_score: float = 0.4
    evidence: int = 5

    def __post_init__(self) -> None:
        if not any(phrase(w) for w in self.words):
            raise DetectError("alarm words: give at least one word")
        if not (self.halflife > 0 and self.prior_weight > 0 and 0 < self.prior_rate < 1):
            raise DetectError("halflife and prior_weight must be positive, prior_rate in (0, 1)")
        if not 0.0 < self.alert_score < 1.0:
            raise DetectError("alert_score must be between 0 and 1")


@dataclass(frozen=True)
class WordAssessment:
    """One word in one bucket."""

    word: str
    posts: int  # posts carrying it
    expected: float  # posts expected at its usual rate
    rate: float  # its usual rate per post
    surprise: float
    score: float


@dataclass(frozen=True)
class WordsAssessment:
    n_posts: int
    words: tuple[WordAssessment, ...]  # the words present in the bucket, by word
    score: float  # the largest word score


class AlarmWordsDetector:
    """``update(t, (n_posts, {word: posts})) -> score``; ``observe(watch_id, t, mentions)``
    gives one :class:`Signal` per word that rings (subject: the word)."""

    def __init__(self, config: AlarmWordsConfig | None = None) -> None:
        self.config = cfg = config or AlarmWordsConfig()
        phrases = {" ".join(p): p for p in map(phrase, cfg.words) if p}
        self.phrases = PhraseIndex(dict(sorted(phrases.items())))
        self.rates = {
            w: GuardedShare(ShareBaseline(cfg.halflife, cfg.prior_rate, cfg.prior_weight))
            for w in sorted(phrases)
        }
        self.posts = 0  # posts learned (for the warm-up)

    def words_in(self, m: Mention) -> list[str]:
        """The alarm words a post carries (normalised form)."""
        return self.phrases.find(tokens(f"{m.title or ''} {m.text}"))

    def count(self, mentions: Sequence[Mention]) -> WordCounts:
        found: dict[str, int] = {}
        for m in mentions:
            for w in self.words_in(m):
                found[w] = found.get(w, 0) + 1
        return len(mentions), found

    def assess(self, t: Instant, x: WordCounts) -> WordsAssessment:
        cfg = self.config
        n, found = pair(x, "(n_posts, {word: posts})")
        check_counts(0, n, "n_posts")
        if not isinstance(found, Mapping):
            raise DetectError("(n_posts, {word: posts}): the second part must be a mapping")
        out = []
        for w in sorted(found):
            if w not in self.rates:
                raise DetectError(f"{w!r} is not one of this detector's alarm words")
            k, _ = check_counts(found[w], n, f"posts with {w!r}")
            base = self.rates[w].baseline
            surprise = base.surprise(k, n) if self.posts >= cfg.warmup_posts else 0.0
            score = score_of(surprise, cfg.surprise_half) if k >= cfg.min_posts else 0.0
            out.append(WordAssessment(w, k, base.share * n, base.share, surprise, score))
        return WordsAssessment(n, tuple(out), max((a.score for a in out), default=0.0))

    def score_one(self, t: Instant, x: WordCounts) -> float:
        return self.assess(t, x).score

    def alert(self, score: float) -> bool:
        return score >= self.config.alert_score

    def learn_one(self, t: Instant, x: WordCounts) -> None:
        self._learn(self.assess(t, x))

    def update(self, t: Instant, x: WordCounts) -> float:
        a = self.assess(t, x)
        self._learn(a)
        return a.score

    def _learn(self, a: WordsAssessment) -> None:
        cfg = self.config
        if a.n_posts == 0:
            return
        seen = {w.word: w for w in a.words}
        for word, guard in self.rates.items():
            w = seen.get(word)
            k, s = (w.posts, w.surprise) if w else (0, 0.0)
            guard.learn(k, a.n_posts, s, cfg.protect, cfg.hold, cfg.rebaseline_after)
        self.posts += a.n_posts

    def signals(
        self, watch_id: str, t: Instant, mentions: Sequence[Mention], a: WordsAssessment
    ) -> list[Signal]:
        out = []
        for w in a.words:
            if self.alert(w.score):
                carriers = [m for m in mentions if w.word in self.words_in(m)]
                details: dict[str, Any] = {
                    "usual_rate": round(w.rate, 6),
                    "n_posts": a.n_posts,
                    "surprise": round(w.surprise, 3),
                }
                out.append(
                    signal(
                        watch_id, "alarm_words", t, w.score, subject=w.word,
                        expected=w.expected, observed=float(w.posts),
                        evidence=strongest(carriers, self.config.evidence), **details,
                    )
                )  # fmt: skip
        return out

    def observe(self, watch_id: str, t: Instant, mentions: Sequence[Mention]) -> list[Signal]:
        """Assess a bucket's mentions, learn from them, and return its signals."""
        a = self.assess(t, self.count(mentions))
        out = self.signals(watch_id, t, mentions, a)
        self._learn(a)
        return out
