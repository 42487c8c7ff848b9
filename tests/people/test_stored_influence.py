"""Influence persisted in the store and updated incrementally (``people.stored_influence``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.people.stored import T0, WATCH, conversation, store_with, write
from tocsin.domain import Mention, Watch
from tocsin.people import watch_graph
from tocsin.people.graph import InteractionGraph
from tocsin.people.influence import InfluenceConfig, WatchInfluence
from tocsin.people.interactions import Interaction, InteractionKind
from tocsin.people.profiles import update_profiles
from tocsin.people.segments import watch_segments
from tocsin.people.service import identities
from tocsin.people.stored_influence import (
    influence_top,
    rebuild_influence,
    stored_influence,
    update_influence,
)
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_influence import SQLiteInfluence
from tocsin.store.sqlite_people import SQLitePeople

TOLERANCE = InfluenceConfig().tolerance


def _shares(store: SQLiteStore, watch_id: str = "acme") -> dict[str, float]:
    """Stored PageRank shares by author key (ids differ between two builds, keys do not)."""
    influence = SQLiteInfluence(store.db)
    graph = influence.load_graph()
    assert graph is not None
    _, state = influence.load_states()[watch_id]
    shares = state.shares(len(graph))
    return {graph.authors.key(i): float(shares[i]) for i in range(len(graph))}


def _l1(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in set(a) | set(b))


def _blobs(store: SQLiteStore) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for table in ("influence_graph", "influence_states", "influence_snapshots"):
        out += store.db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
    return out


def _with_follower_changes(posts: list[Mention]) -> list[Mention]:
    """The planted conversation, with the critic's follower count growing post after post
    (the starting weights must follow: ``WatchInfluence.reweight``)."""
    out, grown = [], 0
    for m in posts:
        if m.author.id == "c1":
            grown += 1
            m = replace(m, author=replace(m.author, followers=800 * 4**grown))
        out.append(m)
    return out


def test_incremental_updates_equal_a_rebuild_within_the_tolerance() -> None:
    posts = _with_follower_changes(conversation())
    store = store_with([])
    read = 0
    for start in range(0, len(posts), 37):  # arrive in batches, folded after each
        write(store, posts[start : start + 37])
        read += update_influence(store, chunk=50).mentions_read
    assert read == len(posts) == 337
    incremental = _shares(store)
    graph = SQLiteInfluence(store.db).load_graph()
    # Every interaction, the 12 replies that name a post stored in a later batch included.
    assert graph is not None and graph.n_edges == 80

    # Against an exact solution on the same graph (100x tighter), then against a rebuild.
    _, state = SQLiteInfluence(store.db).load_states()["acme"]
    exact = WatchInfluence(InfluenceConfig(tolerance=TOLERANCE / 100))
    exact.activate(graph, graph.authors.keys_of(state.active))
    exact.recompute(graph)
    assert np.abs(exact.shares(len(graph)) - state.shares(len(graph))).sum() <= TOLERANCE
    rebuilt = rebuild_influence(store)
    assert rebuilt.rebuilt and rebuilt.mentions_read == len(posts)
    assert _l1(_shares(store), incremental) <= 2 * TOLERANCE
    assert set(_shares(store)) == set(incremental)


def test_reweight_follows_a_changed_follower_count_exactly() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    graph = InteractionGraph()
    for key, followers in (("a", 10), ("b", 1_000), ("c", 0)):
        graph.observe(key, followers)
    graph.add(
        [
            Interaction("a", "b", InteractionKind.REPOST, at),
            Interaction("c", "b", InteractionKind.REPLY, at),
            Interaction("b", "a", InteractionKind.MENTION, at),
        ]
    )
    state, stale = WatchInfluence(), WatchInfluence()
    for s in (state, stale):
        s.activate(graph, ["a", "b", "c"])
        s.recompute(graph)
    graph.observe("a", 5_000_000)
    state.reweight(graph, graph.register(["a", "c"]))  # c: unchanged, a no-op
    state.update(graph)
    stale.update(graph)  # without reweight, a still starts with the weight of 10 followers
    fresh = WatchInfluence(InfluenceConfig(tolerance=1e-10))
    fresh.activate(graph, ["a", "b", "c"])
    fresh.recompute(graph)
    assert np.abs(fresh.shares() - state.shares()).sum() <= TOLERANCE
    assert np.abs(fresh.shares() - stale.shares()).sum() > 100 * TOLERANCE


def test_running_again_changes_nothing() -> None:
    store = store_with(conversation())
    first = update_influence(store)
    before = _blobs(store)
    again = update_influence(store)
    assert first.mentions_read == 337 and first.interactions == 80 and first.rebuilt
    assert first.recomputed == ("acme",)
    assert again.mentions_read == 0 and again.interactions == 0 and not again.rebuilt
    assert again.recomputed == ()
    assert _blobs(store) == before  # not even rewritten


def test_a_restart_continues_from_the_checkpoint(tmp_path: Path) -> None:
    posts = conversation()
    path = str(tmp_path / "tocsin.db")
    store = store_with(posts[:200], path)
    assert update_influence(store).mentions_read == 200
    store.close()
    store = SQLiteStore(path)
    store.migrate()
    write(store, posts[200:])
    update = update_influence(store)
    assert update.mentions_read == len(posts) - 200 and not update.rebuilt
    assert update.recomputed == ()
    checkpoint = SQLiteInfluence(store.db).checkpoint()
    last = store.db.execute("SELECT max(id) FROM mentions").fetchone()[0]
    assert checkpoint is not None and checkpoint[0] == last
    continued = _shares(store)
    rebuild_influence(store)
    assert _l1(_shares(store), continued) <= 2 * TOLERANCE
    store.close()


def test_daily_snapshots_are_kept_for_rising_voices() -> None:
    store = store_with(conversation())
    update_influence(store)
    days = store.db.execute(
        "SELECT at FROM influence_snapshots WHERE watch_id = 'acme' AND latest = 0 ORDER BY at"
    ).fetchall()
    assert len(days) == 7  # a week of posts: the state at each midnight after the first day
    assert all(at % 86_400_000_000 == 0 for (at,) in days)
    found = stored_influence(store, "acme", window=timedelta(days=2))
    riser = SQLitePeople(store.db).key("x", "r1")
    assert found.rising and found.rising[0].key == riser
    assert found.as_of is not None and found.now is not None and found.as_of <= found.now


def test_the_planted_influential_critic_is_found_through_the_stored_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def rebuild(*args: object, **kwargs: object) -> None:
        raise AssertionError("segments rebuilt the graph")

    monkeypatch.setattr(watch_graph, "build_watch_graph", rebuild)
    store = store_with(conversation())
    update_profiles(store)  # profiles, then influence
    found = watch_segments(store, "acme", names=("critics", "rising"), limit=5).segments
    names = identities(store, [m.key for ms in found.values() for m in ms])
    assert [names[m.key].handle for m in found["critics"]][:1] == ["critic"]
    assert found["critics"][0].evidence["interacted_by"] == 30
    assert "riser" in [names[m.key].handle for m in found["rising"]]
    assert SQLitePeople(store.db).key("x", "c1") in dict(influence_top(store, "acme", 20))


def test_erasure_removes_the_author_from_the_rankings() -> None:
    store = store_with(conversation())
    update_profiles(store)
    critic = SQLitePeople(store.db).key("x", "c1")
    assert critic in stored_influence(store, "acme").influence
    store.erase_author("x", "c1")
    # Gone at once: nothing persisted holds the pseudonym until the next update rebuilds.
    assert _blobs(store) == []
    assert stored_influence(store, "acme").influence == {}
    update = update_influence(store)
    assert update.rebuilt and update.mentions_read == 337 - 3
    graph = SQLiteInfluence(store.db).load_graph()
    assert graph is not None and critic not in graph.authors
    snapshots = store.db.execute("SELECT authors FROM influence_snapshots").fetchall()
    assert snapshots and all(critic.encode() not in blob for (blob,) in snapshots)
    assert critic not in stored_influence(store, "acme").influence
    members = watch_segments(store, "acme", names=("critics",)).segments["critics"]
    assert critic not in [m.key for m in members]


def test_a_new_watch_and_a_changed_query_are_computed_from_scratch() -> None:
    store = store_with(conversation())
    update_influence(store)
    store.put_watch(Watch(id="other", query="other"))
    write(store, conversation()[:40], watch_ids=("acme", "other"))  # already stored: no-op ids
    assert update_influence(store).recomputed == ("other",)
    store.put_watch(Watch(id="acme", query="acme OR acmé"))
    assert update_influence(store).recomputed == ("acme",)
    store.remove_watch("other")
    assert update_influence(store).forgotten == ("other",)
    assert set(SQLiteInfluence(store.db).state_queries()) == {WATCH.id}


def test_an_empty_store_has_no_influence() -> None:
    store = store_with([])
    update = update_influence(store)
    assert update.mentions_read == 0 and update.recomputed == ("acme",)
    assert stored_influence(store, "acme").influence == {}
    assert influence_top(store, "acme") == []
    assert T0.tzinfo is UTC


def test_cli_authors_influence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tocsin.cli import main

    path = tmp_path / "t.db"
    store_with(conversation(), str(path)).close()
    assert main(["--db", str(path), "authors", "influence", "--top", "acme", "--limit", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("influence rebuilt: 337 mentions read, 80 interactions")
    assert len(out) == 4 and out[1].split()[0] == "1"
    assert main(["--db", str(path), "authors", "influence"]) == 0
    assert capsys.readouterr().out.startswith("influence updated: 0 mentions read")
    assert main(["--db", str(path), "authors", "influence", "--rebuild"]) == 0
    assert capsys.readouterr().out.startswith("influence rebuilt: 337 mentions read")
