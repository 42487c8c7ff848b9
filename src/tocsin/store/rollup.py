"""Per-watch per-minute rollups, computed from what a write actually changed.

Pure: both store implementations call it inside their write transaction, so a rollup moves only
when the mention row it counts is inserted, moved to another minute, re-matched or analysed.
A rollup row counts volume and, among the analysed posts, negative / neutral / positive ones
(posts not analysed count in the volume only).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

#: The pseudo-watch that counts every mention, matched or not.
ALL = "*"

#: Position of each sentiment label in a rollup delta ``(volume, negative, neutral, positive)``.
_SLOT = {"negative": 1, "neutral": 2, "positive": 3}

Delta = tuple[int, int, int, int]


class State(NamedTuple):  # tuples: built once per written post, so they must be cheap
    """Where a stored mention counts: its minute, its watches and its sentiment label."""

    minute: int
    watches: tuple[str, ...]
    sentiment: str | None = None


class Change(NamedTuple):
    """One mention's state before (``None`` if new) and after a write."""

    before: State | None
    after: State


def rollup_deltas(changes: Iterable[Change]) -> dict[tuple[str, int], Delta]:
    """``(volume, negative, neutral, positive)`` to add per (watch id, minute since epoch);
    all-zero entries are dropped."""
    deltas: dict[tuple[str, int], list[int]] = {}

    def add(state: State, sign: int) -> None:
        slot = _SLOT.get(state.sentiment) if state.sentiment else None
        for w in (ALL, *state.watches):
            d = deltas.get((w, state.minute))
            if d is None:
                d = deltas[(w, state.minute)] = [0, 0, 0, 0]
            d[0] += sign
            if slot is not None:
                d[slot] += sign

    for change in changes:
        if change.before is not None:
            add(change.before, -1)
        add(change.after, 1)
    return {k: (v[0], v[1], v[2], v[3]) for k, v in deltas.items() if any(v)}
