"""Who started an incident and who amplified it, from the incident's posts.

- **started**: among the earliest posts of the incident (the first 20 %, at least 20 posts),
  the authors of original posts (neither reposts nor replies) — negative ones when any is
  analysed as negative — ranked by how much they were picked up (reposted, quoted or answered
  within the incident, or the reposts their platform reports, whichever is larger), then by
  time: the early posts that took off;
- **amplified**: the authors whose posts were most reposted or quoted within the incident
  (reposts and quotes seen among its posts, or the repost counts the platforms report on their
  posts in it, whichever is larger), the positive ones left out: spreading praise does not
  amplify a bad buzz.

An incident's posts are the watch's posts from its onset to its resolution (or its last signal
plus one bucket), as in its explanation; a hashtag story keeps the posts with that hashtag.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tocsin.domain import Author, Incident, Mention
from tocsin.people.watch_graph import keyer, resolve
from tocsin.query.normalise import normalise_link
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_people import SQLitePeople

PostKey = tuple[str, str]
#: "Started it" looks at the earliest posts: this share of the incident's, at least EARLY_POSTS.
EARLY_SHARE = 0.2
EARLY_POSTS = 20


@dataclass(frozen=True)
class IncidentRole:
    role: str  # started | amplified
    key: str
    platform: str
    score: float
    reasons: tuple[str, ...]
    evidence: dict[str, Any]
    examples: tuple[PostKey, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "key": self.key,
            "platform": self.platform,
            "score": self.score,
            "reasons": list(self.reasons),
            "evidence": self.evidence,
            "examples": [list(k) for k in self.examples],
        }


@dataclass(frozen=True)
class IncidentRoles:
    """``sentiment`` is, per author key, their posts in the incident by label (and
    ``unknown``): what "who can help" needs to leave out an ambassador who is upset too."""

    incident_id: str
    posts_read: int
    started: list[IncidentRole]
    amplified: list[IncidentRole]
    sentiment: dict[str, Counter[str]] = field(default_factory=dict)


def incident_roles(
    posts: Sequence[Mention],
    key_of: Callable[[Author], str],
    post_author: Mapping[PostKey, str],
    *,
    onset: datetime,
    incident_id: str = "",
    limit: int = 5,
) -> IncidentRoles:
    """Pure: ``post_author`` maps a post key to its author's key (for posts reposted or quoted
    from before the incident too)."""
    keys = [key_of(m.author) for m in posts]
    sentiment: dict[str, Counter[str]] = {}
    for m, k in zip(posts, keys, strict=True):
        sentiment.setdefault(k, Counter())[m.sentiment.label if m.sentiment else "unknown"] += 1
    picked: Counter[str] = Counter()  # reposts, quotes and replies received within the incident
    spread: Counter[str] = Counter()  # reposts and quotes only
    spread_posts: dict[str, Counter[PostKey]] = {}
    own = {k: m.platform for m, k in zip(posts, keys, strict=True)}
    for m, k in zip(posts, keys, strict=True):
        for ref, spreads in ((m.repost_of, True), (m.quote_of, True), (m.reply_to, False)):
            if not ref:
                continue
            target = post_author.get((m.platform, ref))
            if target is None or target == k:
                continue
            picked[target] += 1
            if spreads and not _positive(m):
                spread[target] += 1
                spread_posts.setdefault(target, Counter())[(m.platform, ref)] += 1

    ordered = sorted(range(len(posts)), key=lambda i: (posts[i].created_at, posts[i].native_id))
    early = max(EARLY_POSTS, math.ceil(EARLY_SHARE * len(posts)))
    position = {i: n for n, i in enumerate(ordered)}
    originals = [i for i in ordered[:early] if not (posts[i].repost_of or posts[i].reply_to)]
    negative = [i for i in originals if _negative(posts[i])]
    best: dict[str, tuple[int, int]] = {}  # author -> (pickup, first early post)
    for i in negative or originals:
        k = keys[i]
        pickup = max(picked[k], posts[i].metrics.reposts or 0)
        if k not in best or pickup > best[k][0]:
            best[k] = (pickup, best[k][1] if k in best else i)
    ranked_starters = sorted(best, key=lambda k: (-best[k][0], position[best[k][1]]))
    started: list[IncidentRole] = []
    for k in ranked_starters[:limit]:
        pickup, i = best[k]
        m = posts[i]
        minutes = (m.created_at - onset).total_seconds() / 60
        evidence = {
            "first_post_at": m.created_at.isoformat(),
            "minutes_after_onset": round(minutes, 1),
            "position": position[i] + 1,
            "followers": m.author.followers,
            "posts_in_incident": sum(sentiment[k].values()),
            "picked_up": picked[k],
            "reposts_reported": m.metrics.reposts,
        }
        reasons = (
            f"post number {position[i] + 1} of {len(posts)} in the incident "
            f"({minutes:+.0f} min from the onset)",
            f"picked up {_times(picked[k])} within the incident"
            + (f", {m.metrics.reposts:,} reposts reported" if m.metrics.reposts else ""),
        )
        started.append(
            IncidentRole("started", k, m.platform, float(pickup), reasons, evidence, (m.key,))
        )

    reported: Counter[str] = Counter()
    for m, k in zip(posts, keys, strict=True):
        if not m.repost_of and not _positive(m):
            reported[k] += m.metrics.reposts or 0
    ranked = sorted(
        (k for k in set(spread) | set(reported) if spread[k] or reported[k]),
        key=lambda k: (-max(spread[k], reported[k]), -spread[k], k),
    )
    amplified = []
    for k in ranked[:limit]:
        evidence = {"reposted_or_quoted_here": spread[k], "reposts_reported": reported[k]}
        reasons = (
            f"reposted or quoted {_times(spread[k])} within the incident",
            f"{reported[k]:,} reposts reported by the platforms on their posts in it",
        )
        examples = tuple(p for p, _ in spread_posts.get(k, Counter()).most_common(3))
        amplified.append(
            IncidentRole(
                "amplified",
                k,
                own.get(k) or (examples[0][0] if examples else ""),
                float(max(spread[k], reported[k])),
                reasons,
                evidence,
                examples,
            )
        )
    return IncidentRoles(incident_id, len(posts), started, amplified, sentiment)


def _negative(m: Mention) -> bool:
    return m.sentiment is not None and m.sentiment.label == "negative"


def _positive(m: Mention) -> bool:
    return m.sentiment is not None and m.sentiment.label == "positive"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def incident_posts(
    store: SQLiteStore, incident: Incident, bucket: timedelta, *, limit: int = 5_000
) -> list[Mention]:
    """The incident's posts, oldest first (its newest ``limit``)."""
    end = incident.resolved_at or (incident.last_signal_at + bucket)
    posts = SQLitePeople(store.db).watch_posts(incident.watch_id, incident.onset, end, limit=limit)
    kind, _, subject = incident.story.partition(":")
    if kind == "hashtag_hijack" and subject:
        tag = subject.lstrip("#").lower()
        posts = [m for m in posts if tag in {h.lstrip("#").lower() for h in m.hashtags}]
    elif kind == "shared_link" and subject:
        posts = [m for m in posts if subject in {normalise_link(u) for u in m.links}]
    return posts


def roles_of_incident(
    store: SQLiteStore,
    incident: Incident,
    bucket: timedelta = timedelta(hours=1),
    *,
    limit: int = 5,
    posts: int = 5_000,
) -> IncidentRoles:
    """Who started ``incident`` and who amplified it, read from the store."""
    found = incident_posts(store, incident, bucket, limit=posts)
    key = keyer(SQLitePeople(store.db).secret())
    by_post, _ = resolve(store, found, key)
    return incident_roles(
        found,
        lambda a: key(a.platform, a.id),
        by_post,
        onset=incident.onset,
        incident_id=incident.id,
        limit=limit,
    )
