"""Shared links: a page the watch did not know (a blog post, an article, a video) that a growing
number of distinct, mostly negative authors link to — the Dell Hell pattern, where no hour's
volume or negative share is unusual but the same angry page keeps being passed around.

Input per bucket: the bucket's mentions. Each post's links (``Mention.links``) are normalised
(:func:`tocsin.query.normalise.normalise_link`: no scheme, ``www.``, fragment or trailing slash).
A *voice* of a link is a distinct author (platform, id) of an original post or a quote linking
to it within the last ``window`` seconds: reposts (``repost_of``) are the same voice as the
post they repeat, and one author's several posts are one voice. A voice is negative when one of
its posts on the link is *critical* (``Mention.critical``: read as negative, or a complaint not
read as positive — "me too, mine leaks too" is often worded flatly and read as neutral),
positive when none is and one is positive; other voices ("read this") and voices with no
analysed post take no side. Without analysis the detector stays silent.

*Pages.* A post with a title and its own address (an article, a blog post, a forum thread) is a
page: when a link leads to a page the watch has read in the window, the page's author is a voice
of the link, and if the page is critical, passing it on without praise is critical too ("read
this <link>" spreads the page's complaint). Pages are remembered for ``window`` seconds (at most
``max_links``).

*New link.* Links seen in the detector's first ``settle`` seconds (default: ``window``) are the
watch's perennial ones (the brand's own pages, shared every day): never followed. Every other
link is followed while it has a voice in the window (at most ``max_links``, the least recently
shared dropped first); when it has none left it is forgotten, and its peak of negative voices is
learned.

*Rarity.* The watch's history of new links says how rarely one gathers ``k`` negative voices:
``P(K >= k) = first · more^(k - 1)``, where ``first`` is the share of new links that got a
negative voice and ``more`` the chance that a link with ``j`` negative voices gets one more (the
geometric continuation ratio, ``Σ(K - 1) / ΣK`` over links with ``K >= 1``), both learned with
exponential forgetting (``halflife`` links) and a prior (``prior_first``, ``prior_more``, worth
``prior_weight`` links and voices) that stands in until the watch has a history. A link rings in
a bucket where it gains a negative voice, when it has at least ``min_negative`` of them, when
they are more than ``min_share`` of its voices that take a side (negative or positive: a brand's
promotion shared by many happy people does not ring, nor a mixed debate) and when ``-log10 P``
passes the alert level. Links whose surprise passes ``protect`` are never learned (a crisis must
not become the usual).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from tocsin.detect._base import AssessThenLearn, DetectError, Instant, epoch_seconds
from tocsin.detect._evidence import at, rank, signal
from tocsin.detect._share import score_of
from tocsin.domain import Mention, Signal
from tocsin.query.normalise import normalise_link

Key = tuple[str, str]
Rank = tuple[int, float, Key]


@dataclass(frozen=True)
class SharedLinkConfig:
    """Settings of :class:`SharedLinkDetector` (times in seconds, halflife in learned links)."""

    window: float = 24 * 3600.0  # a voice counts for this long after its last post
    settle: float | None = None  # links seen this long after the start are perennial (window)
    min_negative: int = 3  # fewer negative voices never ring …
    min_share: float = 0.5  # … nor those not more than this share of negative + positive ones
    prior_first: float = 0.2  # share of new links assumed to get a negative voice …
    prior_more: float = 0.02  # … and chance assumed of one more negative voice …
    prior_weight: float = 50.0  # … worth this many links (voices)
    halflife: float = 2_000.0
    max_links: int = 20_000  # links followed at most (and perennial links remembered)
    protect: float = 3.0
    surprise_half: float = 5.0
    alert_score: float = 0.4
    evidence: int = 5

    def __post_init__(self) -> None:
        if not (self.window > 0 and (self.settle is None or self.settle >= 0)):
            raise DetectError("window must be positive, settle >= 0")
        if not (0 < self.prior_first < 1 and 0 < self.prior_more < 1 and self.prior_weight > 0):
            raise DetectError("prior shares must be in (0, 1), prior_weight positive")
        if self.min_negative < 2 or not 0.0 <= self.min_share < 1.0:
            raise DetectError("min_negative must be >= 2, min_share in [0, 1)")
        if self.halflife <= 0 or self.max_links < 1:
            raise DetectError("halflife and max_links must be positive")
        if not 0.0 < self.alert_score < 1.0:
            raise DetectError("alert_score must be between 0 and 1")


@dataclass
class _Voice:
    first: float  # bucket (epoch seconds) of its first post on the link
    last: float  # bucket of its latest post on the link
    negative: bool | None  # None: no post of it analysed
    best: Rank  # its post that best shows it (``_evidence.rank``)
    positive: bool = False  # not negative, and one of its posts positive


@dataclass(frozen=True)
class _Page:
    at: float  # bucket (epoch seconds) it was read in
    author: Key
    critical: bool
    best: Rank


@dataclass
class _Link:
    seen: float  # bucket it was first seen in
    url: str  # the link as first written
    voices: dict[Key, _Voice] = field(default_factory=dict)
    peak: int = 0  # most negative voices it had at once
    loud: bool = False  # it was anomalous: never learned


@dataclass(frozen=True)
class LinkCandidate:
    """One followed link that gained a negative voice in the bucket."""

    link: str  # normalised
    url: str  # as first written
    voices: int  # distinct voices in the window
    judged: int  # of which with an analysed post
    negative: int  # of which negative
    positive: int  # of which positive (a post positive, none negative)
    new_negative: int  # negative voices new in this bucket
    buckets: int  # distinct buckets its negative voices arrived in
    seen: float  # epoch seconds of its first bucket
    surprise: float
    score: float
    evidence: tuple[Key, ...]  # its negative voices' posts, most followed first
    reach: int  # the largest audience among its negative voices


@dataclass(frozen=True)
class LinkAssessment:
    candidates: tuple[LinkCandidate, ...]
    first: float  # the watch's usual share of new links with a negative voice
    more: float  # its usual chance of one more negative voice
    score: float


def page_of(m: Mention, now: float) -> tuple[str, _Page] | None:
    """``(normalised address, page)`` if ``m`` is an analysed page (title and own address)."""
    if not m.is_page or m.url is None:  # first: this runs on every post of the open bucket
        return None
    critical = m.critical
    if critical is None:
        return None
    link = normalise_link(m.url)
    return (link, _Page(now, (m.platform, m.author.id), critical, rank(m))) if link else None


def links_of(m: Mention) -> list[tuple[str, str]]:
    """A post's distinct links, ``(normalised, as written)``, in order."""
    out: dict[str, str] = {}
    for u in m.links:
        n = normalise_link(u)
        if n and n not in out:
            out[n] = u
    return list(out.items())


