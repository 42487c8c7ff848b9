"""An incident explains itself from the store: onset, the terms that set its posts apart from
the watch's earlier posts, the posts and authors of largest reach, sentiment before and now,
languages, platforms, and a timeline of volume and negative posts per bucket.

Top terms are ranked by the weighted log-odds ratio with an informative Dirichlet prior
(Monroe, Colaresi & Quinn, 2008): a term's log-odds in the incident's posts minus its log-odds
in the baseline (the watch's posts of the week before the onset), divided by its standard
error, so a frequent word that is merely common everywhere does not rank and a rare word seen
twice does not either.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tocsin.domain import Incident, Mention, Signal
from tocsin.export import terminal_safe
from tocsin.query.normalise import normalise
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_incidents import SQLiteIncidents

_TOKEN = re.compile(r"[#@]?\w+")
_URL = re.compile(r"https?://\S+")
BASELINE = timedelta(days=7)
#: Too common to explain anything (FR/EN), on top of what the log-odds already discounts.
_STOP = frozenset(
    """the and for are but not you your with this that have has was were will can just from
    they them what when who how all our out its about been into than then too very more some
    only also les des une est pas que qui pour dans par sur avec son ses aux ces mes nos vos
    leur mais ont sont tout tous elle ils nous vous cette plus tres bien encore comme quand
    donc car sans chez aussi alors meme http https www com""".split()  # noqa: SIM905
)


def terms_of(text: str) -> set[str]:
    """A post's distinct terms: normalised words of 3+ characters, hashtags and @handles."""
    out = set()
    for tok in _TOKEN.findall(normalise(_URL.sub(" ", text))):
        word = tok.lstrip("#@")
        if len(word) >= 3 and not word.isdigit() and tok not in _STOP:
            out.add(tok)
    return out


def log_odds(
    group: Counter[str], background: Counter[str], *, prior: float = 10.0, k: int = 10
) -> list[tuple[str, float]]:
    """Terms of ``group`` ranked by z-score of the log-odds ratio against ``background``
    (document counts), with a Dirichlet prior of total weight ``prior`` spread like the pooled
    counts. Only terms seen in at least 2 group posts, with a positive z."""
    pooled = group + background
    total = sum(pooled.values())
    if not group or total == 0:
        return []
    n_g, n_b = sum(group.values()), sum(background.values())
    out = []
    for term, y_g in group.items():
        if y_g < 2:
            continue
        a = prior * pooled[term] / total
        y_b = background.get(term, 0)
        delta = math.log((y_g + a) / (n_g + prior - y_g - a)) - math.log(
            (y_b + a) / (n_b + prior - y_b - a)
        )
        z = delta / math.sqrt(1.0 / (y_g + a) + 1.0 / (y_b + a))
        if z > 0:
            out.append((term, round(z, 2)))
    out.sort(key=lambda tz: (-tz[1], tz[0]))
    return out[:k]


def _sentiments(mentions: Iterable[Mention]) -> dict[str, int]:
    c = Counter(m.sentiment.label if m.sentiment else "unknown" for m in mentions)
    return {k: c.get(k, 0) for k in ("negative", "neutral", "positive", "unknown")}


def negative_share(counts: dict[str, int]) -> float | None:
    analysed = counts["negative"] + counts["neutral"] + counts["positive"]
    return counts["negative"] / analysed if analysed else None


