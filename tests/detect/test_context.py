"""The sequence view: quantile levels, the context memory, and a pattern change it alone sees."""

from __future__ import annotations

import pickle
import random
from datetime import UTC, datetime, timedelta

import pytest

from tests.detect.contract import DetectorContract, Make, Stream
from tocsin.detect import VolumeConfig, VolumeSurgeDetector, detect_series
from tocsin.detect._context import ContextMemory
from tocsin.detect._stats import SortedWindow

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def window(values: list[float]) -> SortedWindow:
    w = SortedWindow(1000)
    for v in values:
        w.update(v)
    return w


def test_levels_are_quantiles_and_ties_share_one() -> None:
    memory = ContextMemory(levels=4)
    w = window([float(v) for v in range(100)])
    assert [memory.level(w, x) for x in (0.0, 24.0, 26.0, 50.0, 99.0, 1e9, -1e9)] == [
        0, 0, 1, 2, 3, 3, 0,
    ]  # fmt: skip
    zeros = window([0.0] * 90 + [1.0] * 10)  # a count series: mostly zeros
    assert memory.level(zeros, 0.0) == 1  # mid-rank 0.45: zeros are not all "the lowest"
    assert memory.level(zeros, 1.0) == 3
    assert memory.level(window([]), 5.0) == 2  # nothing seen yet: the middle


def test_a_learned_cycle_is_predicted_and_a_broken_one_is_not() -> None:
    memory = ContextMemory(levels=4, order=3)
    assert memory.loss(0) == pytest.approx(0.60206)  # log10(4): nothing learned, all alike
    for i in range(200):
        memory.learn(i % 4)
        memory.push(i % 4)
    # The cycle 0, 1, 2, 3 ends on 3: 0 follows.
    assert memory.loss(0) < 0.02
    assert memory.loss(2) > 2.0
    copy = pickle.loads(pickle.dumps(memory))
    assert copy.loss(2) == memory.loss(2) and copy.counts == memory.counts


def test_counts_are_halved_at_the_cap_so_old_habits_fade() -> None:
    memory = ContextMemory(levels=2, order=0, cap=8)
    for _ in range(7):
        memory.learn(0)
    assert memory.counts[0] == [7, 0, 7]
    memory.learn(1)
    assert memory.counts[0] == [3, 0, 3]  # 8 observations: halved (the new one rounds away)
    for _ in range(4):
        memory.learn(1)
    assert memory.counts[0] == [3, 4, 7]


def test_bad_memory_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        ContextMemory(levels=1)


def cycle_change(seed: int, n: int = 2400, change: int = 2000) -> list[tuple[datetime, float]]:
    """5-minute values cycling through the same seven levels; at ``change`` the order of the
    cycle changes (same values, same mean, same spread: only the pattern is new)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        cycle = (0, 3, 6, 9, 6, 3, 0) if i < change else (0, 9, 0, 9, 3, 6, 3)
        out.append((T0 + i * timedelta(minutes=5), round(10 + cycle[i % 7] + rng.gauss(0, 0.5), 2)))
    return out


def test_a_new_pattern_of_ordinary_values_rings_only_with_the_sequence_view() -> None:
    rows = cycle_change(3)
    with_context = VolumeConfig(direction="both")
    without = VolumeConfig(direction="both", context=False)
    assert [i for i, r in enumerate(detect_series(rows, with_context)) if r.alert] == [
        1344, 2021, 2072,
    ]  # fmt: skip
    assert [i for i, r in enumerate(detect_series(rows, without)) if r.alert] == [1344]


def test_the_sequence_view_waits_for_a_long_history() -> None:
    detector = VolumeSurgeDetector(300, VolumeConfig(direction="both"))
    rows = cycle_change(3)
    views = []
    for t, x in rows:
        views.append(detector.assess(t, x).context)
        detector.update(t, x)
    first = next(i for i, v in enumerate(views) if v > 0.0)
    # Calibration starts after half the warm-up (72 of 144 buckets), and the view speaks once
    # it holds context_history (1,000) values: no anomaly was skipped on the way.
    assert first == 72 + 1000 + 1


class TestContractWithTheSequenceView(DetectorContract):
    """The volume detector with its sequence view speaking early (100 calibrated buckets), on a
    stream whose pattern changes: the context memory pickles, copies and replays with the rest."""

    @pytest.fixture
    def make(self) -> Make:
        config = VolumeConfig(direction="both", context_history=100)
        return lambda: VolumeSurgeDetector(300, config)

    @pytest.fixture
    def stream(self) -> Stream:
        return cycle_change(3, n=700, change=500)
