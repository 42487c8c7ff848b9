from __future__ import annotations

import pickle
from datetime import timedelta

import numpy as np
import pytest

from tests.people.conversations import MENTION, REPOST, T0, planted_critic, random_graph
from tocsin.people import (
    Convergence,
    InfluenceConfig,
    InfluenceSnapshot,
    Interaction,
    InteractionGraph,
    WatchInfluence,
    rising_voices,
)

TOLERANCE = 1e-6


def _critic_graph() -> InteractionGraph:
    graph = InteractionGraph()
    for n in range(30):
        graph.observe(f"fan{n}", 50)
    graph.observe("critic", 200)
    graph.observe("celebrity", 1_000_000)  # active in the watch, but nobody interacts with them
    graph.add(planted_critic())
    return graph


def _ranked(graph: InteractionGraph, watch: WatchInfluence, limit: int = 50) -> list[str]:
    return [person.key for person in watch.top(graph, limit)]


def _watch(graph: InteractionGraph, active: list[str], **config: float) -> WatchInfluence:
    watch = WatchInfluence(InfluenceConfig(**config))
    watch.activate(graph, active)
    watch.recompute(graph)
    return watch


def test_the_planted_critic_ranks_first_and_the_silent_celebrity_below_them() -> None:
    graph = _critic_graph()
    active = ["critic", "celebrity", *(f"fan{n}" for n in range(30))]
    ranked = _ranked(graph, _watch(graph, active))
    assert ranked[0] == "critic"
    assert ranked.index("celebrity") > 0
    # Ranked by followers only, the celebrity would lead: the reach weight decides.
    assert _ranked(graph, _watch(graph, active, reach_weight=1.0))[0] == "celebrity"


def test_shares_sum_to_one_and_the_bound_is_met() -> None:
    graph = _critic_graph()
    watch = _watch(graph, ["critic", "fan0"])
    assert watch.shares().sum() == pytest.approx(1.0)
    assert watch.bound() <= TOLERANCE


def test_personalisation_per_watch_changes_the_ranking() -> None:
    graph = InteractionGraph()
    graph.add(planted_critic("a-", fans=20))
    graph.add(planted_critic("b-", fans=10, start=5))
    # A few of a's fans also repost b's critic: the two conversations touch.
    graph.add(Interaction(f"a-fan{n}", "b-critic", REPOST, T0) for n in range(3))
    everyone = [f"a-fan{n}" for n in range(20)] + [f"b-fan{n}" for n in range(10)]
    assert _ranked(graph, _watch(graph, everyone))[0] == "a-critic"
    assert _ranked(graph, _watch(graph, [f"b-fan{n}" for n in range(10)]))[0] == "b-critic"


