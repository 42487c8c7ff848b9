"""The contract every detector satisfies (River's ``check_estimator`` idea). A test module per
detector subclasses ``DetectorContract`` and provides two fixtures: ``make``, a factory of fresh
detectors, and ``stream``, a list of ``(t, x)`` long enough to leave the warm-up and to hold an
anomaly."""

from __future__ import annotations

import copy
import math
import pickle
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tocsin.detect import DetectError, Detector

Make = Callable[[], Any]
Stream = list[tuple[datetime, float]]


def replay(detector: Any, stream: Stream) -> list[float]:
    return [detector.update(t, x) for t, x in stream]


class DetectorContract:
    def test_is_a_detector(self, make: Make) -> None:
        assert isinstance(make(), Detector)

    def test_scores_are_in_0_1_and_some_ring(self, make: Make, stream: Stream) -> None:
        detector = make()
        scores = replay(detector, stream)
        assert all(0.0 <= s <= 1.0 and math.isfinite(s) for s in scores)
        assert any(detector.alert(s) for s in scores), "the stream's anomaly must ring"
        assert not all(detector.alert(s) for s in scores)

    def test_alert_is_monotone_in_the_score(self, make: Make) -> None:
        detector = make()
        verdicts = [detector.alert(i / 100) for i in range(101)]
        assert verdicts == sorted(verdicts)

    def test_score_one_changes_nothing(self, make: Make, stream: Stream) -> None:
        detector = make()
        for i, (t, x) in enumerate(stream):
            if i % 7 == 0:
                before = pickle.dumps(detector)
                first = detector.score_one(t, x)
                assert detector.score_one(t, x) == first
                assert pickle.dumps(detector) == before
            detector.update(t, x)

    def test_update_is_score_one_then_learn_one(self, make: Make, stream: Stream) -> None:
        a, b = make(), make()
        for t, x in stream:
            expected = b.score_one(t, x)
            b.learn_one(t, x)
            assert a.update(t, x) == expected

    def test_replays_are_deterministic(self, make: Make, stream: Stream) -> None:
        assert replay(make(), stream) == replay(make(), stream)

    @pytest.mark.parametrize("cut", [0.1, 0.5, 0.9])
    def test_pickled_mid_stream_continues_identically(
        self, make: Make, stream: Stream, cut: float
    ) -> None:
        k = int(cut * len(stream))
        straight = make()
        expected = replay(straight, stream)
        interrupted = make()
        replay(interrupted, stream[:k])
        restored = pickle.loads(pickle.dumps(interrupted))  # a restart
        assert replay(restored, stream[k:]) == expected[k:]

    def test_deep_copies_are_independent(self, make: Make, stream: Stream) -> None:
        half = len(stream) // 2
        original = make()
        replay(original, stream[:half])
        twin = copy.deepcopy(original)
        replay(original, stream[half:])  # must not move the twin
        fresh = make()
        replay(fresh, stream[:half])
        assert replay(twin, stream[half:]) == replay(fresh, stream[half:])

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_non_finite_values_are_refused(self, make: Make, stream: Stream, bad: float) -> None:
        detector = make()
        t = stream[0][0]
        with pytest.raises(DetectError):
            detector.update(t, bad)
        with pytest.raises(DetectError):
            detector.score_one(t, bad)
