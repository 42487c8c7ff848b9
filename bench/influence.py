"""Influence benchmark: the conversation graph and personalised PageRank, full and incremental.

    python bench/influence.py                                   # 1,000,000 authors, 10,000,000
    python bench/influence.py --authors 100000 --interactions 1000000   # quicker look

Generates (not timed) a graph with power-law degrees: sources are drawn with
P(author of rank k) ~ k ** -0.7, targets with k ** -0.9 over an independent ranking (degree
distributions with tails ~ d ** -2.4 and d ** -2.1), kinds repost/quote/reply/mention at random,
times spread over 30 days; followers follow the target ranking (popular authors have more) with
log-normal noise. Author keys are real pseudonyms (``author_key``). Seeded: the same graph every
run.

Printed, wall time and CPU time (the machine is shared):

- build: registering the keys, followers, and the edges sorted by source (``add_ids``);
- full recompute of one watch (``--active`` authors active in it): sweeps, certified bound;
- ``--batches`` incremental updates of ``--batch`` new interactions each, given as
  ``Interaction`` objects with keys (``graph.add`` then ``WatchInfluence.update``);
- the error of the last incremental state against a full recompute to a 100x tighter
  tolerance: L1 and max abs over the shares, next to the certified bound;
- the peak resident memory of the process.

``--store``: the product path instead (``tocsin.people.stored_influence``) on a temporary
SQLite file: ``--posts`` generated posts (default 100,000 by 20,000 authors over 8 days, one
watch; 30 % reposts, 10 % replies, 5 % quotes, 10 % naming an author) folded by a first
``update_influence``, then ``--new-posts`` (10,000) more folded by a second one, against
``rebuild_influence`` of all of them and the former per-read ``build_watch_graph``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar

import numpy as np

from tocsin.domain import Author, Mention
from tocsin.people import (
    InfluenceConfig,
    Interaction,
    InteractionGraph,
    InteractionKind,
    WatchInfluence,
    author_key,
)

T = TypeVar("T")
START = datetime(2026, 10, 1, tzinfo=UTC)
KINDS = list(InteractionKind)


def timed(label: str, action: Callable[[], T]) -> T:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    print(
        f"{label:<34} {time.perf_counter() - wall:8.2f} s wall "
        f"{time.process_time() - cpu:8.2f} s CPU"
    )
    return result


def ranked_sampler(
    n: int, exponent: float, rng: np.random.Generator
) -> Callable[[int], np.ndarray]:
    """Draw author ids with P(rank k) ~ k ** -exponent; ranks are a fixed random permutation."""
    cdf = np.cumsum(np.arange(1, n + 1, dtype=np.float64) ** -exponent)
    cdf /= cdf[-1]
    rank = rng.permutation(n)
    return lambda size: rank[np.searchsorted(cdf, rng.random(size))]


def build(
    graph: InteractionGraph,
    keys: list[str],
    followers: np.ndarray,
    edges: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    ids = graph.register(keys)
    graph.observe_ids(ids, followers)
    graph.add_ids(*edges)


def generated_posts(
    n_posts: int, n_authors: int, start: datetime, days: float, rng: np.random.Generator, first: int
) -> list[Mention]:
    """Posts by power-law-active authors over ``days``: 30 % reposts, 10 % replies, 5 % quotes
    of earlier posts (popular authors' posts more often), 10 % naming another author."""
    sources = ranked_sampler(n_authors, 0.7, rng)
    popular = ranked_sampler(n_authors, 0.9, rng)
    authors = sources(n_posts)
    times = np.sort(start.timestamp() + rng.uniform(0, days * 86400, n_posts))
    followers = (50 * rng.lognormal(0, 2.0, n_authors)).astype(np.int64)
    kind = rng.random(n_posts)
    named = popular(n_posts)
    by_author: dict[int, list[int]] = {}
    posts = []
    for i in range(n_posts):
        a = int(authors[i])
        ref: dict[str, object] = {}
        target = int(named[i])
        earlier = by_author.get(target)
        if kind[i] < 0.45 and earlier:
            field = "repost_of" if kind[i] < 0.30 else "reply_to" if kind[i] < 0.40 else "quote_of"
            ref[field] = f"p{earlier[int(rng.integers(len(earlier)))]}"
        elif kind[i] < 0.55:
            ref["mentions"] = (f"u{target}",)
        number = first + i
        posts.append(
            Mention(
                "x",
                f"p{number}",
                Author("x", str(a), f"u{a}", f"User {a}", int(followers[a])),
                f"acme post {number}",
                datetime.fromtimestamp(float(times[i]), UTC),
                raw=b"{}",
                **ref,  # type: ignore[arg-type]
            )
        )
        by_author.setdefault(a, []).append(number)
    return posts


def store_mode(args: argparse.Namespace) -> None:
    """``update_influence`` on stored posts, then on new ones, against a rebuild."""
    from tocsin.domain import Watch, WatchKind
    from tocsin.people.stored_influence import rebuild_influence, update_influence
    from tocsin.people.watch_graph import build_watch_graph
    from tocsin.query import normalise
    from tocsin.store.base import MatchedMention
    from tocsin.store.sqlite import SQLiteStore
    from tocsin.store.sqlite_influence import SQLiteInfluence

    rng = np.random.default_rng(args.seed)
    total = args.posts + args.new_posts
    every = generated_posts(total, args.store_authors, START, 8.0, rng, 0)
    old, new = every[: args.posts], every[args.posts :]
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(f"{tmp}/bench.db")
        store.migrate()
        store.put_watch(Watch(id="acme", name="Acme", kind=WatchKind.BRAND, query="acme"))

        def write(posts: list[Mention]) -> None:
            for i in range(0, len(posts), 5_000):
                store.write(
                    [MatchedMention(m, normalise(m.text), ("acme",)) for m in posts[i : i + 5_000]]
                )

        print(f"{args.posts:,} stored posts by {args.store_authors:,} authors, one watch")
        timed("write the stored posts (not ours)", lambda: write(old))
        first = timed("update_influence, first (= build)", lambda: update_influence(store))
        print(f"  {first.interactions:,} interactions")
        again = timed("update_influence, nothing new", lambda: update_influence(store))
        assert again.mentions_read == 0
        timed(f"write {len(new):,} new posts (not ours)", lambda: write(new))
        step = timed(f"update_influence, {len(new):,} new", lambda: update_influence(store))
        print(f"  {step.mentions_read:,} read, {step.interactions:,} interactions")
        graph = SQLiteInfluence(store.db).load_graph()
        assert graph is not None
        states = SQLiteInfluence(store.db).load_states()
        shares = states["acme"][1].shares(len(graph))
        incremental = {graph.authors.key(i): shares[i] for i in range(len(graph))}
        timed("rebuild_influence (all posts)", lambda: rebuild_influence(store))
        graph = SQLiteInfluence(store.db).load_graph()
        assert graph is not None
        shares = SQLiteInfluence(store.db).load_states()["acme"][1].shares(len(graph))
        rebuilt = {graph.authors.key(i): shares[i] for i in range(len(graph))}
        l1 = sum(abs(incremental.get(k, 0.0) - rebuilt.get(k, 0.0)) for k in rebuilt)
        print(f"  incremental vs rebuild: L1 {l1:.2e} (each within {args.tolerance:.0e})")
        timed("before: build_watch_graph per read", lambda: build_watch_graph(store, "acme"))
        size = (
            store.db.execute("SELECT sum(length(graph)) FROM influence_graph").fetchone()[0]
            + store.db.execute("SELECT sum(length(state)) FROM influence_states").fetchone()[0]
        )
        snaps = store.db.execute(
            "SELECT count(*), sum(length(authors)) FROM influence_snapshots"
        ).fetchone()
        print(
            f"  persisted: graph + state {size / 1e6:.1f} MB; {snaps[0]} snapshots "
            f"{snaps[1] / 1e6:.1f} MB"
        )
        store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--authors", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--active", type=int, default=100_000, help="authors active in the watch")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--tolerance", type=float, default=1e-6)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--store", action="store_true", help="update_influence on a store")
    parser.add_argument("--posts", type=int, default=100_000, help="--store: stored posts")
    parser.add_argument("--new-posts", type=int, default=10_000, help="--store: new posts")
    parser.add_argument("--store-authors", type=int, default=20_000, help="--store: authors")
    args = parser.parse_args()
    if args.store:
        store_mode(args)
        return
    n, m = args.authors, args.interactions
    rng = np.random.default_rng(args.seed)

    # -- generation (not timed) --
    secret = rng.bytes(32)
    keys = [author_key(secret, "x", str(i)) for i in range(n)]
    sources = ranked_sampler(n, 0.7, rng)
    targets = ranked_sampler(n, 0.9, rng)
    src, dst = sources(m), targets(m)
    popularity = np.bincount(dst, minlength=n)
    followers = (30 * (popularity + 1) * rng.lognormal(0, 1.5, n)).astype(np.int64)
    kind_weight = rng.choice([1.0, 0.8, 0.6, 0.4], m)
    at = START.timestamp() + rng.uniform(0, 30 * 86400, m)
    active = rng.choice(n, args.active, replace=False)
    print(f"{n:,} authors, {m:,} interactions, {args.active:,} active in the watch")
    print(
        f"out-degree max {np.bincount(src).max():,}, in-degree max {popularity.max():,}, "
        f"authors with no out-edge {np.mean(np.bincount(src, minlength=n) == 0):.1%}"
    )

    # -- build --
    graph = InteractionGraph()
    edges = (src, dst, kind_weight, at)
    del src, dst, kind_weight, at  # the graph keeps its own copy, sorted
    timed("build (keys, followers, edges)", partial(build, graph, keys, followers, edges))
    del edges
    config = InfluenceConfig(tolerance=args.tolerance)
    watch = WatchInfluence(config)
    timed("activate watch authors", lambda: watch.activate(graph, [keys[i] for i in active]))
    full = timed("full recompute", lambda: watch.recompute(graph))
    print(f"  sweeps {full.sweeps}, certified L1 bound {full.bound:.2e}")

    # -- incremental --
    now = START + timedelta(days=30)
    for number in range(1, args.batches + 1):
        now += timedelta(hours=1)
        new_src, new_dst = sources(args.batch), targets(args.batch)
        batch = [
            Interaction(keys[s], keys[d], KINDS[int(k)], now + timedelta(seconds=int(i % 3600)))
            for i, (s, d, k) in enumerate(
                zip(new_src, new_dst, rng.integers(0, 4, args.batch), strict=True)
            )
        ]
        change = timed(f"batch {number}: graph.add", lambda b=batch: graph.add(b))  # type: ignore[misc]
        report = timed(
            f"batch {number}: incremental update", lambda c=change: watch.update(graph, c)
        )  # type: ignore[misc]
        print(
            f"  sweeps {report.sweeps}, push rounds {report.pushes}, "
            f"edges touched {report.edges_touched:,} "
            f"({report.edges_touched / max(full.edges_touched, 1):.1%} of the full recompute's), "
            f"certified L1 bound {report.bound:.2e}"
        )

    # -- error against a full recompute --
    exact = WatchInfluence(InfluenceConfig(tolerance=args.tolerance / 100))
    exact.activate(graph, graph.authors.keys_of(watch.active))
    check = timed("full recompute, tolerance / 100", lambda: exact.recompute(graph))
    print(f"  sweeps {check.sweeps}, certified L1 bound {check.bound:.2e}")
    difference = np.abs(watch.shares(len(graph)) - exact.shares(len(graph)))
    print(
        f"incremental vs full: L1 {difference.sum():.2e}, max abs {difference.max():.2e} "
        f"(tolerance {args.tolerance:.0e}); top-100 authors identical: "
        f"{[p.key for p in watch.top(graph, 100)] == [p.key for p in exact.top(graph, 100)]}"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
