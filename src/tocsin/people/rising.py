"""Rising voices: the authors whose influence grew most between two snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from tocsin.people._edges import FloatArray
from tocsin.people.authors import AuthorIndex


@dataclass(frozen=True, slots=True)
class InfluenceSnapshot:
    """Influence per author id at one moment (``WatchInfluence.influence``)."""

    at: datetime
    influence: FloatArray


@dataclass(frozen=True, slots=True)
class RisingVoice:
    key: str
    before: float
    after: float
    growth: float


def rising_voices(
    before: InfluenceSnapshot,
    after: InfluenceSnapshot,
    authors: AuthorIndex,
    limit: int = 20,
) -> list[RisingVoice]:
    """Authors ranked by ``(after + m) / (before + m)``, ``m`` the mean influence after.

    ``m`` is one ordinary author's worth of influence: it keeps an author going from almost
    nothing to almost nothing (a huge ratio of tiny numbers) out of the list, and lets an
    author who was absent before rise like one who starts from an ordinary level.
    """
    now = after.influence
    then = np.zeros_like(now)
    then[: min(len(before.influence), len(now))] = before.influence[: len(now)]
    reached = now > 0
    if not reached.any():
        return []
    typical = float(now[reached].mean())
    growth = (now + typical) / (then + typical)
    candidates = np.flatnonzero(now > then)
    order = candidates[np.argsort(-growth[candidates], kind="stable")][:limit]
    return [
        RisingVoice(authors.key(int(i)), float(then[i]), float(now[i]), float(growth[i]))
        for i in order
    ]
