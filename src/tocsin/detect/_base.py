"""What every detector is, in the style of River's anomaly detectors.

A detector reads one observation at a time, ``(t, x)``: the start of a bucket and its value (a
count of posts, a share, a measurement). It holds its own state, which pickles, so a detector
saved at any point and restored continues exactly where it stopped.

- ``score_one(t, x) -> float`` scores the observation in ``[0, 1]`` against what was learned so
  far, and changes nothing;
- ``learn_one(t, x) -> None`` learns from it, unless it is anomalous: a crisis must not become
  the new normal (River's ``QuantileFilter(protect_anomaly_detector=True)``);
- ``update(t, x) -> float`` does both, in that order, and is what a stream calls.

A score of 1 is certain trouble and 0 is nothing unusual; ``alert`` says whether a score rings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from tocsin.errors import TocsinError

Instant = datetime | float
"""A bucket start: a datetime (naive means UTC) or seconds since the Unix epoch."""


class DetectError(TocsinError):
    """A series or a setting a detector cannot work with (bad CSV, irregular step, …)."""


def epoch_seconds(t: Instant) -> float:
    if isinstance(t, datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        return t.timestamp()
    return float(t)


@runtime_checkable
class Detector(Protocol):
    """A streaming detector (see the module docstring); ``tests/detect/contract.py`` is the
    contract every implementation passes: scores in [0, 1], ``score_one`` without side effects,
    ``update`` = ``score_one`` + ``learn_one``, deterministic replays, pickling mid-stream."""

    def learn_one(self, t: Instant, x: float) -> None: ...

    def score_one(self, t: Instant, x: float) -> float: ...

    def update(self, t: Instant, x: float) -> float: ...

    def alert(self, score: float) -> bool: ...


class AssessThenLearn:
    """The River calls for a detector that scores by ``assess(t, x)`` (an assessment with a
    ``score``) and learns by ``_learn(t, x, assessment)``: one assessment per bucket, whichever
    call is made. The detector has a ``config`` with an ``alert_score``."""

    config: Any

    def assess(self, t: Instant, x: Any) -> Any:
        raise NotImplementedError

    def _learn(self, t: Instant, x: Any, a: Any) -> None:
        raise NotImplementedError

    def score_one(self, t: Instant, x: Any) -> float:
        return float(self.assess(t, x).score)

    def alert(self, score: float) -> bool:
        return score >= self.config.alert_score

    def learn_one(self, t: Instant, x: Any) -> None:
        """Learn from bucket ``t`` unless it is anomalous."""
        self._learn(t, x, self.assess(t, x))

    def update(self, t: Instant, x: Any) -> float:
        """``score_one`` then ``learn_one``, computing the assessment once."""
        a = self.assess(t, x)
        self._learn(t, x, a)
        return float(a.score)