def _batch(n: int, size: int, rng: np.random.Generator) -> list[Interaction]:
    at = T0 + timedelta(days=31)
    src, dst = rng.integers(0, n, size), rng.integers(0, n // 10, size)
    return [
        Interaction(f"a{s}", f"a{d}", MENTION, at + timedelta(seconds=int(i)))
        for i, (s, d) in enumerate(zip(src, dst, strict=True))
    ]


def _recomputed(
    graph: InteractionGraph, watch: WatchInfluence, tolerance: float
) -> tuple[np.ndarray, Convergence]:
    fresh = WatchInfluence(InfluenceConfig(tolerance=tolerance))
    fresh.activate(graph, graph.authors.keys_of(watch.active))
    report = fresh.recompute(graph)
    return fresh.shares(len(graph)), report


def _exact(graph: InteractionGraph, watch: WatchInfluence) -> np.ndarray:
    return _recomputed(graph, watch, 1e-12)[0]


def test_incremental_updates_stay_within_the_tolerance_of_a_full_recompute() -> None:
    graph, rng = random_graph(3000, 30_000)
    watch = _watch(graph, [f"a{i}" for i in rng.choice(3000, 300, replace=False)])
    for _ in range(3):
        before = watch.shares(len(graph)).copy()
        change = graph.add(_batch(3000, 300, rng))
        report = watch.update(graph, change)
        exact = _exact(graph, watch)
        assert report.bound <= TOLERANCE
        assert np.abs(watch.shares(len(graph)) - exact).sum() <= TOLERANCE
        # The batch moved the shares by far more than the tolerance: the check has teeth.
        assert np.abs(before - exact).sum() > 1000 * TOLERANCE
        # ... and the update cost less than half of a recompute to the same tolerance.
        assert report.edges_touched < _recomputed(graph, watch, TOLERANCE)[1].edges_touched / 2


def test_new_authors_in_the_watch_are_added_incrementally() -> None:
    graph, _ = random_graph(2000, 20_000)
    watch = _watch(graph, ["a1", "a2"])
    watch.activate(graph, ["a3", "newcomer"])
    watch.update(graph)
    assert np.abs(watch.shares(len(graph)) - _exact(graph, watch)).sum() <= TOLERANCE


def test_a_state_that_missed_a_change_refuses_to_update() -> None:
    graph = _critic_graph()
    watch = _watch(graph, ["fan0"])
    graph.add([Interaction("fan1", "critic", REPOST, T0)])
    second = graph.add([Interaction("fan2", "critic", REPOST, T0)])
    with pytest.raises(ValueError, match="missed"):
        watch.update(graph, second)
    with pytest.raises(ValueError, match="recompute"):
        watch.update(graph)


def test_state_survives_pickling_and_keeps_updating() -> None:
    graph, rng = random_graph(2000, 20_000)
    watch = _watch(graph, [f"a{i}" for i in range(0, 2000, 7)])
    graph_copy, watch_copy = pickle.loads(pickle.dumps((graph, watch)))
    np.testing.assert_array_equal(watch_copy.shares(), watch.shares())
    batch = _batch(2000, 200, rng)
    watch.update(graph, graph.add(batch))
    watch_copy.update(graph_copy, graph_copy.add(batch))
    np.testing.assert_allclose(watch_copy.shares(), watch.shares(), rtol=0, atol=1e-15)


def test_recent_interactions_outweigh_old_ones() -> None:
    def shares(half_life: timedelta) -> tuple[float, float]:
        graph = InteractionGraph(half_life=half_life)
        graph.add([Interaction("fan", "old", REPOST, T0)])
        graph.add([Interaction("fan", "new", REPOST, T0 + timedelta(days=28))])
        watch = _watch(graph, ["fan"])
        share = watch.shares(len(graph))
        return float(share[graph.authors.id_of("old")]), float(share[graph.authors.id_of("new")])

    old, new = shares(timedelta(days=7))  # four half-lives: 1/16 of the weight
    assert new == pytest.approx(16 * old)
    old, new = shares(timedelta(days=7000))
    assert new == pytest.approx(old, rel=1e-2)


def test_rising_voices_finds_the_author_the_conversation_just_turned_to() -> None:
    graph = _critic_graph()
    active = ["critic", *(f"fan{n}" for n in range(30))]
    watch = _watch(graph, active)
    before = InfluenceSnapshot(T0, watch.influence(graph))
    later = T0 + timedelta(days=2)
    change = graph.add(Interaction(f"fan{n}", "newcomer", REPOST, later) for n in range(12))
    watch.update(graph, change)
    after = InfluenceSnapshot(later, watch.influence(graph))
    rising = rising_voices(before, after, graph.authors, limit=3)
    assert rising[0].key == "newcomer"
    assert rising[0].before == 0 and rising[0].after > 0 and rising[0].growth > 1
    assert "critic" not in [voice.key for voice in rising]  # its fans turned elsewhere
    assert rising_voices(after, after, graph.authors) == []


def test_public_names_are_sorted_and_exported() -> None:
    import tocsin.people as people

    assert people.__all__ == sorted(people.__all__, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(people, name) for name in people.__all__)


def test_after_a_compaction_states_must_recompute() -> None:
    graph = _critic_graph()
    watch = _watch(graph, ["fan0", "fan1"])
    graph.compact(T0 + timedelta(days=1))
    with pytest.raises(ValueError, match="recompute"):
        watch.update(graph)
    watch.recompute(graph)
    assert _ranked(graph, watch)[0] == "critic"


def test_edges_faded_to_zero_leave_no_nan() -> None:
    graph = InteractionGraph(half_life=timedelta(hours=1))
    graph.add([Interaction("fan", "old", REPOST, T0)])
    watch = _watch(graph, ["fan"])
    change = graph.add([Interaction("other", "new", REPOST, T0 + timedelta(days=90))])
    watch.update(graph, change)  # the rebase faded fan -> old below the smallest float
    watch.recompute(graph)
    assert np.isfinite(watch.shares()).all()
    assert _ranked(graph, watch) == ["fan"]
