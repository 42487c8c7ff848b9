"""A sequence view: which value usually follows the last few values.

Magnitude views see a value far from its forecast or among the series' extremes; they miss a
change of *pattern* made of ordinary values: spikes that come twice as often, a quiet spell where
spikes were expected, a ramp where the series used to jump. This memory, in the spirit of the
contextual anomaly detectors (CAD OSE) and of variable-order Markov models, sees them.

- Each value is *quantised* into one of ``levels`` levels by its rank among the values the series
  has taken (quantiles: the levels stay meaningful whatever the unit or the skew).
- A *context* is the sequence of the last ``k`` levels, for ``k = 0 .. order``. For each context
  the memory counts which level came next (Krichevsky-Trofimov estimate, +0.5 per level).
- The *loss* of a value is ``-log10 P(its level | the longest context seen at least
  ``min_support`` times)``: a level that usually follows costs little, a new turn costs a lot.

The detector averages the loss over a few buckets and calibrates that average on the series' own
history like its other views, so a series that is always erratic stops alarming on its usual
erraticism. Counts are halved once a context has been followed ``cap`` times, so an old habit
fades as a new one is learned. The memory learns only from what the detector learns (anomalies
are not learned); its state is a dict of small int lists and a few ints, so it pickles.
"""

from __future__ import annotations

import bisect
import math
from collections import deque

from tocsin.detect._stats import SortedWindow


class ContextMemory:
    """Counts of the next level after each context of up to ``order`` levels."""

    __slots__ = ("cap", "codes", "counts", "levels", "min_support", "order", "recent")

    def __init__(self, levels: int = 8, order: int = 3, min_support: int = 2, cap: int = 256):
        if levels < 2 or order < 0 or min_support < 1 or cap < 2:
            raise ValueError("levels >= 2, order >= 0, min_support >= 1 and cap >= 2")
        self.levels = levels
        self.order = order
        self.min_support = min_support
        self.cap = cap
        self.counts: dict[int, list[int]] = {}  # context code -> [count per next level, total]
        self.recent: deque[int] = deque(maxlen=max(order, 1))  # last levels, newest last
        self.codes = [0]  # the contexts the recent levels make (kept with them)

    def level(self, values: SortedWindow, x: float) -> int:
        """The quantile level of ``x`` among ``values`` (mid-rank, so ties share a level)."""
        s = values.sorted
        n = len(s)
        if n == 0:
            return self.levels // 2
        rank = 0.5 * (bisect.bisect_left(s, x) + bisect.bisect_right(s, x)) / n
        return min(self.levels - 1, int(rank * self.levels))

    def _codes(self) -> list[int]:
        """Codes of the contexts of length 0 .. order ending at the newest level (shortest
        first); a context longer than what was seen since the start is left out."""
        codes = [0]
        code, base = 0, 1
        recent = self.recent
        for k in range(1, min(self.order, len(recent)) + 1):
            code += (recent[-k] + 1) * base
            base *= self.levels + 1
            codes.append(code * (self.order + 1) + k)
        return codes

    def loss(self, level: int) -> float:
        """``-log10`` of the probability of ``level`` after the recent levels."""
        for code in reversed(self.codes):
            row = self.counts.get(code)
            if row is not None and row[-1] >= self.min_support:
                return -math.log10((row[level] + 0.5) / (row[-1] + 0.5 * self.levels))
        return math.log10(self.levels)  # nothing learned yet: every level alike

    def learn(self, level: int) -> None:
        """Count ``level`` after every context of the recent levels."""
        for code in self.codes:
            row = self.counts.get(code)
            if row is None:
                row = self.counts[code] = [0] * (self.levels + 1)
            row[level] += 1
            row[-1] += 1
            if row[-1] >= self.cap:
                for i in range(self.levels):
                    row[i] //= 2
                row[-1] = sum(row[: self.levels])

    def push(self, level: int) -> None:
        """Move the context on by one bucket (learned or not: the context is what happened)."""
        self.recent.append(level)
        self.codes = self._codes()
