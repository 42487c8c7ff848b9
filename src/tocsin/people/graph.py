"""The conversation graph: an edge from the author who interacts to the author interacted with.

Weights fade with a half-life. A weight is stored relative to a reference time,
``kind_weight * 2 ** ((t - reference) / half_life)``, so time passing rewrites nothing: the
weight at any moment is the stored one times the same factor for every edge. PageRank only sees
each author's out-weights divided by their sum, so that common factor changes no rank either;
what recency changes is the balance between an author's old and new interactions. When new
interactions run far ahead of the reference, every weight is rescaled once (a rebase) so that
floats never overflow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from tocsin.people._edges import Edges, FloatArray, IntArray
from tocsin.people.authors import AuthorIndex
from tocsin.people.interactions import KIND_WEIGHTS, Interaction, InteractionKind

DEFAULT_HALF_LIFE = timedelta(days=7)
#: Rebase when stored weights would exceed 2**REBASE_EXPONENT (floats overflow at 2**1024).
REBASE_EXPONENT = 256.0
#: Pending edges are merged into the sorted base once they exceed this share of it.
MERGE_SHARE = 1 / 32
MERGE_MIN = 65_536


@dataclass(frozen=True, slots=True)
class GraphChange:
    """What one ``InteractionGraph.add`` changed, for the influence states to catch up.

    ``sources`` are the authors whose out-edges changed, with their out-weight before and after
    (both in the graph's current scale); ``src``/``dst``/``weight`` are the edges just added.
    """

    version: int
    sources: IntArray
    old_strength: FloatArray
    new_strength: FloatArray
    src: IntArray
    dst: IntArray
    weight: FloatArray


class InteractionGraph:
    """Interactions between authors (opaque keys), weighted by kind and faded by recency."""

    def __init__(
        self,
        half_life: timedelta = DEFAULT_HALF_LIFE,
        kind_weights: Mapping[InteractionKind, float] = KIND_WEIGHTS,
    ) -> None:
        if half_life <= timedelta(0):
            raise ValueError("the half-life must be positive")
        self.authors = AuthorIndex()
        self.half_life = half_life
        self.kind_weights = dict(kind_weights)
        self.version = 0
        self._half_life_s = half_life.total_seconds()
        self._reference: float | None = None  # epoch seconds at which stored weights are exact
        self._followers = np.zeros(0, np.float64)
        self._strength = np.zeros(0, np.float64)  # sum of out-weights, stored scale
        self._base = Edges.empty()
        self._pending = Edges.empty()  # recent edges, merged into the base now and then
        self._coef_cache: tuple[int, FloatArray, FloatArray] | None = None

    # -- size ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.authors)

    @property
    def n_edges(self) -> int:
        return len(self._base) + len(self._pending)

    def _grow(self) -> None:
        n = len(self.authors)
        if len(self._strength) < n:
            capacity = max(n, 2 * len(self._strength), 1024)
            self._strength = _padded(self._strength, capacity)
            self._followers = _padded(self._followers, capacity)

    # -- reach ----------------------------------------------------------------------------------
    def observe(self, key: str, followers: int | None) -> int:
        """Register an author and their latest follower count (``None``: unknown, kept)."""
        author = self.authors.id_of(key)
        self._grow()
        if followers is not None:
            self._followers[author] = max(followers, 0)
        return author

    def register(self, keys: Iterable[str]) -> IntArray:
        """The ids of ``keys``, registering new authors (with unknown followers)."""
        ids = self.authors.ids_of(keys)
        self._grow()
        return ids

    def observe_ids(self, ids: npt.ArrayLike, followers: npt.ArrayLike) -> None:
        """Vectorised ``observe`` for authors already registered."""
        self._grow()
        self._followers[np.asarray(ids, np.int64)] = np.maximum(np.asarray(followers), 0)

    def reach(self) -> FloatArray:
        """``1 + ln(1 + followers)`` per author id: reach on a log scale, 1 when unknown."""
        return 1.0 + np.log1p(self._followers[: len(self.authors)])

    def followers(self) -> FloatArray:
        return self._followers[: len(self.authors)]

    # -- adding interactions --------------------------------------------------------------------
    def add(self, interactions: Iterable[Interaction]) -> GraphChange:
        """Add a batch; pass the returned change to every ``WatchInfluence.update``."""
        batch = list(interactions)
        src = self.register(i.source for i in batch)
        dst = self.register(i.target for i in batch)
        kind = np.array([self.kind_weights[i.kind] for i in batch], np.float64)
        at = np.array([i.at.timestamp() for i in batch], np.float64)
        return self.add_ids(src, dst, kind, at)

    def add_ids(
        self,
        src: npt.ArrayLike,
        dst: npt.ArrayLike,
        kind_weight: npt.ArrayLike,
        at: npt.ArrayLike,
    ) -> GraphChange:
        """Add edges between registered ids; ``at`` in seconds since the epoch."""
        src_a = np.asarray(src, np.int64)
        dst_a = np.asarray(dst, np.int64)
        at_a = np.asarray(at, np.float64)
        n = len(self.authors)
        if len(src_a) and not (
            0 <= min(src_a.min(), dst_a.min()) <= max(src_a.max(), dst_a.max()) < n
        ):
            raise ValueError("an edge names an author id that is not registered")
        self._grow()
        if len(at_a):
            self._rebase_for(float(at_a.max()))
        weight = np.asarray(kind_weight, np.float64) * self._stored_factor(at_a)
        keep = (weight > 0) & (src_a != dst_a)
        src_a, dst_a, weight = src_a[keep], dst_a[keep], weight[keep]

        sources = np.unique(src_a)
        old_strength = self._strength[sources].copy()
        np.add.at(self._strength, src_a, weight)
        new_strength = self._strength[sources].copy()

        pending = Edges.from_coo(
            np.concatenate([self._pending.src, src_a]),
            np.concatenate([self._pending.dst, dst_a]),
            np.concatenate([self._pending.weight, weight]),
            n,
        )
        if len(pending) > max(MERGE_MIN, MERGE_SHARE * len(self._base)):
            merged = self._base.concat(pending, n) if len(self._base) else pending
            self._base, self._pending = merged, Edges.empty()
        else:
            self._pending = pending
        self.version += 1
        self._coef_cache = None
        return GraphChange(self.version, sources, old_strength, new_strength, src_a, dst_a, weight)

    def compact(self, at: datetime, min_weight: float = 1e-3) -> int:
        """Merge repeated edges and drop those whose weight at ``at`` is below ``min_weight``
        (1e-3: a repost about ten half-lives old); returns the number of edges removed.

        Dropping edges moves the transition probabilities a little, so every influence state
        must ``recompute`` afterwards (``update`` refuses). Run it off-peak, e.g. nightly.
        """
        n = len(self.authors)
        before = self.n_edges
        edges = self._base.concat(self._pending, n)
        pair = edges.src.astype(np.int64) * n + edges.dst
        unique, inverse = np.unique(pair, return_inverse=True)
        weight = np.bincount(inverse, weights=edges.weight)
        elapsed = at.astimezone(UTC).timestamp() - (self._reference or 0.0)
        keep = weight * np.exp2(-elapsed / self._half_life_s) >= min_weight
        src, dst = unique[keep] // n, unique[keep] % n
        self._base, self._pending = Edges.from_coo(src, dst, weight[keep], n), Edges.empty()
        self._strength[:n] = np.bincount(src, weights=weight[keep], minlength=n)
        self.version += 1
        self._coef_cache = None
        return before - self.n_edges

    # -- decay ----------------------------------------------------------------------------------
    def _stored_factor(self, at: FloatArray) -> FloatArray:
        reference = self._reference if self._reference is not None else 0.0  # None: empty batch
        return np.exp2((at - reference) / self._half_life_s)

    def _rebase_for(self, latest: float) -> None:
        if self._reference is None:
            self._reference = latest
            return
        if (latest - self._reference) / self._half_life_s <= REBASE_EXPONENT:
            return
        # One multiplication of every weight by the same factor: no rank moves.
        factor = float(np.exp2((self._reference - latest) / self._half_life_s))
        self._reference = latest
        for edges in (self._base, self._pending):
            edges.weight *= factor
        self._strength *= factor

    def weight(self, source: str, target: str, at: datetime) -> float:
        """The faded weight of everything ``source`` addressed to ``target``, seen at ``at``."""
        s, t = self.authors.get(source), self.authors.get(target)
        if s is None or t is None or self._reference is None:
            return 0.0
        nodes = np.array([s], np.int64)
        total = 0.0
        for edges in (self._base, self._pending):
            _, index = edges.out_edges(nodes)
            total += float(edges.weight[index][edges.dst[index] == t].sum())
        elapsed = at.astimezone(UTC).timestamp() - self._reference
        return total * float(np.exp2(-elapsed / self._half_life_s))

    # -- what PageRank reads --------------------------------------------------------------------
    def strength(self) -> FloatArray:
        """Sum of out-weights per author id (stored scale); 0 for authors who never interact."""
        return self._strength[: len(self.authors)]

    def edge_blocks(self) -> list[tuple[Edges, FloatArray]]:
        """Every edge with its transition probability ``weight / strength[source]``."""
        if self._coef_cache is None or self._coef_cache[0] != self.version:
            base, pending = (self._transition(edges) for edges in (self._base, self._pending))
            self._coef_cache = (self.version, base, pending)
        _, base_coef, pending_coef = self._coef_cache
        return [(self._base, base_coef), (self._pending, pending_coef)]

    def _transition(self, edges: Edges) -> FloatArray:
        strength = self._strength[edges.src]
        # A strength of 0 only comes from weights faded below the smallest float: no move.
        return np.divide(edges.weight, strength, out=np.zeros_like(strength), where=strength > 0)

    def out_edges(self, nodes: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
        """The out-edges of ``nodes``: (position of the source in ``nodes``, target, weight)."""
        owners, targets, weights = [], [], []
        for edges in (self._base, self._pending):
            owner, index = edges.out_edges(nodes)
            owners.append(owner)
            targets.append(edges.dst[index].astype(np.int64))
            weights.append(edges.weight[index])
        return np.concatenate(owners), np.concatenate(targets), np.concatenate(weights)

    def __getstate__(self) -> dict[str, object]:
        state = {slot: getattr(self, slot) for slot in vars(self)}
        state["_coef_cache"] = None  # derived, and as large as the edges
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        vars(self).update(state)


def _padded(values: FloatArray, capacity: int) -> FloatArray:
    out = np.zeros(capacity, values.dtype)
    out[: len(values)] = values
    return out
