"""Per-watch per-minute rollups, computed from what a write actually changed.

Pure: both store implementations call it inside their write transaction, so a rollup moves only
when the mention row it counts is inserted, moved to another minute or re-matched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

#: The pseudo-watch that counts every mention, matched or not.
ALL = "*"


class Change(NamedTuple):  # a tuple: built once per written post, so it must be cheap
    """One mention's state before (``None`` if new) and after a write."""

    before: tuple[int, tuple[str, ...]] | None  # (minute, watch ids)
    after: tuple[int, tuple[str, ...]]


def rollup_deltas(changes: Iterable[Change]) -> Counter[tuple[str, int]]:
    """Volume to add per (watch id, minute since epoch); zero entries are dropped."""
    deltas: Counter[tuple[str, int]] = Counter()
    for change in changes:
        if change.before is not None:
            minute, watches = change.before
            deltas[(ALL, minute)] -= 1
            for w in watches:
                deltas[(w, minute)] -= 1
        minute, watches = change.after
        deltas[(ALL, minute)] += 1
        for w in watches:
            deltas[(w, minute)] += 1
    return Counter({k: v for k, v in deltas.items() if v})