class SharedLinkDetector(AssessThenLearn):
    """``update(t, mentions) -> score``; ``observe(watch_id, t, mentions)`` gives one
    :class:`Signal` per link that rings (subject: the normalised link)."""

    def __init__(self, config: SharedLinkConfig | None = None) -> None:
        self.config = config or SharedLinkConfig()
        self.start: float | None = None  # the first bucket seen
        self.links: dict[str, _Link] = {}  # followed, least recently shared first
        self.perennial: dict[str, None] = {}  # seen while settling (an ordered set)
        self.pages: dict[str, _Page] = {}  # pages read in the window, oldest first
        # decayed history of forgotten links
        self.learned = 0.0  # links
        self.with_negative = 0.0  # links with a negative voice
        self.voices = 0.0  # their negative voices
        self.extra = 0.0  # their negative voices beyond the first

    # -- the usual --------------------------------------------------------------------------
    @property
    def first(self) -> float:
        cfg = self.config
        return (self.with_negative + cfg.prior_first * cfg.prior_weight) / (
            self.learned + cfg.prior_weight
        )

    @property
    def more(self) -> float:
        cfg = self.config
        return (self.extra + cfg.prior_more * cfg.prior_weight) / (self.voices + cfg.prior_weight)

    def surprise(self, k: int) -> float:
        """``-log10 P(K >= k)`` for a new link's negative voices (0 for ``k`` = 0)."""
        if k <= 0:
            return 0.0
        return -math.log10(self.first) - (k - 1) * math.log10(self.more)

    def _settling(self, now: float) -> bool:
        settle = self.config.window if self.config.settle is None else self.config.settle
        start = now if self.start is None else self.start
        return now < start + settle

    # -- reading a bucket -------------------------------------------------------------------
    def _posts(self, x: Sequence[Mention]) -> dict[str, tuple[str, list[Mention]]]:
        """The bucket's original posts (and quotes) per normalised link, in order."""
        out: dict[str, tuple[str, list[Mention]]] = {}
        for m in x:
            if not isinstance(m, Mention):
                raise DetectError(f"expected mentions, not {type(m).__name__}")
            if m.repost_of is not None:
                continue  # a repost is the voice of the post it repeats
            for link, url in links_of(m):
                out.setdefault(link, (url, []))[1].append(m)
        return out

    @staticmethod
    def _bucket_pages(now: float, x: Sequence[Mention]) -> dict[str, _Page]:
        return dict(found for m in x if (found := page_of(m, now)) is not None)

    def _page(self, link: str, now: float, bucket_pages: dict[str, _Page]) -> _Page | None:
        """The page ``link`` leads to, if the watch read it in the window (this bucket's
        first); looked up, not copied: the open bucket is scored at every tick."""
        page = bucket_pages.get(link) or self.pages.get(link)
        return page if page is not None and page.at >= now - self.config.window else None

    def _merged(
        self, link: _Link | None, now: float, posts: Sequence[Mention], page: _Page | None = None
    ) -> tuple[dict[Key, _Voice], set[Key]]:
        """The link's voices in the window as of ``now`` with the bucket's posts (a copy), and
        the voices that became negative in this bucket. ``page``: the page the link leads to."""
        horizon = now - self.config.window
        voices = {
            a: _Voice(v.first, v.last, v.negative, v.best, v.positive)
            for a, v in (link.voices.items() if link else ())
            if v.last >= horizon
        }
        fresh: set[Key] = set()
        if page is not None and page.author not in voices:
            voices[page.author] = _Voice(page.at, page.at, page.critical, page.best)
            if page.critical:
                fresh.add(page.author)
        spreads = page is not None and page.critical
        for m in posts:
            a = (m.platform, m.author.id)
            neg = m.critical
            pos = not neg and m.sentiment is not None and m.sentiment.label == "positive"
            if neg is False and spreads and not pos:
                neg = True  # passing a critical page on, without praise
            v = voices.get(a)
            if v is None:
                voices[a] = _Voice(now, now, neg, rank(m), pos)
                if neg:
                    fresh.add(a)
                continue
            v.last = now
            if neg and not v.negative:  # its negative post shows it best
                fresh.add(a)
                v.negative, v.best, v.positive = True, rank(m), False
            elif neg:
                v.best = min(v.best, rank(m))
            elif neg is False and not v.negative:
                v.negative, v.positive = False, v.positive or pos
        return voices, fresh

    # -- River contract ---------------------------------------------------------------------
    def assess(self, t: Instant, x: Sequence[Mention]) -> LinkAssessment:
        cfg = self.config
        now = epoch_seconds(t)
        if not math.isfinite(now):
            raise DetectError(f"bucket time must be finite, not {t!r}")
        out = []
        pages = self._bucket_pages(now, x)
        for link, (url, posts) in self._posts(x).items():
            followed = self.links.get(link)
            if followed is None and (link in self.perennial or self._settling(now)):
                continue
            voices, fresh = self._merged(followed, now, posts, self._page(link, now, pages))
            if not fresh:
                continue
            neg = [v for v in voices.values() if v.negative]
            judged = sum(v.negative is not None for v in voices.values())
            k, p = len(neg), sum(v.positive for v in voices.values())
            if k < cfg.min_negative or k <= cfg.min_share * (k + p):
                continue
            s = self.surprise(k)
            best = tuple(v.best[2] for v in sorted(neg, key=lambda v: v.best)[: cfg.evidence])
            out.append(
                LinkCandidate(
                    link, followed.url if followed else url, len(voices), judged, k, p, len(fresh),
                    len({v.first for v in neg}), followed.seen if followed else now, s,
                    score_of(s, cfg.surprise_half), best, max(-v.best[0] for v in neg),
                )
            )  # fmt: skip
        return LinkAssessment(
            tuple(out), self.first, self.more, max((c.score for c in out), default=0.0)
        )

    def _learn(self, t: Instant, x: Sequence[Mention], a: LinkAssessment) -> None:
        cfg = self.config
        now = epoch_seconds(t)
        if self.start is None:
            self.start = now
        settling = self._settling(now)
        loud = {c.link for c in a.candidates if c.surprise > cfg.protect}
        pages = self._bucket_pages(now, x)
        for link, (url, posts) in self._posts(x).items():
            if link in self.perennial:
                continue
            followed = self.links.pop(link, None)  # re-inserted last: the most recent
            if followed is None:
                if settling:
                    self.perennial[link] = None
                    while len(self.perennial) > cfg.max_links:
                        del self.perennial[next(iter(self.perennial))]
                    continue
                followed = _Link(now, url)
            followed.voices, _ = self._merged(followed, now, posts, self._page(link, now, pages))
            k = sum(bool(v.negative) for v in followed.voices.values())
            followed.peak = max(followed.peak, k)
            followed.loud = followed.loud or link in loud
            self.links[link] = followed
        for link, page in pages.items():
            self.pages.pop(link, None)  # re-inserted last: oldest first stays true
            self.pages[link] = page
        while self.pages:  # the oldest: expired, or beyond the cap
            link, page = next(iter(self.pages.items()))
            if page.at >= now - cfg.window and len(self.pages) <= cfg.max_links:
                break
            del self.pages[link]
        horizon = now - cfg.window
        while self.links:
            link, followed = next(iter(self.links.items()))
            latest = max((v.last for v in followed.voices.values()), default=-math.inf)
            if latest >= horizon and len(self.links) <= cfg.max_links:
                break  # in order of their latest post: the rest are more recent
            del self.links[link]
            self._forget(followed)

    def _forget(self, link: _Link) -> None:
        """Learn a link that left the window (unless it was anomalous)."""
        if link.loud:
            return
        d = 0.5 ** (1.0 / self.config.halflife)
        k = link.peak
        self.learned = d * self.learned + 1.0
        self.with_negative = d * self.with_negative + (k >= 1)
        self.voices = d * self.voices + k
        self.extra = d * self.extra + max(0, k - 1)

    # -- signals ----------------------------------------------------------------------------
    def signals(
        self, watch_id: str, t: Instant, mentions: Sequence[Mention], a: LinkAssessment
    ) -> list[Signal]:
        out = []
        expected = a.first / (1.0 - a.more)  # mean negative voices of a new link
        for c in a.candidates:
            if not self.alert(c.score):
                continue
            out.append(
                signal(
                    watch_id, "shared_link", t, c.score, subject=c.link,
                    expected=round(expected, 4), observed=float(c.negative),
                    evidence=c.evidence, url=c.url, voices=c.voices, judged=c.judged,
                    negative_voices=c.negative, positive_voices=c.positive,
                    new_negative=c.new_negative, buckets=c.buckets,
                    first_seen=at(c.seen).isoformat(), usual_first=round(a.first, 4),
                    usual_more=round(a.more, 4), surprise=round(c.surprise, 3),
                    reach=c.reach,
                )
            )  # fmt: skip
        return out

    def observe(self, watch_id: str, t: Instant, mentions: Sequence[Mention]) -> list[Signal]:
        """Assess a bucket's mentions, learn from them, and return its signals."""
        a = self.assess(t, mentions)
        out = self.signals(watch_id, t, mentions, a)
        self._learn(t, mentions, a)
        return out
