"""High-reach detector: contract, the cascade forecast on simulated cascades, exact replays."""

from __future__ import annotations

import math
import random
import statistics
from datetime import timedelta

import pytest

from tests.detect.cascades import cascade, reach_stream
from tests.detect.contract import DetectorContract, Make, Stream
from tests.detect.posts import bucket_times, post
from tocsin.detect import DetectError, HighReachDetector, ReachConfig
from tocsin.detect._cascade import forecast_cascade

STAR = 24 * 7 + 19  # a 2-million-follower author posts a negative post at 19:10
VIRAL = 24 * 9 + 14  # an 800-follower author's negative post: 150 direct reposts, branching 0.7
EVENTS = (
    (STAR, "negative", 2_000_000, 3.0, 0.3),
    (VIRAL, "negative", 800, 150.0, 0.7),
    (VIRAL + 3, "positive", 3_000_000, 150.0, 0.7),  # loved, not trouble
)


def replay(rows: list, config: ReachConfig | None = None) -> list[tuple[int, str]]:
    d = HighReachDetector(config)
    return [(i, s.details["view"]) for i, (t, ms) in enumerate(rows) for s in d.observe("w", t, ms)]


class TestContract(DetectorContract):
    @pytest.fixture
    def make(self) -> Make:
        return HighReachDetector

    @pytest.fixture
    def stream(self) -> Stream:
        return reach_stream(2, 24 * 10, events=EVENTS[:2])  # type: ignore[return-value]

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_non_finite_values_are_refused(self, make: Make, stream: Stream, bad: float) -> None:
        detector = make()
        with pytest.raises(DetectError):
            detector.update(bad, stream[0][1])
        with pytest.raises(DetectError):
            detector.score_one(bad, stream[0][1])


# -- the forecast ---------------------------------------------------------------------------
def forecast_errors(seed: int, seen_for: float, count: int) -> tuple[list[float], list[float]]:
    """|ln(forecast / final)| of the Hawkes forecast and of "no more reposts to come", on
    simulated cascades (direct reposts 5-50, branching 0.5-0.9, timescale log-uniform in 10
    minutes - 4 hours) with at least 10 reposts after ``seen_for`` seconds."""
    rng = random.Random(seed)
    model, naive = [], []
    while len(model) < count:
        n = rng.uniform(0.5, 0.9)
        scale = math.exp(rng.uniform(math.log(600), math.log(4 * 3600)))
        times = cascade(rng, rng.choice([5.0, 10.0, 20.0, 50.0]), n, scale)
        seen = [s for s in times if s <= seen_for]
        if len(seen) < 10:
            continue
        model.append(abs(math.log(forecast_cascade(seen, seen_for).final / len(times))))
        naive.append(abs(math.log(len(seen) / len(times))))
    return model, naive


@pytest.mark.parametrize(("hours", "bound"), [(1.0, 0.5), (3.0, 0.2)])
def test_the_forecast_beats_counting_what_is_seen(hours: float, bound: float) -> None:
    model, naive = forecast_errors(1, hours * 3600, 80)
    within2 = sum(e < math.log(2) for e in model) / len(model)
    assert statistics.median(model) < bound < statistics.median(naive)
    assert within2 > 0.6


def test_a_cascade_that_has_stopped_is_forecast_as_it_is() -> None:
    times = [60.0 * i for i in range(1, 41)]
    fc = forecast_cascade(times, 40 * 86400.0)
    assert fc.final == pytest.approx(40, abs=0.5) and fc.seen == 40


# -- replays ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        (1, [(15, "reach"), (STAR, "reach"), (VIRAL, "cascade")]),
        (2, [(STAR, "reach"), (VIRAL, "cascade")]),
        (3, [(64, "reach"), (STAR, "reach"), (VIRAL, "cascade")]),
    ],
)
def test_a_star_and_a_viral_post_ring_in_their_hour(seed: int, expected: list) -> None:
    """Also rung, and honest: seed 1 at hour 15, a 13,490-follower author while the watch has
    too little history (the fixed rule: 10,000 rings); seed 3 at hour 64, a 60,980-follower
    author, one in 5,000 of this watch's audiences. The 3-million-follower positive post with
    its 500 reposts does not ring."""
    assert replay(reach_stream(seed, 24 * 12, events=EVENTS)) == expected


