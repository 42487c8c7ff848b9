"""Seeded repost cascades from a Hawkes process (the model of ``_cascade.py``), and hourly
streams of posts whose negative posts draw such cascades: quiet ones, and planted events."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from tests.detect.posts import post
from tests.detect.streams import HOUR, MONDAY, poisson, rate
from tocsin.domain import Mention


def cascade(
    rng: random.Random, direct: float, n: float, scale: float, cap: int = 5000
) -> list[float]:
    """Repost times (seconds after the post): Poisson(``direct``) direct reposts, each repost
    drawing Poisson(``n``) more, every delay exponential with mean ``scale``."""
    out: list[float] = []
    frontier = [(0.0, direct)]
    while frontier and len(out) < cap:
        s, mean = frontier.pop()
        for _ in range(poisson(rng, mean)):
            c = s + rng.expovariate(1.0 / scale)
            out.append(c)
            frontier.append((c, n))
    return sorted(out)


def reach_stream(
    seed: int,
    hours: int,
    base: float = 20.0,
    events: tuple[tuple[int, str, int, float, float], ...] = (),
) -> list[tuple[datetime, list[Mention]]]:
    """Hourly posts by authors with log-normal audiences (median 300 followers), 10 % negative;
    a third of the negative posts draw a small cascade (2 direct reposts, branching 0.3, 30
    minutes). Each event ``(hour, label, followers, direct, n)`` posts at ``hour`` + 10 minutes
    a post of that sentiment and audience whose cascade has ``direct`` reposts and branching
    ``n`` (timescale one hour)."""
    rng = random.Random(seed)
    buckets: list[list[Mention]] = [[] for _ in range(hours)]

    def spread(root: Mention, times: list[float]) -> None:
        for s in times:
            at = root.created_at + timedelta(seconds=s)
            i = int((at - MONDAY) / HOUR)
            if i < hours:
                buckets[i].append(post("RT", at, label=None, repost_of=root.native_id))

    for i in range(hours):
        t = MONDAY + i * HOUR
        for _ in range(poisson(rng, rate(t, base))):
            audience = int(math.exp(rng.gauss(math.log(300), 1.5)))
            label = "negative" if rng.random() < 0.1 else "neutral"
            m = post(
                "avis", t + timedelta(minutes=rng.uniform(0, 59)), label=label, followers=audience
            )
            buckets[i].append(m)
            if label == "negative" and rng.random() < 1 / 3:
                spread(m, cascade(rng, 2.0, 0.3, 1800.0))
        for hour, label, audience, direct, n in events:
            if hour == i:
                m = post("scandale", t + timedelta(minutes=10), label=label, followers=audience)
                buckets[i].append(m)
                spread(m, cascade(rng, direct, n, 3600.0))
    for b in buckets:
        b.sort(key=lambda m: m.created_at)
    return [(MONDAY + i * HOUR, b) for i, b in enumerate(buckets)]
