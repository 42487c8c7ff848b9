"""Emerging-storyline detector: contract, exact replays on synthetic embeddings, small clusters."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from tests.detect.contract import DetectorContract, Make, Stream
from tests.detect.stories import STORY, story_posts
from tocsin.detect import DetectError, StorylineConfig, StorylineDetector

EVENT = 24 * 3 + 19  # Thursday, 19:00


class Embedded:
    """The contract's ``update(t, x)`` with ``x = (mentions, vectors)``."""

    def __init__(self, config: StorylineConfig | None = None) -> None:
        self.detector = StorylineDetector(config)

    def learn_one(self, t: Any, x: Any) -> None:
        self.detector.learn_one(t, *x)

    def score_one(self, t: Any, x: Any) -> float:
        return self.detector.score_one(t, *x)

    def update(self, t: Any, x: Any) -> float:
        return self.detector.update(t, *x)

    def alert(self, score: float) -> bool:
        return self.detector.alert(score)


FAST = StorylineConfig(max_clusters=150)  # fewer one-off posts remembered: 3 times faster


def replay(rows: list, config: StorylineConfig = FAST) -> list[tuple[int, int]]:
    d = StorylineDetector(config)
    return [
        (i, s.details["size"])
        for i, (t, ms, v) in enumerate(rows)
        for s in d.observe("w", t, ms, v)
    ]


class TestContract(DetectorContract):
    @pytest.fixture
    def make(self) -> Make:
        return lambda: Embedded(StorylineConfig(min_history=12, max_clusters=60))

    @pytest.fixture
    def stream(self) -> Stream:
        rows = story_posts(5, 48, events=((43, 2, 15.0, 0.8),))
        return [(t, (ms, v)) for t, ms, v in rows]  # type: ignore[misc]

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_non_finite_values_are_refused(self, make: Make, stream: Stream, bad: float) -> None:
        detector = make()
        t, (ms, v) = stream[20]  # type: ignore[misc]
        broken = v.copy()
        broken[0, 0] = bad
        for x in [(ms, broken), (ms, v[1:]), (ms, None), (ms, v[:, :100])]:
            with pytest.raises(DetectError):
                detector.update(t, x)
            with pytest.raises(DetectError):
                detector.score_one(t, x)


@pytest.mark.parametrize(
    ("seed", "hour", "size"), [(1, EVENT + 1, 17), (2, EVENT, 18), (3, EVENT, 12)]
)
def test_a_negative_storyline_rings_early_with_its_terms(seed: int, hour: int, size: int) -> None:
    """About 15 posts an hour about a salmonella recall, 80 % negative, for three hours, among
    ~25 posts an hour on five recurring topics and one-off posts."""
    rows = story_posts(seed, 24 * 4, events=((EVENT, 3, 15.0, 0.8),))
    d = StorylineDetector(FAST)
    found = [(i, s) for i, (t, ms, v) in enumerate(rows) for s in d.observe("w", t, ms, v)]
    assert [(i, s.details["size"]) for i, s in found] == [(hour, size)]
    ((_, s),) = found
    assert s.kind == "storyline" and s.subject.startswith("storyline:")
    assert sorted(s.details["top_terms"]) == sorted(STORY.split())
    assert s.observed is not None and s.expected is not None and s.expected < s.observed <= size
    assert len(s.mention_keys) == 5 and s.details["negative_share"] >= 0.6


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_storyline_that_is_not_negative_does_not_ring(seed: int) -> None:
    assert replay(story_posts(seed, 24 * 4, events=((EVENT, 3, 15.0, 0.2),))) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_quiet_weeks_stay_quiet(seed: int) -> None:
    assert replay(story_posts(seed, 24 * 5)) == []


@pytest.mark.parametrize(
    ("seed", "expected"), [(1, [(94, 15)]), (2, [(93, 12)]), (3, [(95, 20)]), (4, [(93, 14)])]
)
def test_a_slow_storyline_rings_once_it_is_large_for_a_new_topic(seed: int, expected: list) -> None:
    """Four posts an hour, 90 % negative, for six hours: no hour's growth is unusual (the
    recurring topics grow as fast), but no cluster born after the first day has ever reached
    12-20 posts in this watch: the size view rings 2 to 4 hours after the onset."""
    assert replay(story_posts(seed, 24 * 5, events=((EVENT, 6, 4.0, 0.9),))) == expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_small_storyline_does_not_ring(seed: int) -> None:
    """Two posts an hour for three hours: under the 10-post floor."""
    assert replay(story_posts(seed, 24 * 4, events=((EVENT, 3, 2.0, 0.9),))) == []


def test_clusters_are_bounded_and_the_fixed_rule_speaks_first() -> None:
    rows = story_posts(4, 30, events=((20, 2, 15.0, 0.9),))
    config = StorylineConfig(max_clusters=40)
    d = StorylineDetector(config)
    rung = [i for i, (t, ms, v) in enumerate(rows) for _ in d.observe("w", t, ms, v)]
    assert rung == [20]  # before 48 buckets of history: 5 posts joining in an hour rings
    assert len(d.clusters.ids) == 40
    assert d.clusters.sums.shape[0] >= 40 and np.isfinite(d.clusters.sums).all()


def test_bad_settings_are_refused() -> None:
    for kwargs in ({"threshold": 1.0}, {"min_size": 0}, {"alert_score": 1.0}):
        with pytest.raises(DetectError):
            StorylineConfig(**kwargs)  # type: ignore[arg-type]
