"""Generated conversations with a known structure, for the people tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np

from tocsin.people import Interaction, InteractionGraph, InteractionKind

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
REPOST, REPLY, MENTION = InteractionKind.REPOST, InteractionKind.REPLY, InteractionKind.MENTION


def planted_critic(prefix: str = "", fans: int = 30, start: int = 0) -> Iterator[Interaction]:
    """``{prefix}critic`` is reposted or replied to by ``fans`` authors, who chat a little among
    themselves (each mentions the next), over one day."""
    for n in range(fans):
        fan = f"{prefix}fan{n}"
        at = T0 + timedelta(minutes=start + 40 * n)
        yield Interaction(fan, f"{prefix}critic", REPOST if n % 3 else REPLY, at)
        yield Interaction(fan, f"{prefix}fan{(n + 1) % fans}", MENTION, at)


def zipf_ids(n: int, exponent: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Ids 0..n-1 drawn with P(rank k) ~ k ** -exponent, ranks shuffled: power-law degrees."""
    cdf = np.cumsum(np.arange(1, n + 1, dtype=np.float64) ** -exponent)
    rank = rng.permutation(n)
    return rank[np.searchsorted(cdf / cdf[-1], rng.random(size))]


def random_graph(n: int, m: int, seed: int = 7) -> tuple[InteractionGraph, np.random.Generator]:
    """``n`` authors ``a0…``, ``m`` interactions over 30 days, power-law in and out degrees."""
    rng = np.random.default_rng(seed)
    graph = InteractionGraph()
    ids = graph.register(f"a{i}" for i in range(n))
    graph.observe_ids(ids, rng.zipf(1.8, n).clip(max=10**7))
    src, dst = zipf_ids(n, 0.7, m, rng), zipf_ids(n, 0.9, m, rng)
    kinds = rng.choice([1.0, 0.8, 0.6, 0.4], m)
    graph.add_ids(src, dst, kinds, T0.timestamp() + rng.uniform(0, 30 * 86400, m))
    return graph, rng
