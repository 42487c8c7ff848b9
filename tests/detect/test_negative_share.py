"""Negative-share detector: contract, small counts, seeded replays with exact alert indices."""

from __future__ import annotations

import math

import pytest

from tests.detect.contract import DetectorContract, Make, Stream
from tests.detect.posts import bucket_times, post, share_counts
from tocsin.detect import (
    DetectError,
    NegativeShareConfig,
    NegativeShareDetector,
    negative_counts,
)

EVENT = 24 * 14 + 19  # Monday of week 3, 19:00
WEEKS3 = 24 * 21


def alerts(rows: list, config: NegativeShareConfig | None = None) -> list[int]:
    d = NegativeShareDetector(config)
    return [i for i, (t, x) in enumerate(rows) if d.alert(d.update(t, x))]


def trained(p: float = 0.1, hours: int = 24 * 7, seed: int = 1) -> NegativeShareDetector:
    d = NegativeShareDetector()
    for t, x in share_counts(seed, hours, p=p):
        d.update(t, x)
    return d


class TestContract(DetectorContract):
    @pytest.fixture
    def make(self) -> Make:
        return NegativeShareDetector

    @pytest.fixture
    def stream(self) -> Stream:
        return share_counts(3, 24 * 10, events=((24 * 8 + 10, 4, 0.5),))  # type: ignore[return-value]

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_non_finite_values_are_refused(self, make: Make, stream: Stream, bad: float) -> None:
        detector = make()
        t = stream[0][0]
        for x in [(bad, 3), (1, bad), (5, 3), (-1, 3), (1.5, 3), (1, 2, 3), bad, None]:
            with pytest.raises(DetectError):
                detector.update(t, x)
            with pytest.raises(DetectError):
                detector.score_one(t, x)


# -- small counts -------------------------------------------------------------------------------
def test_three_negatives_out_of_four_is_not_a_crisis() -> None:
    d = trained()
    t = bucket_times(24 * 8)[-1]
    a = d.assess(t, (3, 4))
    assert a.observed == 0.75 and not d.alert(a.score)
    # not even with the size floor lifted: the tail says 1 in a few hundred
    lifted = NegativeShareDetector(NegativeShareConfig(min_negatives=1))
    lifted.guard = d.guard
    a = lifted.assess(t, (3, 4))
    assert 2.0 < a.surprise < 3.0 and not lifted.alert(a.score)


def test_three_hundred_out_of_four_hundred_is() -> None:
    d = trained()
    t = bucket_times(24 * 8)[-1]
    assert d.baseline.share == pytest.approx(0.1, abs=0.02)
    a = d.assess(t, (300, 400))
    assert a.surprise > 50 and a.score > 0.9 and d.alert(a.score)
    assert not d.alert(d.score_one(t, (48, 400)))  # 12 % where 10 % is usual


def test_nothing_rings_before_the_warm_up() -> None:
    d = NegativeShareDetector()
    assert d.update(bucket_times(1)[0], (50, 60)) == 0.0


# -- seeded replays: exact alert indices --------------------------------------------------------
def test_the_event_is_in_the_evening_peak() -> None:
    assert EVENT == 355 and bucket_times(EVENT + 1)[-1].hour == 19


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_shift_to_half_negative_rings_every_hour_it_lasts(seed: int) -> None:
    """About 25 analysed posts an hour at 19:00, 10 % negative; then 50 % for four hours."""
    rows = share_counts(seed, WEEKS3, events=((EVENT, 4, 0.5),))
    assert alerts(rows) == [355, 356, 357, 358]


@pytest.mark.parametrize(
    ("seed", "expected"),
    [(1, [355, 356]), (2, [355, 356, 357]), (3, [356]), (4, [355, 356]), (5, [356])],
)
def test_a_smaller_watch_rings_where_the_counts_allow(seed: int, expected: list[int]) -> None:
    """About 6 posts an hour at 19:00, then 70 % negative for three hours: buckets such as
    8 of 10 or 5 of 6 ring; 3 of 4, 4 of 8 or 2 of 5 do not."""
    rows = share_counts(seed, WEEKS3, base=5.0, events=((EVENT, 3, 0.7),))
    assert alerts(rows) == expected


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_quiet_weeks_stay_quiet(seed: int) -> None:
    assert alerts(share_counts(seed, WEEKS3)) == []


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_tiny_watch_never_rings_on_a_handful(seed: int) -> None:
    """About one analysed post an hour: a 60 % share for three hours is 0-2 negatives a
    bucket, under the 5-negative floor."""
    rows = share_counts(seed, WEEKS3, base=1.0, events=((EVENT, 3, 0.6),))
    assert alerts(rows) == []


def test_a_crisis_does_not_become_the_new_normal() -> None:
    """Two days at 50 % negative: nothing of them is learned, not even the small night buckets
    (a 2-of-3 at 4:00 is unremarkable alone), so the next evening still rings; the run ends
    when the share comes back."""
    rows = share_counts(4, WEEKS3 + 48, events=((EVENT, 48, 0.5),))
    d = NegativeShareDetector()
    for t, x in rows[:EVENT]:
        d.update(t, x)
    share = d.baseline.share
    rings = [i for i, (t, x) in enumerate(rows[EVENT : EVENT + 48]) if d.alert(d.update(t, x))]
    assert d.baseline.share == share
    assert rings == [0, 1, 2, 3, 4, 16, 17, 23, 24, 25, 26, 27, 30, 41, 43]
    assert not any(d.alert(d.update(t, x)) for t, x in rows[EVENT + 48 :])
    assert d.guard.run == 0
    d = NegativeShareDetector(NegativeShareConfig(rebaseline_after=6))
    for t, x in rows[: EVENT + 48]:
        d.update(t, x)
    assert d.baseline.share > share + 0.05  # unless told to accept a new share


# -- signals ------------------------------------------------------------------------------------
def test_observe_names_the_negative_posts() -> None:
    d = trained()
    t = bucket_times(24 * 8)[-1]
    bucket = [post("nul", t, label="negative", followers=i) for i in range(30)]
    bucket += [post("ok", t, label="neutral") for _ in range(10)]
    bucket += [post("?", t, label=None) for _ in range(50)]  # not analysed: ignored
    assert negative_counts(bucket) == (30, 40)
    (s,) = d.observe("w1", t, bucket)
    assert s.kind == "negative_share" and s.watch_id == "w1" and s.at.tzinfo is not None
    assert s.observed == 0.75 and s.expected == pytest.approx(0.1, abs=0.02)
    assert s.mention_keys == tuple(m.key for m in bucket[29:24:-1])  # the most followed
    assert s.details["n_negative"] == 30 and 0.4 <= s.score <= 1.0
    assert d.observe("w1", t, bucket[:5] + bucket[30:40]) == []


@pytest.mark.parametrize("kwargs", [{"prior_share": 1.0}, {"halflife": 0}, {"alert_score": 0}])
def test_bad_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(DetectError):
        NegativeShareConfig(**kwargs)  # type: ignore[arg-type]