@pytest.mark.parametrize(("seed", "expected"), [(1, [15]), (2, []), (3, [64]), (4, [])])
def test_quiet_weeks(seed: int, expected: list[int]) -> None:
    """Ten days, ~2,800 posts, ~90 small cascades: only the rare audiences above."""
    assert [i for i, _ in replay(reach_stream(seed, 24 * 10))] == expected


def test_small_cascades_and_small_audiences_do_not_ring() -> None:
    t = bucket_times(1)[0]
    d = HighReachDetector()
    root = post("honte", t, label="negative", followers=9_000)
    reposts = [
        post("RT", t + timedelta(minutes=i), label=None, repost_of=root.native_id) for i in range(4)
    ]
    assert d.update(t, [root, *reposts]) == 0.0  # 9,000 followers; 4 reposts: not forecast
    assert d.roots[root.key].times == [60.0 * i for i in range(4)]
    assert d.update(t, [post("honte", t, label="positive", followers=5_000_000)]) == 0.0


def test_a_re_imported_post_brings_its_repost_count_and_rings_once() -> None:
    t0, t1 = bucket_times(2)
    d = HighReachDetector()
    root = post("arnaque", t0, label="negative", followers=20_000)
    (s,) = d.observe("w", t0, [root])
    assert (s.kind, s.subject, s.details["view"]) == ("high_reach", f"x:{root.native_id}", "reach")
    assert s.mention_keys == (root.key,) and s.observed == 20_000
    again = root.with_(metrics=root.metrics.__class__(reposts=400), edited_at=t1)
    (s,) = d.observe("w", t1, [again])  # 400 reposts in an hour: a cascade, not reach again
    assert s.details["view"] == "cascade" and s.details["reposts_seen"] == 400
    assert s.observed is not None and s.observed >= 400
    assert d.observe("w", t1 + timedelta(hours=1), [again]) == []


def test_the_watch_learns_its_cascades_timescale() -> None:
    """Twelve finished cascades of 20+ reposts with a 15-minute memory move the prior's centre
    from the configured hour to about 15 minutes."""
    rng = random.Random(7)
    d = HighReachDetector()
    assert d.timescale_prior() == (3600.0, 1.0)
    t = bucket_times(1)[0]
    for k in range(12):
        start = t + timedelta(hours=k)
        root = post("honte", start, label="negative", followers=500)
        times = [s for s in cascade(rng, 25.0, 0.3, 900.0) if s < 3600]
        reposts = [
            post("RT", start + timedelta(seconds=s), label=None, repost_of=root.native_id)
            for s in times
        ]
        d.update(start, [root, *reposts])
    d.update(t + timedelta(days=4), [])  # they all end (48 hours)
    assert len(d.timescales) >= 10 and not d.roots
    centre, _ = d.timescale_prior()
    assert 450 <= centre <= 1800


def test_reposts_a_post_already_had_when_first_seen_are_not_timed() -> None:
    t0, t1 = bucket_times(2)
    d = HighReachDetector()
    root = post("pas terrible", t0, label="negative", followers=5_000)
    first = root.with_(metrics=root.metrics.__class__(reposts=6))
    assert d.observe("w", t0, [first]) == []  # 6 reposts, times unknown: no forecast (was 4e14)
    assert d.roots[root.key].base == 6 and d.roots[root.key].times == []
    again = root.with_(metrics=root.metrics.__class__(reposts=400), edited_at=t1)
    (s,) = d.observe("w", t1, [again])  # 394 more within the hour: those are timed
    assert s.details["view"] == "cascade" and s.details["reposts_seen"] == 394
    assert s.observed is not None and 400 <= s.observed < 10_000
