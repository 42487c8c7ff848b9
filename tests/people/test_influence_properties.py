"""Whatever the graph and the batches, the incremental state stays within the tolerance."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.people.conversations import T0
from tocsin.people import (
    InfluenceConfig,
    Interaction,
    InteractionGraph,
    InteractionKind,
    WatchInfluence,
)

TOLERANCE = 1e-6
AUTHORS = [f"p{i}" for i in range(12)]
edge = st.tuples(
    st.sampled_from(AUTHORS),
    st.sampled_from(AUTHORS),
    st.sampled_from(list(InteractionKind)),
    st.integers(0, 30 * 24),  # hours after T0
)
batch = st.lists(edge, max_size=15)


def _interactions(edges: list[tuple[str, str, InteractionKind, int]]) -> list[Interaction]:
    return [Interaction(s, t, k, T0 + timedelta(hours=h)) for s, t, k, h in edges]


@settings(max_examples=40, deadline=None)
@given(
    first=batch,
    later=st.lists(st.tuples(batch, st.lists(st.sampled_from(AUTHORS), max_size=3)), max_size=4),
    active=st.lists(st.sampled_from(AUTHORS), min_size=1, max_size=6),
)
def test_incremental_matches_a_recompute(
    first: list[tuple[str, str, InteractionKind, int]],
    later: list[tuple[list[tuple[str, str, InteractionKind, int]], list[str]]],
    active: list[str],
) -> None:
    graph = InteractionGraph(half_life=timedelta(days=2))
    graph.observe("p0", 5000)
    graph.add(_interactions(first))
    watch = WatchInfluence(InfluenceConfig(tolerance=TOLERANCE))
    watch.activate(graph, active)
    watch.recompute(graph)
    for edges, newly_active in later:
        change = graph.add(_interactions(edges))
        watch.activate(graph, newly_active)
        assert watch.update(graph, change).bound <= TOLERANCE
    exact = WatchInfluence(InfluenceConfig(tolerance=1e-12))
    exact.activate(graph, graph.authors.keys_of(watch.active))
    exact.recompute(graph)
    difference = np.abs(watch.shares(len(graph)) - exact.shares(len(graph)))
    assert difference.sum() <= TOLERANCE
    assert abs(watch.shares().sum() - 1) < 1e-12
