"""Edge arrays grouped by source (CSR), and the gather that reads a few sources' out-edges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
NodeArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]


@dataclass(slots=True)
class Edges:
    """Edges sorted by source: those of ``u`` are ``indptr[u]:indptr[u + 1]``.

    Rows past ``len(indptr) - 1`` (authors who arrived later) have no edges. Duplicate
    ``(source, target)`` pairs are allowed: they simply add up.
    """

    indptr: IntArray
    src: NodeArray
    dst: NodeArray
    weight: FloatArray

    @classmethod
    def empty(cls) -> Edges:
        return cls(
            np.zeros(1, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0, np.float64),
        )

    @classmethod
    def from_coo(
        cls, src: npt.ArrayLike, dst: npt.ArrayLike, weight: npt.ArrayLike, n_nodes: int
    ) -> Edges:
        src_a = np.asarray(src, dtype=np.int32)
        order = np.argsort(src_a, kind="stable")
        indptr = np.zeros(n_nodes + 1, np.int64)
        np.cumsum(np.bincount(src_a, minlength=n_nodes), out=indptr[1:])
        return cls(
            indptr,
            src_a[order],
            np.asarray(dst, dtype=np.int32)[order],
            np.asarray(weight, dtype=np.float64)[order],
        )

    def __len__(self) -> int:
        return len(self.src)

    def concat(self, other: Edges, n_nodes: int) -> Edges:
        return Edges.from_coo(
            np.concatenate([self.src, other.src]),
            np.concatenate([self.dst, other.dst]),
            np.concatenate([self.weight, other.weight]),
            n_nodes,
        )

    def out_degree(self, nodes: IntArray) -> tuple[IntArray, IntArray]:
        """(first edge index, number of edges) of each of ``nodes``."""
        n_rows = len(self.indptr) - 1
        if n_rows == 0:
            empty = np.zeros(len(nodes), np.int64)
            return empty, empty
        inside = nodes < n_rows
        rows = np.where(inside, nodes, 0)
        starts = self.indptr[rows]
        return starts, np.where(inside, self.indptr[rows + 1] - starts, 0)

    def edge_index(self, starts: IntArray, counts: IntArray) -> IntArray:
        """The indices of the edges ``starts[i] : starts[i] + counts[i]``, concatenated, without
        a Python loop (the usual repeat/arange trick)."""
        first = np.cumsum(counts) - counts
        return np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(starts - first, counts)

    def out_edges(self, nodes: IntArray) -> tuple[IntArray, IntArray]:
        """For the out-edges of ``nodes``: (position in ``nodes`` of each edge's source, edge
        index)."""
        starts, counts = self.out_degree(nodes)
        owner = np.repeat(np.arange(len(nodes), dtype=np.int64), counts)
        return owner, self.edge_index(starts, counts)
