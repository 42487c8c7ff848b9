"""Seeded posts with synthetic 512-d embeddings: recurring topics, one-off posts, and planted
storylines (a new direction that many posts suddenly share)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import numpy as np

from tests.detect.posts import post
from tests.detect.streams import HOUR, MONDAY, poisson, rate
from tocsin.domain import Mention

DIM = 512
TOPICS = (
    "livraison retard colis",
    "application mise jour bug",
    "menu nouveau burger",
    "magasin horaires ouverture",
    "carte fidélité points",
)
STORY = "intoxication salmonelle rappel poulet lot"
SPREAD = 0.6  # noise norm around a direction: cosine 0.86 to it, 0.74 between two posts


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def story_posts(
    seed: int,
    hours: int,
    base: float = 20.0,
    events: tuple[tuple[int, int, float, float], ...] = (),
) -> list[tuple[datetime, list[Mention], np.ndarray]]:
    """Hourly ``(t, mentions, vectors)``: half the posts on one of five recurring ``TOPICS``,
    half one-off (a random direction), 10 % negative. Each event ``(start, length, per_hour,
    negative)`` adds Poisson(``per_hour``) posts about ``STORY`` (a new direction) to each of
    its buckets, negative with chance ``negative``."""
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    centres = [_unit(gen.normal(size=DIM)) for _ in range(len(TOPICS) + 1)]

    def near(c: np.ndarray) -> np.ndarray:
        return _unit(c + SPREAD * gen.normal(size=DIM) / np.sqrt(DIM))

    out = []
    for i in range(hours):
        t = MONDAY + i * HOUR
        ms, vs = [], []
        for _ in range(poisson(rng, rate(t, base))):
            label = "negative" if rng.random() < 0.1 else "neutral"
            at = t + timedelta(minutes=rng.uniform(0, 59))
            if rng.random() < 0.5:
                k = rng.randrange(len(TOPICS))
                ms.append(post(TOPICS[k], at, label=label, followers=rng.randint(10, 9000)))
                vs.append(near(centres[k]))
            else:
                ms.append(post("un avis", at, label=label, followers=rng.randint(10, 9000)))
                vs.append(_unit(gen.normal(size=DIM)))
        for start, length, per_hour, neg in events:
            if start <= i < start + length:
                for _ in range(poisson(rng, per_hour)):
                    label = "negative" if rng.random() < neg else "neutral"
                    at = t + timedelta(minutes=rng.uniform(0, 59))
                    ms.append(post(STORY, at, label=label, followers=rng.randint(10, 9000)))
                    vs.append(near(centres[-1]))
        order = sorted(range(len(ms)), key=lambda j: ms[j].created_at)
        vectors = np.array([vs[j] for j in order], dtype=np.float32).reshape(len(ms), DIM)
        out.append((t, [ms[j] for j in order], vectors))
    return out
