"""Influence kept up to date in the store, as mentions arrive (issue 5, item 2).

One conversation graph holds the interactions of every stored mention (reposts, quotes,
replies, mentions; ``interactions.py``, resolved to authors as in ``watch_graph.resolve``); each
watch keeps its personalised PageRank state over it (``WatchInfluence``: its starting points
are the authors who posted in the watch, weighted by their current reach). Both are pickled in
the store with a checkpoint, the last ``mentions.id`` folded in (``store.sqlite_influence``).

``update_influence(store)`` reads only the mentions written since the checkpoint, in chunks of
ids, each chunk one transaction that saves the graph, every state, the snapshots and the
checkpoint together: running it twice folds nothing twice, an interrupted run resumes. Within
a chunk, posts are folded day by day (UTC, by ``created_at``): ``graph.add``, then for every
watch ``activate`` its new authors, ``reweight`` the authors whose follower count changed and
``update`` (the certified incremental update: personalisation is added exactly, never by a
recompute). Before the first post of a new day, each watch's influence is kept as a daily
snapshot; after each chunk, as the latest one. Rising voices compare two snapshots.

A new watch, or one whose query changed, is computed from scratch on the current graph (its
authors read from the store, one ``recompute``). ``rebuild_influence(store)`` forgets
everything and folds every stored mention again: run it after retention (the graph still
holds the deleted mentions' interactions otherwise). Erasure (``SQLiteStore.erase_author``)
deletes the persisted influence at once; the next update rebuilds it without the author.

Limits: a reply, repost or quote stored before the post it names is not linked (the post's
author is unknown when it is folded) until a rebuild; a post folded after a later day's
snapshot was taken is not in that snapshot; daily snapshots are kept ``SNAPSHOT_DAYS`` days
(before that, rising voices compare with nothing, as if the author had just arrived).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from tocsin.domain import Author, Mention
from tocsin.people._edges import IntArray
from tocsin.people.authors import AuthorIndex
from tocsin.people.graph import InteractionGraph
from tocsin.people.influence import InfluenceConfig, WatchInfluence
from tocsin.people.interactions import (
    KIND_WEIGHTS,
    Interaction,
    InteractionKind,
    interactions_from,
)
from tocsin.people.rising import InfluenceSnapshot, RisingVoice, rising_voices
from tocsin.people.watch_graph import RISING_WINDOW, keyer, resolve
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_influence import Pending, Snapshot, SQLiteInfluence
from tocsin.store.sqlite_people import SQLitePeople
from tocsin.store.times import from_us, to_us

#: Mentions folded per transaction.
CHUNK = 20_000
#: Daily snapshots kept (counted back from the latest post folded).
SNAPSHOT_DAYS = 35
#: Interactions naming a post or handle not stored yet wait this long for it (then dropped).
PENDING_DAYS = 14
_DAY_US = 86_400_000_000
_Keyer = Callable[[str, str], str]


@dataclass(frozen=True, slots=True)
class InfluenceUpdate:
    mentions_read: int
    interactions: int
    rebuilt: bool  # from scratch: nothing persisted (first run, rebuild, after an erasure)
    recomputed: tuple[str, ...]  # watches computed from scratch (new, or their query changed)
    forgotten: tuple[str, ...]  # watches removed since
    seconds: float


@dataclass
class _Folding:
    """What one call keeps in memory between its transactions."""

    graph: InteractionGraph
    states: dict[str, tuple[str, WatchInfluence]]
    checkpoint: int
    folded_until: int | None
    pending: Pending = field(default_factory=dict)
    snapshots: dict[str, list[Snapshot]] = field(default_factory=dict)


def update_influence(
    store: SQLiteStore,
    now: datetime | None = None,
    *,
    chunk: int = CHUNK,
    config: InfluenceConfig | None = None,
) -> InfluenceUpdate:
    """Fold the mentions stored since the checkpoint into the graph and every watch's state.

    ``now`` is unused by the computation (influence is as of the latest post folded; recency
    is relative between interactions), kept for callers that schedule by wall time."""
    del now
    started = time.perf_counter()
    people = SQLitePeople(store.db)
    key_of_account = keyer(people.secret())
    influence = SQLiteInfluence(store.db)
    queries = {w.id: w.query for w in store.list_watches()}
    folding: _Folding | None = None
    rebuilt = False
    recomputed: list[str] = []
    forgotten: list[str] = []
    read = found = 0
    while True:
        store.db.execute("BEGIN IMMEDIATE")
        try:
            saved = influence.checkpoint()
            stale = influence.state_queries() != queries
            pending = influence.last_mention_id() > (saved[0] if saved else 0)
            if saved is not None and not stale and not pending:
                store.db.execute("COMMIT")
                break
            if folding is None or saved is None or saved[0] != folding.checkpoint:
                folding = _load(influence, config)
                rebuilt = rebuilt or saved is None
            changed = _sync_watches(influence, folding, queries, key_of_account, config)
            recomputed += changed[0]
            forgotten += changed[1]
            facts = influence.mentions_after(folding.checkpoint, chunk)
            found += _fold(store, folding, facts, key_of_account)
            read += len(facts)
            if facts:
                folding.checkpoint = facts[-1][0]
            _save(influence, folding)
            store.db.execute("COMMIT")
        except BaseException:
            if store.db.in_transaction:
                store.db.execute("ROLLBACK")
            raise
        if len(facts) < chunk:
            break
    return InfluenceUpdate(
        read,
        found,
        rebuilt,
        tuple(dict.fromkeys(recomputed)),
        tuple(dict.fromkeys(forgotten)),
        time.perf_counter() - started,
    )


def rebuild_influence(store: SQLiteStore, *, chunk: int = CHUNK) -> InfluenceUpdate:
    """Forget the persisted influence and fold every stored mention again (after retention,
    erasure or ``graph.compact``)."""
    store.db.execute("BEGIN IMMEDIATE")
    try:
        SQLiteInfluence(store.db).clear()
        store.db.execute("COMMIT")
    except BaseException:
        store.db.execute("ROLLBACK")
        raise
    return update_influence(store, chunk=chunk)


# -- folding --------------------------------------------------------------------------------------


def _load(influence: SQLiteInfluence, config: InfluenceConfig | None) -> _Folding:
    saved = influence.checkpoint()
    found = influence.load_graph_and_pending() if saved else None
    if saved is None or found is None:
        influence.clear()
        return _Folding(InteractionGraph(), {}, 0, None)
    graph, pending = found
    return _Folding(graph, influence.load_states(), saved[0], saved[1], pending)


def _sync_watches(
    influence: SQLiteInfluence,
    folding: _Folding,
    queries: dict[str, str],
    key_of_account: _Keyer,
    config: InfluenceConfig | None,
) -> tuple[list[str], list[str]]:
    """Drop removed watches; compute new ones (or those whose query changed) from scratch."""
    forgotten = [w for w in folding.states if w not in queries]
    for watch_id in forgotten:
        del folding.states[watch_id]
        influence.forget_watch(watch_id)
    recomputed = []
    for watch_id, query in sorted(queries.items()):
        known = folding.states.get(watch_id)
        if known is not None and known[0] == query:
            continue
        influence.forget_watch(watch_id)
        state = WatchInfluence(config)
        authors = influence.watch_authors(watch_id, folding.checkpoint)
        state.activate(folding.graph, (key_of_account(p, a) for p, a in authors))
        state.recompute(folding.graph)
        folding.states[watch_id] = (query, state)
        recomputed.append(watch_id)
    return recomputed, forgotten


def _fold(
    store: SQLiteStore,
    folding: _Folding,
    facts: Sequence[tuple[int, Mention, tuple[str, ...]]],
    key_of_account: _Keyer,
) -> int:
    """Fold ``facts`` day by day; the number of interactions added."""
    graph = folding.graph
    if not facts:
        return 0
    ordered = sorted(facts, key=lambda f: (f[1].created_at, f[0]))
    by_post, by_handle = resolve(store, [m for _, m, _ in ordered], key_of_account)

    def key_of(author: Author) -> str:
        return key_of_account(author.platform, author.id)

    def post_author(platform: str, post: str) -> str | None:
        return by_post.get((platform, post))

    def handle_author(platform: str, handle: str) -> str | None:
        return by_handle.get((platform, handle.lstrip("@").lower()))

    added = 0
    start = 0
    while start < len(ordered):
        day = to_us(ordered[start][1].created_at) // _DAY_US
        end = start
        while end < len(ordered) and to_us(ordered[end][1].created_at) // _DAY_US == day:
            end += 1
        group = ordered[start:end]
        start = end
        if folding.folded_until is not None and folding.folded_until // _DAY_US < day:
            # The state as it stood at the end of the last day folded.
            at = (folding.folded_until // _DAY_US + 1) * _DAY_US
            for watch_id, (_, state) in folding.states.items():
                folding.snapshots.setdefault(watch_id, []).append(_snapshot(graph, state, at, None))
        interactions: list[Interaction] = []
        active: dict[str, list[str]] = {}
        for _, m, watch_ids in group:
            key = key_of(m.author)
            graph.observe(key, m.author.followers)
            interactions.extend(interactions_from(m, key_of, post_author, handle_author))
            interactions.extend(_arrived(folding.pending, m, key))
            _wait_for(folding.pending, m, key, by_post, by_handle)
            for watch_id in watch_ids:
                active.setdefault(watch_id, []).append(key)
        seen = graph.register(key_of(m.author) for _, m, _ in group)
        change = graph.add(interactions) if interactions else None
        added += len(interactions)
        for watch_id, (_, state) in folding.states.items():
            state.activate(graph, active.get(watch_id, ()))
            state.reweight(graph, seen)
            state.update(graph, change)
        latest = to_us(group[-1][1].created_at)
        folding.folded_until = max(folding.folded_until or latest, latest)
    return added


def _wait_for(
    pending: Pending,
    m: Mention,
    source: str,
    by_post: dict[tuple[str, str], str],
    by_handle: dict[tuple[str, str], str],
) -> None:
    """Keep the interactions of ``m`` whose post or handle is not stored yet."""
    at = m.created_at.timestamp()
    for kind, post in (
        (InteractionKind.REPOST, m.repost_of),
        (InteractionKind.QUOTE, m.quote_of),
        (InteractionKind.REPLY, m.reply_to),
    ):
        if post and (m.platform, post) not in by_post:
            pending.setdefault(("post", m.platform, post), []).append((source, kind.value, at))
    for handle in dict.fromkeys(h.lstrip("@").lower() for h in m.mentions):
        if (m.platform, handle) not in by_handle:
            waiting = pending.setdefault(("handle", m.platform, handle), [])
            waiting.append((source, InteractionKind.MENTION.value, at))


def _arrived(pending: Pending, m: Mention, target: str) -> list[Interaction]:
    """The interactions that were waiting for ``m`` (its post, or its author's handle), the
    strongest per source and time, as ``interactions_from`` keeps one per author."""
    waiting = pending.pop(("post", m.platform, m.native_id), [])
    if m.author.handle:
        waiting += pending.pop(("handle", m.platform, m.author.handle.lstrip("@").lower()), [])
    strongest: dict[tuple[str, float], InteractionKind] = {}
    for source, kind_name, at in waiting:
        kind = InteractionKind(kind_name)
        if source == target:
            continue
        known = strongest.get((source, at))
        if known is None or KIND_WEIGHTS[kind] > KIND_WEIGHTS[known]:
            strongest[(source, at)] = kind
    return [
        Interaction(source, target, kind, datetime.fromtimestamp(at, UTC))
        for (source, at), kind in strongest.items()
    ]


def _interacted_by(graph: InteractionGraph) -> IntArray:
    """Per author id, how many distinct authors interacted with them (whole graph)."""
    n = max(len(graph), 1)
    pairs = [edges.src.astype(np.int64) * n + edges.dst for edges, _ in graph.edge_blocks()]
    targets = np.unique(np.concatenate(pairs)) % n if pairs else np.zeros(0, np.int64)
    return np.bincount(targets, minlength=len(graph)).astype(np.int64)


def _snapshot(
    graph: InteractionGraph, state: WatchInfluence, at: int, by: IntArray | None
) -> Snapshot:
    ids = state.active
    values = state.influence(graph)[ids].copy()
    counts = None if by is None else by[ids].copy()
    return Snapshot(at, tuple(graph.authors.keys_of(ids)), values, counts)


def _save(influence: SQLiteInfluence, folding: _Folding) -> None:
    graph = folding.graph
    until = folding.folded_until
    if until is not None:
        oldest = until / 1e6 - PENDING_DAYS * 86_400
        for ref in list(folding.pending):
            kept = [w for w in folding.pending[ref] if w[2] >= oldest]
            if kept:
                folding.pending[ref] = kept
            else:
                del folding.pending[ref]
    influence.save_graph(
        graph, folding.checkpoint, until if until is not None else 0, folding.pending
    )
    by = _interacted_by(graph)
    for watch_id, (query, state) in folding.states.items():
        influence.save_state(watch_id, query, state)
        for daily in folding.snapshots.pop(watch_id, []):
            influence.save_snapshot(watch_id, daily, latest=False)
        at = until if until is not None else 0
        influence.save_snapshot(watch_id, _snapshot(graph, state, at, by), latest=True)
    if until is not None:
        influence.prune_snapshots(until - SNAPSHOT_DAYS * _DAY_US)


# -- reading --------------------------------------------------------------------------------------


@dataclass
class StoredInfluence:
    """A watch's influence as stored: by author key for its active authors (what the segments
    read, in place of ``watch_graph.WatchGraph``)."""

    watch_id: str
    influence: dict[str, float]
    interacted_by: dict[str, int]
    rising: list[RisingVoice] = field(default_factory=list)
    now: datetime | None = None
    as_of: datetime | None = None  # when the influence read was computed (a snapshot's time)

    @property
    def active(self) -> set[str]:
        return set(self.influence)

    def percentile(self, key: str) -> float:
        """Share of the watch's authors with strictly less influence than ``key``."""
        mine = self.influence.get(key, 0.0)
        values = self.influence.values()
        return sum(1 for v in values if v < mine) / len(values) if values else 0.0

    def median(self) -> float:
        values = sorted(self.influence.values())
        if not values:
            return 0.0
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def stored_influence(
    store: SQLiteStore,
    watch_id: str,
    *,
    now: datetime | None = None,
    window: timedelta = RISING_WINDOW,
    rising_limit: int = 1_000,
) -> StoredInfluence:
    """The watch's influence at ``now`` (default: its latest post) from the stored snapshots
    (run ``update_influence`` first), and its rising voices: the snapshot at ``now`` against
    the newest taken at or before ``now - window``. A ``now`` before the latest post folded reads
    the daily snapshot of that day; "interacted with by" is always the latest count."""
    influence = SQLiteInfluence(store.db)
    latest = influence.snapshot(watch_id)
    explicit = now is not None
    if now is None:
        row = store.db.execute(
            "SELECT max(created_at) FROM mention_watches WHERE watch_id = ?", (watch_id,)
        ).fetchone()
        now = from_us(row[0]) if row[0] is not None else None
    if latest is None or now is None:
        return StoredInfluence(watch_id, {}, {}, [], now)
    if not explicit or to_us(now) >= latest.at:
        current: Snapshot | None = latest
    else:
        current = influence.snapshot(watch_id, at_most=to_us(now))
    before = influence.snapshot(watch_id, at_most=to_us(now - window))
    by = latest.interacted_by
    counts = dict(zip(latest.keys, by.tolist(), strict=True)) if by is not None else {}
    if current is None:
        return StoredInfluence(watch_id, {}, counts, [], now)
    values = dict(zip(current.keys, current.influence.tolist(), strict=True))
    return StoredInfluence(
        watch_id,
        values,
        {k: n for k, n in counts.items() if k in values},
        _rising(before, current, rising_limit),
        now,
        from_us(current.at),
    )


def _rising(before: Snapshot | None, after: Snapshot, limit: int) -> list[RisingVoice]:
    index = AuthorIndex()
    now = np.zeros(len(after.keys))
    now[index.ids_of(after.keys)] = after.influence
    then = np.zeros(len(after.keys))
    if before is not None:
        for key, value in zip(before.keys, before.influence.tolist(), strict=True):
            author = index.get(key)
            if author is not None:
                then[author] = value
    at = from_us(after.at)
    return rising_voices(
        InfluenceSnapshot(from_us(before.at) if before else at, then),
        InfluenceSnapshot(at, now),
        index,
        limit=limit,
    )


def influence_top(store: SQLiteStore, watch_id: str, limit: int = 20) -> list[tuple[str, float]]:
    """The watch's most influential authors (key, influence), from the latest snapshot."""
    latest = SQLiteInfluence(store.db).snapshot(watch_id)
    if latest is None:
        return []
    order = np.argsort(-latest.influence, kind="stable")[:limit]
    return [(latest.keys[int(i)], float(latest.influence[int(i)])) for i in order]
