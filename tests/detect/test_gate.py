"""The alert gate: one alert per incident, quiet during the cooldown."""

from __future__ import annotations

import pickle

import pytest

from tocsin.detect import AlertGate, DetectError, GateConfig


def test_one_alert_then_a_damped_cooldown() -> None:
    gate = AlertGate(GateConfig(cooldown=3, damping=0.5))
    scores = [0.1, 0.9, 0.8, 0.9, 0.8, 0.9, 0.2]
    out = [gate.update(s, s >= 0.5) for s in scores]
    assert [rings for _, rings in out] == [False, True, False, False, False, True, False]
    assert [s for s, _ in out] == [0.1, 0.9, 0.4, 0.45, 0.4, 0.9, 0.1]


def test_gate_state_pickles() -> None:
    gate = AlertGate(GateConfig(cooldown=2))
    gate.update(0.9, True)
    assert gate.cooling
    restored = pickle.loads(pickle.dumps(gate))
    assert [restored.update(0.9, True) for _ in range(3)] == [
        gate.update(0.9, True) for _ in range(3)
    ]


@pytest.mark.parametrize("kwargs", [{"cooldown": -1}, {"damping": 1.5}])
def test_bad_gate_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(DetectError):
        GateConfig(**kwargs)  # type: ignore[arg-type]
