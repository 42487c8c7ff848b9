from __future__ import annotations

import pickle
from datetime import timedelta

import numpy as np
import pytest

from tests.people.conversations import REPLY, REPOST, T0
from tocsin.people import Interaction, InteractionGraph

DAY = timedelta(days=1)


def test_a_weight_halves_after_one_half_life() -> None:
    graph = InteractionGraph(half_life=7 * DAY)
    graph.add([Interaction("a", "b", REPOST, T0)])
    assert graph.weight("a", "b", T0) == pytest.approx(1.0)
    assert graph.weight("a", "b", T0 + 7 * DAY) == pytest.approx(0.5)
    assert graph.weight("a", "b", T0 + 14 * DAY) == pytest.approx(0.25)
    assert graph.weight("b", "a", T0) == 0.0


def test_weights_follow_the_kind_and_add_up() -> None:
    graph = InteractionGraph(half_life=7 * DAY)
    graph.add([Interaction("a", "b", REPLY, T0), Interaction("a", "b", REPOST, T0 + 7 * DAY)])
    assert graph.weight("a", "b", T0 + 7 * DAY) == pytest.approx(0.6 / 2 + 1.0)


def test_a_rebase_far_in_the_future_keeps_weights_finite_and_right() -> None:
    graph = InteractionGraph(half_life=timedelta(hours=1))
    graph.add([Interaction("a", "b", REPOST, T0)])
    later = T0 + timedelta(days=90)  # 2,160 half-lives: 2 ** 2160 overflows a float
    graph.add([Interaction("a", "c", REPOST, later)])
    assert graph.weight("a", "c", later) == pytest.approx(1.0)
    assert graph.weight("a", "c", later + timedelta(hours=1)) == pytest.approx(0.5)
    assert graph.weight("a", "b", later) == 0.0  # faded below the smallest float
    assert np.isfinite(graph.strength()).all()


def test_self_interactions_and_unknown_ids_are_refused_or_dropped() -> None:
    graph = InteractionGraph()
    change = graph.add([Interaction("a", "a", REPOST, T0)])
    assert graph.n_edges == 0 and len(change.src) == 0
    with pytest.raises(ValueError, match="not registered"):
        graph.add_ids([0], [5], [1.0], [T0.timestamp()])


def test_many_small_batches_merge_into_the_base_without_losing_edges() -> None:
    graph = InteractionGraph()
    ids = graph.register(f"a{i}" for i in range(1000))
    rng = np.random.default_rng(1)
    total = 0
    for batch in range(40):
        src, dst = rng.choice(ids, 5000), rng.choice(ids, 5000)
        change = graph.add_ids(src, dst, np.ones(5000), np.full(5000, T0.timestamp() + batch))
        total += len(change.src)
    assert graph.n_edges == total
    assert graph.strength().sum() == pytest.approx(
        sum(block.weight.sum() for block, _ in graph.edge_blocks())
    )


def test_the_graph_survives_pickling() -> None:
    graph = InteractionGraph(half_life=3 * DAY)
    graph.observe("a", 10)
    graph.add([Interaction("a", "b", REPOST, T0)])
    graph.edge_blocks()  # fills the cache, which pickling leaves out
    copy = pickle.loads(pickle.dumps(graph))
    assert copy.weight("a", "b", T0 + 3 * DAY) == pytest.approx(0.5)
    assert copy.followers()[copy.authors.id_of("a")] == 10
    assert copy.version == graph.version


def test_compaction_merges_repeats_and_drops_faded_edges() -> None:
    graph = InteractionGraph(half_life=DAY)
    graph.add([Interaction("a", "b", REPOST, T0), Interaction("a", "b", REPLY, T0)])
    graph.add([Interaction("a", "old", REPOST, T0 - 20 * DAY), Interaction("c", "b", REPLY, T0)])
    assert graph.compact(T0, min_weight=1e-3) == 2  # one repeat merged, one faded edge dropped
    assert graph.n_edges == 2
    assert graph.weight("a", "b", T0) == pytest.approx(1.6)
    assert graph.weight("a", "old", T0) == 0.0
    assert graph.strength()[graph.authors.id_of("a")] == pytest.approx(1.6)


def test_an_empty_batch_changes_nothing_but_the_version() -> None:
    graph = InteractionGraph()
    change = graph.add([])
    assert graph.n_edges == 0 and len(change.sources) == 0 and change.version == 1
    with pytest.raises(ValueError, match="not registered"):
        graph.add_ids([-1], [0], [1.0], [T0.timestamp()])
