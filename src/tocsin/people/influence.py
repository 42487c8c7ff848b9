"""Influence per watch: personalised PageRank over the conversation graph, combined with reach.

The walk starts at the authors active in the watch, each in proportion to their reach
(``1 + ln(1 + followers)``), follows interactions with probability ``damping`` (an author's
out-weights divided by their sum) and otherwise restarts. An author who interacts with nobody
sends the walk back to the start, so PageRank is the normalised solution of the linear system

    (I - damping * P^T) x = (1 - damping) * p

and the state keeps ``x`` with its residual ``r = (1 - damping) p - (I - damping P^T) x``.
Because the inverse has L1 norm at most ``1 / (1 - damping)``, the exact solution is within
``|r|_1 / (1 - damping)`` of ``x`` in L1, hence the published shares (``x / sum(x)``) are within

    2 * |r|_1 / ((1 - damping) * sum(x))                               (the certified bound)

of the exact shares in L1, and so in every single share. Both the full recompute and the
incremental update stop only when this bound is at most ``tolerance``.

Full recompute: ``x = 0, r = (1 - d) p``, then sweeps ``x += r; r = d P^T r`` (power iteration).
Incremental update: new interactions change the out-distribution of their authors only; the
residual takes the exact correction ``d (P'^T - P^T) x`` on those columns, then residual is
pushed (``x_u += r_u``, ``r_v += d r_u P_uv``) from the authors holding the largest residual
first, as in Andersen, Chung and Lang's local push, vectorised; when most authors hold some,
a whole sweep is cheaper and is used instead. Either way the bound above is met at the end.

Influence combines the conversation with reach: ``share ** (1 - beta) * reach ** beta``.
``beta = 0`` ranks by the conversation only, ``beta = 1`` by followers only (what commercial
tools do); the default 0.3 lets a large audience count without letting an account nobody
interacts with outrank one the conversation turns to.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tocsin.people._edges import FloatArray, IntArray
from tocsin.people.graph import GraphChange, InteractionGraph

#: A push round takes the authors holding at least this fraction of the largest residual.
PUSH_FRACTION = 1 / 512
#: A push round touching more edges than this share of the graph becomes a whole sweep.
SWEEP_SHARE = 0.25
#: A safety net: a state whose invariant broke would otherwise loop; the bound reports it.
MAX_ROUNDS = 10_000


@dataclass(frozen=True, slots=True)
class InfluenceConfig:
    damping: float = 0.85
    tolerance: float = 1e-6  # certified L1 bound on the shares (which sum to 1)
    reach_weight: float = 0.3  # beta in share ** (1 - beta) * reach ** beta

    def __post_init__(self) -> None:
        if not 0 < self.damping < 1:
            raise ValueError("damping must be in (0, 1)")
        if self.tolerance <= 0:
            raise ValueError("tolerance must be positive")
        if not 0 <= self.reach_weight <= 1:
            raise ValueError("reach_weight must be in [0, 1]")


@dataclass(frozen=True, slots=True)
class Convergence:
    """How one recompute or update went: ``bound`` is the certified L1 error of the shares."""

    sweeps: int
    pushes: int
    edges_touched: int
    bound: float
    seconds: float


@dataclass(frozen=True, slots=True)
class Influencer:
    key: str
    influence: float
    share: float
    followers: float


class WatchInfluence:
    """The influence of every author for one watch, kept current as interactions arrive.

    Apply every ``GraphChange`` as it is returned, in order (``update``): the correction reads
    the graph as it stands just after that change.
    """

    def __init__(self, config: InfluenceConfig | None = None) -> None:
        self.config = config or InfluenceConfig()
        self.graph_version = -1  # not computed yet
        self._x = np.zeros(0, np.float64)
        self._r = np.zeros(0, np.float64)
        self._p = np.zeros(0, np.float64)

    # -- personalisation ------------------------------------------------------------------------
    def activate(self, graph: InteractionGraph, keys: Iterable[str]) -> None:
        """Authors active in the watch become starting points, weighted by their reach.

        Already active authors keep their weight. Call ``update`` (or ``recompute``) after."""
        ids = np.unique(graph.register(keys))
        self._fit(len(graph))
        new = ids[self._p[ids] == 0]
        weight = graph.reach()[new]
        self._p[new] = weight
        self._r[new] += (1 - self.config.damping) * weight

    def reweight(self, graph: InteractionGraph, ids: npt.ArrayLike) -> None:
        """Active authors among ``ids`` take their current reach as starting weight (their
        follower count changed since they were activated). Exact: the residual takes
        ``(1 - damping) * (new - old)``. Call ``update`` (or ``recompute``) after."""
        ids_a = np.unique(np.asarray(ids, np.int64))
        self._fit(len(graph))
        ids_a = ids_a[self._p[ids_a] > 0]
        weight = graph.reach()[ids_a]
        self._r[ids_a] += (1 - self.config.damping) * (weight - self._p[ids_a])
        self._p[ids_a] = weight

    @property
    def active(self) -> IntArray:
        return np.flatnonzero(self._p)

    # -- solving --------------------------------------------------------------------------------
    def recompute(self, graph: InteractionGraph) -> Convergence:
        """From scratch: power iteration until the certified bound meets the tolerance."""
        started = time.perf_counter()
        self._fit(len(graph))
        self._x[:] = 0
        self._r[:] = (1 - self.config.damping) * self._p
        self.graph_version = graph.version
        sweeps = 0
        while self.bound() > self.config.tolerance and sweeps < MAX_ROUNDS:
            self._sweep(graph)
            sweeps += 1
        return Convergence(
            sweeps, 0, sweeps * graph.n_edges, self.bound(), time.perf_counter() - started
        )

    def update(self, graph: InteractionGraph, change: GraphChange | None = None) -> Convergence:
        """Catch up with ``change`` (the latest ``graph.add``) and newly active authors."""
        started = time.perf_counter()
        if self.graph_version < 0:
            raise ValueError("recompute once before updating")
        self._fit(len(graph))
        if change is not None:
            if not change.version == graph.version == self.graph_version + 1:
                raise ValueError("this state missed a graph change: recompute it")
            self._correct(graph, change)
            self.graph_version = change.version
        elif graph.version != self.graph_version:
            raise ValueError("the graph changed: pass its GraphChange, or recompute")
        sweeps = pushes = touched = 0
        total = float(self._x.sum())  # kept up to date below: a full sum per round costs N
        while sweeps + pushes < MAX_ROUNDS:
            magnitude = np.abs(self._r)
            if self._bound(float(magnitude.sum()), total) <= self.config.tolerance:
                break
            frontier = np.flatnonzero(magnitude >= PUSH_FRACTION * magnitude.max())
            blocks = [
                (edges, coef, *edges.out_degree(frontier)) for edges, coef in graph.edge_blocks()
            ]
            reached = sum(int(counts.sum()) for *_, counts in blocks)
            if reached > SWEEP_SHARE * graph.n_edges:
                self._sweep(graph)
                total = float(self._x.sum())
                sweeps += 1
                touched += graph.n_edges
                continue
            pushed = self._r[frontier]
            self._x[frontier] += pushed
            total += float(pushed.sum())
            self._r[frontier] = 0
            for edges, coef, starts, counts in blocks:
                index = edges.edge_index(starts, counts)
                spread = np.repeat(self.config.damping * pushed, counts) * coef[index]
                self._scatter(edges.dst[index], spread)
            pushes += 1
            touched += reached
        return Convergence(sweeps, pushes, touched, self.bound(), time.perf_counter() - started)

    def _scatter(self, target: npt.NDArray[np.integer[Any]], amount: FloatArray) -> None:
        """``r[target] += amount`` with repeats adding up."""
        if len(target) < len(self._r) // 8:
            np.add.at(self._r, target, amount)  # cheaper than a dense bincount when small
        else:
            self._r += np.bincount(target, weights=amount, minlength=len(self._r))

    def bound(self) -> float:
        """Certified L1 distance between ``shares()`` and the exact PageRank shares."""
        return self._bound(float(np.abs(self._r).sum()), float(self._x.sum()))

    def _bound(self, residual: float, total: float) -> float:
        if residual == 0:
            return 0.0
        if total <= 0:
            return float("inf")
        return 2 * residual / ((1 - self.config.damping) * total)

    def _sweep(self, graph: InteractionGraph) -> None:
        """One power-iteration step in residual form: ``x += r; r = d P^T r``."""
        residual = self._r
        self._x += residual
        spread = np.zeros_like(residual)
        for edges, coef in graph.edge_blocks():
            spread += np.bincount(
                edges.dst, weights=residual[edges.src] * coef, minlength=len(residual)
            )
        spread *= self.config.damping
        self._r = spread

    def _correct(self, graph: InteractionGraph, change: GraphChange) -> None:
        """``r += d (P'^T - P^T) x`` over the columns of the authors whose edges changed.

        For such an author, the new out-distribution minus the old one is
        ``current_edges / W_new - (current_edges - new_edges) / W_old`` (old part 0 if W_old 0).
        """
        sources, old, new = change.sources, change.old_strength, change.new_strength
        inv_old = np.divide(1.0, old, out=np.zeros_like(old), where=old > 0)
        d_x = self.config.damping * self._x[sources]
        owner, target, weight = graph.out_edges(sources)
        self._scatter(target, d_x[owner] * (1.0 / new[owner] - inv_old[owner]) * weight)
        position = np.searchsorted(sources, change.src)
        self._scatter(change.dst, d_x[position] * inv_old[position] * change.weight)

    def _fit(self, n: int) -> None:
        if len(self._x) < n:
            capacity = max(n, 2 * len(self._x), 1024)
            self._x, self._r, self._p = (_grown(a, capacity) for a in (self._x, self._r, self._p))

    # -- results --------------------------------------------------------------------------------
    def shares(self, n: int | None = None) -> FloatArray:
        """PageRank share per author id (sums to 1 over the authors reached)."""
        x = self._x if n is None else _grown(self._x, n)[:n]
        total = float(x.sum())
        return x / total if total > 0 else np.zeros_like(x)

    def influence(self, graph: InteractionGraph) -> FloatArray:
        """``share ** (1 - beta) * reach ** beta`` per author id; 0 for authors never reached."""
        beta = self.config.reach_weight
        share = self.shares(len(graph))
        return np.where(share > 0, share ** (1 - beta) * graph.reach() ** beta, 0.0)

    def top(self, graph: InteractionGraph, limit: int = 20) -> list[Influencer]:
        score = self.influence(graph)
        limit = min(limit, int(np.count_nonzero(score)))
        if limit == 0:
            return []
        best = np.argpartition(-score, limit - 1)[:limit]
        best = best[np.argsort(-score[best], kind="stable")]
        share, followers = self.shares(len(graph)), graph.followers()
        return [
            Influencer(
                graph.authors.key(int(i)), float(score[i]), float(share[i]), float(followers[i])
            )
            for i in best
        ]


def _grown(values: FloatArray, capacity: int) -> FloatArray:
    out = np.zeros(capacity, np.float64)
    out[: min(len(values), capacity)] = values[:capacity]
    return out
