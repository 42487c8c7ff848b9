"""Segments of a watch's authors, each member with the evidence that put them there.

The rules (thresholds in ``SegmentRules``, written down in docs/people.md):

- **ambassadors**: recurring (``min_posts`` posts on ``min_days`` days or more), mostly
  positive (``positive_share``), little negative (``max_opposite_share``), with some reach or
  engagement (``min_followers`` followers or ``min_engagement`` likes + reposts + replies);
  ranked by positive posts x reach x engagement per post.
- **detractors**: recurring and mostly negative; ranked by negative posts x reach.
- **critics** (influential critics): at least one negative post and a negative share of at
  least ``critic_negative_share``, in the top ``1 - critic_percentile`` of the watch's authors by
  influence (personalised PageRank with reach, ``tocsin.people.influence``) and interacted with
  by at least ``critic_interacted_by`` distinct authors, so that reach alone never makes one;
  ranked by influence.
- **brand-managers** (self-appointed brand managers): recurring, detailed (long posts,
  ``detailed_share`` of their own posts), constructive (negative or neutral with a question or a
  suggestion, ``constructive_share`` and at least ``min_constructive``), hardly toxic
  (``max_toxic_share``); ranked by constructive posts x reach.
- **rising**: authors of the watch whose influence grew most over the rising window
  (``tocsin.people.rising``), growth at least ``rising_growth``.

Sentiment comes from the analysis enrichers: a watch imported without analysis has no
ambassadors, detractors, critics nor brand managers, only rising voices.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tocsin.people.profiles import CONSTRUCTIVE, AuthorProfile, watch_profiles
from tocsin.people.rising import RisingVoice
from tocsin.people.stored_influence import StoredInfluence, stored_influence
from tocsin.people.watch_graph import RISING_WINDOW, WatchGraph
from tocsin.query import parse
from tocsin.query.nodes import named_handles
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_people import SQLitePeople

SEGMENTS = ("ambassadors", "detractors", "critics", "brand-managers", "rising")


@dataclass(frozen=True, slots=True)
class SegmentRules:
    min_posts: int = 3
    min_days: int = 2
    positive_share: float = 0.6
    negative_share: float = 0.6
    max_opposite_share: float = 0.2
    min_followers: int = 100
    min_engagement: int = 10
    critic_negative_share: float = 0.5
    critic_percentile: float = 0.9
    critic_interacted_by: int = 3
    detailed_share: float = 0.5
    constructive_share: float = 0.5
    min_constructive: int = 2
    max_toxic_share: float = 0.1
    rising_growth: float = 1.5
    examples: int = 3


@dataclass(frozen=True)
class SegmentMember:
    """``score`` orders members within a segment (its unit depends on the segment);
    ``evidence`` holds the numbers the rule looked at; ``examples`` are mention keys of posts
    that show it (``[]`` when none of the latest posts kept does)."""

    segment: str
    key: str
    score: float
    reasons: tuple[str, ...]
    evidence: dict[str, Any]
    profile: AuthorProfile | None = None
    examples: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "segment": self.segment,
            "key": self.key,
            "score": self.score,
            "reasons": list(self.reasons),
            "evidence": self.evidence,
            "examples": [list(k) for k in self.examples],
        }


def reach(followers: int | None) -> float:
    """``1 + ln(1 + followers)``, as in the influence ranking; 1 when unknown."""
    return 1.0 + math.log1p(max(followers or 0, 0))


def _recurring(p: AuthorProfile, rules: SegmentRules) -> bool:
    return p.posts >= rules.min_posts and p.active_days >= rules.min_days


def _basics(p: AuthorProfile) -> dict[str, Any]:
    return {
        "posts": p.posts,
        "active_days": p.active_days,
        "negative": p.negative,
        "neutral": p.neutral,
        "positive": p.positive,
        "followers": p.followers,
        "engagement": p.engagement,
    }


def ambassadors(profiles: Sequence[AuthorProfile], rules: SegmentRules) -> list[SegmentMember]:
    out = []
    for p in profiles:
        if not _recurring(p, rules) or p.positive == 0:
            continue
        if p.share("positive") < rules.positive_share:
            continue
        if p.share("negative") > rules.max_opposite_share:
            continue
        if (p.followers or 0) < rules.min_followers and p.engagement < rules.min_engagement:
            continue
        per_post = p.engagement / p.posts
        score = p.positive * reach(p.followers) * (1 + math.log1p(per_post))
        reasons = (
            f"{p.positive} positive posts of {p.posts} on {p.active_days} days",
            f"{p.followers or 0:,} followers, {p.engagement:,} likes/reposts/replies received",
        )
        out.append(SegmentMember("ambassadors", p.key, round(score, 3), reasons, _basics(p), p))
    return _ranked(out)


def detractors(profiles: Sequence[AuthorProfile], rules: SegmentRules) -> list[SegmentMember]:
    out = []
    for p in profiles:
        if not _recurring(p, rules) or p.negative == 0:
            continue
        if p.share("negative") < rules.negative_share:
            continue
        if p.share("positive") > rules.max_opposite_share:
            continue
        score = p.negative * reach(p.followers)
        reasons = (
            f"{p.negative} negative posts of {p.posts} on {p.active_days} days",
            f"{p.followers or 0:,} followers",
        )
        out.append(SegmentMember("detractors", p.key, round(score, 3), reasons, _basics(p), p))
    return _ranked(out)


def critics(
    profiles: Sequence[AuthorProfile], graph: WatchGraph | StoredInfluence, rules: SegmentRules
) -> list[SegmentMember]:
    out = []
    median = graph.median()
    ordered = sorted(graph.influence.values())
    for p in profiles:
        if p.negative == 0 or p.share("negative") < rules.critic_negative_share:
            continue
        influence = graph.influence.get(p.key, 0.0)
        by = graph.interacted_by.get(p.key, 0)
        below = _count_below(ordered, influence)
        percentile = below / len(ordered) if ordered else 0.0
        if percentile < rules.critic_percentile or by < rules.critic_interacted_by:
            continue
        evidence = {
            **_basics(p),
            "influence": round(influence, 6),
            "influence_vs_median": round(influence / median, 2) if median else None,
            "percentile": round(percentile, 3),
            "interacted_by": by,
        }
        reasons = (
            f"{p.negative} negative posts of {p.posts}",
            f"influence in the top {max(1.0, 100 * (1 - percentile)):.0f}% of the watch's "
            f"authors ({evidence['influence_vs_median']}x the median)",
            f"reposted, quoted, answered or named by {by} authors",
        )
        out.append(SegmentMember("critics", p.key, round(influence, 6), reasons, evidence, p))
    return _ranked(out)


def brand_managers(profiles: Sequence[AuthorProfile], rules: SegmentRules) -> list[SegmentMember]:
    out = []
    for p in profiles:
        own = p.posts - p.reposts_made
        if not _recurring(p, rules) or own == 0:
            continue
        critical = p.negative + p.neutral
        if p.analysed == 0 or critical / p.analysed < 0.5:
            continue
        if p.detailed / own < rules.detailed_share:
            continue
        if p.constructive < max(rules.min_constructive, rules.constructive_share * own):
            continue
        if p.toxic / own > rules.max_toxic_share:
            continue
        score = p.constructive * reach(p.followers)
        evidence = {**_basics(p), "detailed": p.detailed, "constructive": p.constructive}
        evidence["toxic"] = p.toxic
        reasons = (
            f"{p.posts} posts on {p.active_days} days, {p.detailed} of them detailed",
            f"{p.constructive} constructive (question or suggestion, not toxic)",
            f"{p.negative} negative, {p.neutral} neutral, {p.positive} positive",
        )
        out.append(SegmentMember("brand-managers", p.key, round(score, 3), reasons, evidence, p))
    return _ranked(out)


def rising(
    voices: Sequence[RisingVoice],
    profiles: Mapping[str, AuthorProfile],
    rules: SegmentRules,
    window: timedelta = RISING_WINDOW,
) -> list[SegmentMember]:
    out = []
    for v in voices:
        if v.growth < rules.rising_growth or v.key not in profiles:
            continue
        p = profiles[v.key]
        evidence = {
            **_basics(p),
            "influence_before": round(v.before, 6),
            "influence_now": round(v.after, 6),
            "growth": round(v.growth, 2),
        }
        reasons = (f"influence x{v.growth:.1f} over the last {_days(window)}",)
        out.append(SegmentMember("rising", v.key, round(v.growth, 3), reasons, evidence, p))
    return _ranked(out)


def _days(window: timedelta) -> str:
    days = window.total_seconds() / 86400
    return f"{days:g} days" if days != 1 else "day"


def _count_below(ordered: Sequence[float], value: float) -> int:
    return bisect.bisect_left(ordered, value)


def _ranked(members: list[SegmentMember]) -> list[SegmentMember]:
    return sorted(members, key=lambda m: (-m.score, m.key))


# -- from the store -----------------------------------------------------------------------------

#: Which of an author's latest posts illustrate each segment: (sentiment, traits) -> bool.
_EXAMPLE: dict[str, Callable[[str | None, int], bool]] = {
    "ambassadors": lambda s, t: s == "positive",
    "detractors": lambda s, t: s == "negative",
    "critics": lambda s, t: s == "negative",
    "brand-managers": lambda s, t: bool(t & CONSTRUCTIVE),
    "rising": lambda s, t: True,
}


@dataclass
class WatchSegments:
    """Every segment of one watch, computed once (the graph is built once for all)."""

    watch_id: str
    now: datetime | None
    segments: dict[str, list[SegmentMember]] = field(default_factory=dict)
    graph: StoredInfluence | None = None


def watch_segments(
    store: SQLiteStore,
    watch_id: str,
    *,
    names: Sequence[str] = SEGMENTS,
    limit: int = 20,
    now: datetime | None = None,
    window: timedelta = RISING_WINDOW,
    rules: SegmentRules | None = None,
    exclude: Collection[str] | None = None,
) -> WatchSegments:
    """Segments of ``watch_id`` from its profiles and, for critics and rising voices, its
    stored influence (run ``update_profiles`` first: it updates both); members carry example
    mention keys.

    ``exclude`` (author keys) are never members; by default the watch's own accounts, those
    whose handle its query names as ``@handle`` (the brand is not its own ambassador)."""
    rules = rules or SegmentRules()
    left_out = own_accounts(store, watch_id) if exclude is None else set(exclude)
    unknown = [n for n in names if n not in SEGMENTS]
    if unknown:
        raise ValueError(f"unknown segment {unknown[0]!r}: one of {', '.join(SEGMENTS)}")
    profiles = watch_profiles(store, watch_id)
    graph = None
    if "critics" in names or "rising" in names:
        graph = stored_influence(store, watch_id, now=now, window=window)
    by_key = {p.key: p for p in profiles}
    found: dict[str, list[SegmentMember]] = {}
    for name in names:
        if name == "ambassadors":
            members = ambassadors(profiles, rules)
        elif name == "detractors":
            members = detractors(profiles, rules)
        elif name == "critics":
            assert graph is not None
            members = critics(profiles, graph, rules)
        elif name == "brand-managers":
            members = brand_managers(profiles, rules)
        else:
            assert graph is not None
            members = rising(graph.rising, by_key, rules, window)
        members = [m for m in members if m.key not in left_out][:limit]
        found[name] = _with_examples(store, watch_id, name, members, rules.examples)
    return WatchSegments(watch_id, graph.now if graph else now, found, graph)


def own_accounts(store: SQLiteStore, watch_id: str) -> set[str]:
    """Keys of the accounts whose handle the watch's query names as ``@handle``, on any
    platform: ``@cafelia`` names ``cafelia``, and ``cafelia@instance`` (Mastodon) or
    ``cafelia.fr`` (Bluesky) too."""
    watch = store.get_watch(watch_id)
    handles = named_handles(parse(watch.query)) if watch else frozenset()
    if not handles:
        return set()
    people = SQLitePeople(store.db)
    found = set()
    for handle in sorted(handles):
        prefix = handle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        for platform, author_id in store.db.execute(
            "SELECT platform, id FROM authors WHERE lower(handle) = ?1 "
            "OR lower(handle) LIKE ?2 ESCAPE '\\' OR lower(handle) LIKE ?3 ESCAPE '\\'",
            (handle, prefix + "@%", prefix + ".%"),
        ):
            found.add(people.key(platform, author_id))
    return found


def segment(
    store: SQLiteStore,
    watch_id: str,
    name: str,
    *,
    limit: int = 20,
    now: datetime | None = None,
    rules: SegmentRules | None = None,
) -> list[SegmentMember]:
    """One segment of a watch, best first."""
    found = watch_segments(store, watch_id, names=(name,), limit=limit, now=now, rules=rules)
    return found.segments[name]


def _with_examples(
    store: SQLiteStore, watch_id: str, name: str, members: list[SegmentMember], n: int
) -> list[SegmentMember]:
    posts = SQLitePeople(store.db).recent_posts(watch_id, [m.key for m in members])
    keep = _EXAMPLE[name]
    out = []
    for m in members:
        examples = tuple(
            (platform, native_id)
            for _, platform, native_id, sentiment, traits in posts.get(m.key, [])
            if keep(sentiment, traits)
        )[:n]
        out.append(
            SegmentMember(m.segment, m.key, m.score, m.reasons, m.evidence, m.profile, examples)
        )
    return out