@dataclass(frozen=True)
class Explanation:
    incident: Incident
    start: datetime
    end: datetime
    volume: int  # the watch's posts in [start, end), from the rollups
    posts_read: int  # of which read for terms, authors, languages …
    baseline_posts: int
    terms: list[tuple[str, float]]
    top_posts: list[Mention]
    top_authors: list[tuple[str, int, int]]  # author, posts, followers
    sentiment_before: dict[str, int]
    sentiment_now: dict[str, int]
    languages: list[tuple[str, int]]
    platforms: list[tuple[str, int]]
    timeline: list[tuple[datetime, int, int]]  # bucket start, volume, negative
    signals: list[Signal] = field(default_factory=list)

    def headline(self) -> str:
        parts = []
        if self.terms:
            parts.append("Terms: " + ", ".join(t for t, _ in self.terms[:5]) + ".")
        if self.top_posts:
            m = self.top_posts[0]
            who = m.author.handle or m.author.display_name or m.author.id
            parts.append(
                f"Largest reach: @{terminal_safe(who, 40)} ({m.author.followers or 0:,} "
                f"followers): {terminal_safe(m.text, 100)!r}."
            )
        before, now = negative_share(self.sentiment_before), negative_share(self.sentiment_now)
        if before is not None and now is not None:
            parts.append(f"Negative {before:.0%} before, {now:.0%} now.")
        return " ".join(parts)

    def as_dict(self, *, brief: bool = False) -> dict[str, Any]:
        top = self.top_posts[:3] if brief else self.top_posts
        d: dict[str, Any] = {
            "onset": self.incident.onset.isoformat(),
            "window": [self.start.isoformat(), self.end.isoformat()],
            "volume": self.volume,
            "terms": [[t, z] for t, z in self.terms],
            "top_posts": [
                {
                    "platform": m.platform,
                    "native_id": m.native_id,
                    "url": m.url,
                    "author": m.author.handle or m.author.id,
                    "followers": m.author.followers,
                    "reposts": m.metrics.reposts,
                    "text": m.text[:280],
                }
                for m in top
            ],
            "top_authors": [[a, n, f] for a, n, f in self.top_authors],
            "sentiment_before": self.sentiment_before,
            "sentiment_now": self.sentiment_now,
            "languages": [[k, v] for k, v in self.languages],
            "platforms": [[k, v] for k, v in self.platforms],
        }
        if not brief:
            d["timeline"] = [[t.isoformat(), v, n] for t, v, n in self.timeline]
            d["posts_read"] = self.posts_read
            d["baseline_posts"] = self.baseline_posts
        return d

    def lines(self) -> list[str]:
        inc = self.incident
        out = [
            f"incident {inc.id} · watch {inc.watch_id}"
            + (f" · story {inc.story}" if inc.story else ""),
            f"  status {inc.status} · severity {inc.severity} (peak {inc.peak_severity})"
            f" · signals {inc.signal_count} in {inc.buckets} buckets · {', '.join(inc.kinds)}",
            f"  onset {inc.onset:%Y-%m-%d %H:%M} UTC · opened {inc.opened_at:%Y-%m-%d %H:%M}"
            + (f" · resolved {inc.resolved_at:%Y-%m-%d %H:%M}" if inc.resolved_at else ""),
            f"  {self.volume:,} posts since onset ({self.posts_read:,} read; baseline "
            f"{self.baseline_posts:,} posts of the week before)",
            "",
            "Top terms against the baseline (log-odds z):",
            "  " + (", ".join(f"{t} {z:.1f}" for t, z in self.terms) or "none stand out"),
            "",
            "Top posts by reach:",
        ]
        for m in self.top_posts:
            who = m.author.handle or m.author.display_name or m.author.id
            out.append(
                f"  @{terminal_safe(who, 30)} ({m.author.followers or 0:,} followers, "
                f"{m.metrics.reposts or 0:,} reposts) {m.platform}: {terminal_safe(m.text, 100)}"
            )
        out += ["", "Top authors (posts, followers):"]
        out += [f"  {terminal_safe(a, 30)}: {n} posts, {f:,}" for a, n, f in self.top_authors]
        b, n = self.sentiment_before, self.sentiment_now
        out += [
            "",
            "Sentiment (negative/neutral/positive/not analysed):",
            f"  before: {b['negative']}/{b['neutral']}/{b['positive']}/{b['unknown']}"
            f"   now: {n['negative']}/{n['neutral']}/{n['positive']}/{n['unknown']}",
            "",
            "Languages: " + ", ".join(f"{k} {v}" for k, v in self.languages),
            "Platforms: " + ", ".join(f"{k} {v}" for k, v in self.platforms),
            "",
            "Timeline (bucket, posts, negative):",
        ]
        for t, vol, neg in self.timeline:
            mark = " <" if t == inc.onset else ""
            out.append(f"  {t:%Y-%m-%d %H:%M}  {vol:>7,}  {neg:>6,}{mark}")
        return out


def explain(
    store: SQLiteStore,
    incident: Incident,
    bucket: timedelta,
    *,
    posts: int = 5_000,
    context_buckets: int = 6,
) -> Explanation:
    """Read the store and explain ``incident``; at most ``posts`` posts of the incident (the
    newest) and of the baseline are read."""
    inc = SQLiteIncidents(store.db)
    start = incident.onset
    end = incident.resolved_at or (incident.last_signal_at + bucket)
    now_posts = inc.mentions(incident.watch_id, start, end, limit=posts)
    before = inc.mentions(incident.watch_id, start - BASELINE, start, limit=posts)
    terms = log_odds(_doc_counts(now_posts), _doc_counts(before))
    authors: Counter[str] = Counter()
    followers: dict[str, int] = {}
    for m in now_posts:
        a = f"{m.platform}:{m.author.handle or m.author.id}"
        authors[a] += 1
        followers[a] = max(followers.get(a, 0), m.author.followers or 0)
    top_authors = sorted(authors.items(), key=lambda kv: (-kv[1], -followers[kv[0]], kv[0]))[:5]
    minutes = int(bucket.total_seconds()) // 60
    lo = start - bucket * context_buckets
    roll = inc.rollup(incident.watch_id, lo, end, minutes)
    step = int(bucket.total_seconds())
    first, last = int(lo.timestamp()) // step, (int(end.timestamp()) - 1) // step
    timeline = [
        (
            datetime.fromtimestamp(b * step, start.tzinfo),
            roll.get(b, (0, 0, 0, 0))[0],
            roll.get(b, (0, 0, 0, 0))[1],
        )
        for b in range(first, last + 1)
    ]
    volume = sum(v for t, v, _ in timeline if t >= start)
    return Explanation(
        incident=incident,
        start=start,
        end=end,
        volume=volume,
        posts_read=len(now_posts),
        baseline_posts=len(before),
        terms=terms,
        top_posts=inc.top_reach(incident.watch_id, start, end, limit=5),
        top_authors=[(a, n, followers[a]) for a, n in top_authors],
        sentiment_before=_sentiments(before),
        sentiment_now=_sentiments(now_posts),
        languages=Counter(m.language or "unknown" for m in now_posts).most_common(5),
        platforms=Counter(m.platform for m in now_posts).most_common(),
        timeline=timeline,
        signals=inc.signals(incident.id),
    )


def _doc_counts(mentions: Sequence[Mention]) -> Counter[str]:
    c: Counter[str] = Counter()
    for m in mentions:
        c.update(terms_of(m.text))
    return c
