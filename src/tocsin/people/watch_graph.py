"""A watch's conversation graph and influence, built from scratch from the mentions stored for
it: the reference the stored path is checked against, no longer what segments read (they read
``stored_influence``, kept up to date incrementally; ``resolve`` and ``keyer`` are shared).

Reposts, quotes and replies name posts, mentions name handles: both are resolved to their
authors' pseudonyms through the store (the watch's own posts first, then any stored post and the
``authors`` table). Authors who posted in the watch are its starting points
(``WatchInfluence.activate``). Rising voices compare the influence at ``now - window`` with the
influence at ``now``, the second reached by the incremental update.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from tocsin.domain import Author, Mention
from tocsin.people._edges import FloatArray
from tocsin.people.graph import InteractionGraph
from tocsin.people.influence import InfluenceConfig, WatchInfluence
from tocsin.people.interactions import Interaction, interactions_from
from tocsin.people.pseudonym import author_key
from tocsin.people.rising import InfluenceSnapshot, RisingVoice, rising_voices
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_people import SQLitePeople
from tocsin.store.times import from_us

_CHUNK = 900
#: Most recent posts of a watch read to build its graph.
MAX_POSTS = 200_000
RISING_WINDOW = timedelta(days=2)


@dataclass
class WatchGraph:
    """``influence`` by author key for the authors of the watch (0 when never reached)."""

    watch_id: str
    graph: InteractionGraph
    state: WatchInfluence
    active: set[str]
    influence: dict[str, float]
    posts_read: int
    interactions: int
    rising: list[RisingVoice] = field(default_factory=list)
    now: datetime | None = None
    interacted_by: dict[str, int] = field(default_factory=dict)  # distinct authors, per key

    def percentile(self, key: str) -> float:
        """Share of the watch's authors with strictly less influence than ``key``."""
        values = sorted(self.influence.values())
        mine = self.influence.get(key, 0.0)
        below = sum(1 for v in values if v < mine)
        return below / len(values) if values else 0.0

    def median(self) -> float:
        values = sorted(self.influence.values())
        if not values:
            return 0.0
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def keyer(secret: bytes) -> Callable[[str, str], str]:
    """``author_key`` with the secret bound and a memory: one HMAC per account."""
    known: dict[tuple[str, str], str] = {}

    def key(platform: str, author_id: str) -> str:
        found = known.get((platform, author_id))
        if found is None:
            found = known[(platform, author_id)] = author_key(secret, platform, author_id)
        return found

    return key


