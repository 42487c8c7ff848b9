"""Windows, and the statistics computed over them, kept apart (as in River's ``utils``).

A window owns a buffer and nothing else; a statistic learns with ``update(x)`` and is read
with ``get()``. A statistic that can also forget a value (``revert(x)``) can be wrapped in a
:class:`Rolling` window; :class:`SortedWindow` keeps its values in order so that upper tails
(:func:`tail_surprise`) are read in logarithmic time. Everything here is plain Python state
(floats, ``array('d')``, ``deque``): it pickles and deep-copies.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections import deque
from typing import Protocol


class Statistic(Protocol):
    def update(self, x: float) -> None: ...

    def get(self) -> float: ...


class Revertible(Statistic, Protocol):
    def revert(self, x: float) -> None: ...


def alpha_for(halflife: float) -> float:
    """Smoothing factor of an exponential average whose weights halve every ``halflife`` steps."""
    if not halflife > 0:
        raise ValueError("halflife must be positive")
    return 1.0 - 0.5 ** (1.0 / halflife)


class Mean:
    """Arithmetic mean that can forget values (for :class:`Rolling`)."""

    __slots__ = ("mean", "n")

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0

    def update(self, x: float) -> None:
        self.n += 1
        self.mean += (x - self.mean) / self.n

    def revert(self, x: float) -> None:
        self.n -= 1
        self.mean = 0.0 if self.n == 0 else self.mean - (x - self.mean) / self.n

    def get(self) -> float:
        return self.mean


class Var:
    """Sample variance (Welford) that can forget values (for :class:`Rolling`)."""

    __slots__ = ("m2", "mean", "n")

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0

    def update(self, x: float) -> None:
        self.n += 1
        d = x - self.mean
        self.mean += d / self.n
        self.m2 += d * (x - self.mean)

    def revert(self, x: float) -> None:
        if self.n <= 1:
            self.n, self.mean, self.m2 = 0, 0.0, 0.0
            return
        d = x - self.mean
        self.n -= 1
        self.mean -= d / self.n
        self.m2 = max(0.0, self.m2 - d * (x - self.mean))

    def get(self) -> float:
        return self.m2 / (self.n - 1) if self.n > 1 else 0.0


class Rolling:
    """The last ``size`` values fed to a revertible statistic: the window is the buffer, the
    statistic does the arithmetic (``Rolling(Mean(), 12)``, ``Rolling(Var(), 288)``)."""

    __slots__ = ("size", "stat", "window")

    def __init__(self, stat: Revertible, size: int) -> None:
        if size < 1:
            raise ValueError("window size must be at least 1")
        self.stat = stat
        self.size = size
        self.window: deque[float] = deque()

    def update(self, x: float) -> None:
        self.window.append(x)
        self.stat.update(x)
        if len(self.window) > self.size:
            self.stat.revert(self.window.popleft())

    def get(self) -> float:
        return self.stat.get()

    def __len__(self) -> int:
        return len(self.window)


class SortedWindow:
    """The last ``size`` values, also kept sorted. Two ``array('d')`` buffers: 16 bytes a
    value, so a window of 25,000 values weighs 400 kB."""

    __slots__ = ("order", "size", "sorted", "start")

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("window size must be at least 1")
        self.size = size
        self.order = array("d")  # arrival order, a ring once full
        self.start = 0  # index of the oldest value in ``order``
        self.sorted = array("d")

    def update(self, x: float) -> None:
        if len(self.order) < self.size:
            self.order.append(x)
        else:
            old = self.order[self.start]
            self.order[self.start] = x
            self.start = (self.start + 1) % self.size
            del self.sorted[bisect.bisect_left(self.sorted, old)]
        bisect.insort(self.sorted, x)

    def __len__(self) -> int:
        return len(self.sorted)


def tail_surprise(
    window: SortedWindow,
    x: float,
    tail: float = 0.02,
    lower: bool = False,
    resolution: float = 0.0,
) -> float:
    """``-log10`` of how often the window holds values at least ``x`` (at most ``x`` if
    ``lower``). Within the bulk this is the empirical frequency; beyond the top ``tail`` share
    the tail is extrapolated as an exponential whose scale is the mean excess of that share over
    its threshold (peaks over threshold), so a value far beyond anything seen keeps growing in
    surprise instead of stopping at ``log10(n)``. ``resolution``, the smallest difference the
    data can show (1 for counts), is the least scale of that tail."""
    values = window.sorted
    n = len(values)
    if n == 0:
        return 0.0
    k = min(n, max(5, math.ceil(tail * n)))
    if lower:
        top = [-v for v in values[:k]]
        count = bisect.bisect_right(values, x)
        x, median = -x, -values[n // 2]
    else:
        top = list(values[n - k :])
        count = n - bisect.bisect_left(values, x)
        median = values[n // 2]
    u = min(top)
    if x <= u:
        return -math.log10(max(count, 1) / n)
    # Ties at the top (a capped, quantised or count series) would make the tail infinitely
    # thin: the scale is at least the data's resolution and a twentieth of the distance from
    # the median to the tail threshold.
    scale = max(sum(top) / k - u, 0.05 * abs(u - median), resolution, 1e-12)
    return -math.log10(k / n) + (x - u) / (scale * math.log(10.0))


def is_count(x: float) -> bool:
    """A non-negative whole number: a count of posts, not a measurement."""
    return x >= 0.0 and math.isfinite(x) and x == math.floor(x)
