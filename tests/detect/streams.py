"""Seeded synthetic streams: hourly mention counts with a daily and weekly rhythm."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
HOUR = timedelta(hours=1)


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method (fine for the small rates used here)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def rate(t: datetime, base: float) -> float:
    """Quiet nights, a lunch bump, an evening peak; weekends at 70 %."""
    hour = t.hour + t.minute / 60
    daily = (
        0.25 + 0.55 * math.exp(-((hour - 12.5) ** 2) / 4) + 1.2 * math.exp(-((hour - 20) ** 2) / 6)
    )
    return base * daily * (0.7 if t.weekday() >= 5 else 1.0)


def hourly_counts(
    seed: int,
    hours: int,
    base: float = 20.0,
    surges: tuple[tuple[int, int, float], ...] = (),
) -> list[tuple[datetime, int]]:
    """``hours`` hourly buckets from a Monday; each surge ``(start, length, factor)`` multiplies
    the rate of buckets ``start .. start + length - 1``."""
    rng = random.Random(seed)
    out = []
    for i in range(hours):
        t = MONDAY + i * HOUR
        lam = rate(t, base)
        for start, length, factor in surges:
            if start <= i < start + length:
                lam *= factor
        out.append((t, poisson(rng, lam)))
    return out