def resolve(
    store: SQLiteStore, posts: Sequence[Mention], secret: bytes | Callable[[str, str], str]
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """(post key -> author key, (platform, lower-case handle) -> author key) for everything
    ``posts`` reposts, quotes, replies to or mentions."""
    key_of = keyer(secret) if isinstance(secret, bytes) else secret
    by_post: dict[tuple[str, str], str] = {}
    by_handle: dict[tuple[str, str], str] = {}
    for m in posts:
        key = key_of(m.platform, m.author.id)
        by_post[m.key] = key
        if m.author.handle:
            by_handle.setdefault((m.platform, m.author.handle.lstrip("@").lower()), key)
    wanted_posts: dict[str, set[str]] = {}
    wanted_handles: dict[str, set[str]] = {}
    for m in posts:
        for ref in (m.repost_of, m.quote_of, m.reply_to):
            if ref and (m.platform, ref) not in by_post:
                wanted_posts.setdefault(m.platform, set()).add(ref)
        for handle in m.mentions:
            h = handle.lstrip("@").lower()
            if (m.platform, h) not in by_handle:
                wanted_handles.setdefault(m.platform, set()).add(h)
    for platform, ids in wanted_posts.items():
        id_list = sorted(ids)
        for start in range(0, len(id_list), _CHUNK):
            chunk = id_list[start : start + _CHUNK]
            for native_id, author_id in store.db.execute(
                "SELECT native_id, author_id FROM mentions WHERE platform = ? AND native_id IN "
                f"({', '.join('?' * len(chunk))})",
                (platform, *chunk),
            ):
                by_post[(platform, native_id)] = key_of(platform, author_id)
    for platform, handles in wanted_handles.items():
        handle_list = sorted(handles)
        for start in range(0, len(handle_list), _CHUNK):
            chunk = handle_list[start : start + _CHUNK]
            for handle, author_id in store.db.execute(
                "SELECT lower(handle), id FROM authors WHERE platform = ? AND lower(handle) IN "
                f"({', '.join('?' * len(chunk))})",
                (platform, *chunk),
            ):
                by_handle.setdefault((platform, handle), key_of(platform, author_id))
    return by_post, by_handle


def build_watch_graph(
    store: SQLiteStore,
    watch_id: str,
    *,
    now: datetime | None = None,
    window: timedelta = RISING_WINDOW,
    config: InfluenceConfig | None = None,
    max_posts: int = MAX_POSTS,
) -> WatchGraph:
    """The watch's graph and influence at ``now`` (default: its latest post), and its rising
    voices over ``window`` (influence at ``now - window`` against ``now``)."""
    secret = SQLitePeople(store.db).secret()
    span = store.db.execute(
        "SELECT min(created_at), max(created_at) FROM mention_watches WHERE watch_id = ?",
        (watch_id,),
    ).fetchone()
    graph = InteractionGraph()
    state = WatchInfluence(config)
    if span[0] is None:
        state.recompute(graph)
        return WatchGraph(watch_id, graph, state, set(), {}, 0, 0, [], now)
    if now is None:
        now = from_us(span[1])
    posts = SQLitePeople(store.db).watch_posts(
        watch_id, now - timedelta(days=3650), now + timedelta(microseconds=1), limit=max_posts
    )
    account_key = keyer(secret)
    by_post, by_handle = resolve(store, posts, account_key)

    def key_of(author: Author) -> str:
        return account_key(author.platform, author.id)

    cutoff = now - window
    before: list[Interaction] = []
    after: list[Interaction] = []
    active_before: list[str] = []
    active_after: list[str] = []
    for m in posts:
        graph.observe(key_of(m.author), m.author.followers)
        found = interactions_from(
            m,
            key_of,
            lambda platform, post: by_post.get((platform, post)),
            lambda platform, handle: by_handle.get((platform, handle.lstrip("@").lower())),
        )
        early = m.created_at < cutoff
        (before if early else after).extend(found)
        (active_before if early else active_after).append(key_of(m.author))
    if before:  # (an empty first batch has no time to fade from)
        graph.add(before)
    state.activate(graph, active_before)
    state.recompute(graph)
    then = InfluenceSnapshot(cutoff, state.influence(graph).copy())
    change = graph.add(after) if after else None
    state.activate(graph, active_after)
    state.update(graph, change)
    values: FloatArray = state.influence(graph)
    active = set(active_before) | set(active_after)
    influence = {k: float(values[graph.authors.id_of(k)]) for k in active}
    rising = [
        r
        for r in rising_voices(then, InfluenceSnapshot(now, values), graph.authors, limit=1_000)
        if r.key in active
    ]
    return WatchGraph(
        watch_id,
        graph,
        state,
        active,
        influence,
        len(posts),
        len(before) + len(after),
        rising,
        now,
        {k: n for k, n in interacted_by(graph).items() if k in active},
    )


def interacted_by(graph: InteractionGraph) -> dict[str, int]:
    """Author key -> how many distinct authors interacted with them (reposted, quoted, replied
    to or mentioned them), over the whole graph."""
    n = max(len(graph), 1)
    pairs = [edges.src.astype(np.int64) * n + edges.dst for edges, _ in graph.edge_blocks()]
    if not pairs:
        return {}
    targets = np.unique(np.concatenate(pairs)) % n
    ids, counts = np.unique(targets, return_counts=True)
    return {graph.authors.key(int(i)): int(c) for i, c in zip(ids, counts, strict=True)}
