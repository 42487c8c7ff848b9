"""The bell, apart from the detector: when a score rings, and quiet after it has rung.

A surge lasts; its first bucket is news, the next ones are the same incident. After the detector
rings, the gate multiplies the scores of the next ``cooldown`` buckets by
``damping`` (and does not ring again during that time), so one surge is one alert. The detector
underneath keeps scoring the raw anomaly; only what is reported is gated.
"""

from __future__ import annotations

from dataclasses import dataclass

from tocsin.detect._base import DetectError


@dataclass(frozen=True)
class GateConfig:
    """Settings of :class:`AlertGate`."""

    cooldown: int = 50  # buckets after an alert that belong to the same incident
    damping: float = 0.25  # scores in the cooldown are multiplied by this

    def __post_init__(self) -> None:
        if self.cooldown < 0:
            raise DetectError("cooldown must be >= 0 buckets")
        if not 0.0 <= self.damping <= 1.0:
            raise DetectError("damping must be in [0, 1]")


class AlertGate:
    """``gate.update(score, alarm) -> (reported score, rings)``, where ``alarm`` is the detector's
    verdict on ``score``; the state is one integer, so it pickles."""

    def __init__(self, config: GateConfig | None = None) -> None:
        self.config = config or GateConfig()
        self.since_alert: int | None = None  # buckets since the last alert, None if none yet

    def update(self, score: float, alarm: bool) -> tuple[float, bool]:
        cfg = self.config
        if self.since_alert is not None:
            self.since_alert += 1
            if self.since_alert <= cfg.cooldown:
                return score * cfg.damping, False
            self.since_alert = None
        if alarm:
            self.since_alert = 0
            return score, True
        return score, False

    @property
    def cooling(self) -> bool:
        return self.since_alert is not None
