"""Windows and statistics, and the tail probabilities the views are judged by."""

from __future__ import annotations

import math
import pickle
import random
import statistics

import pytest

from tocsin.detect._stats import (
    Mean,
    Rolling,
    SortedWindow,
    Var,
    alpha_for,
    is_count,
    tail_surprise,
)
from tocsin.detect._tails import count_surprise, normal_surprise


def test_rolling_statistics_match_a_recomputation() -> None:
    rng = random.Random(3)
    mean, var = Rolling(Mean(), 12), Rolling(Var(), 12)
    values = [rng.gauss(10, 3) for _ in range(100)]
    for i, x in enumerate(values):
        mean.update(x)
        var.update(x)
        last = values[max(0, i - 11) : i + 1]
        assert mean.get() == pytest.approx(statistics.fmean(last))
        assert var.get() == pytest.approx(statistics.variance(last) if len(last) > 1 else 0.0)
    assert len(mean) == 12


def test_sorted_window_keeps_the_last_values_in_order() -> None:
    rng = random.Random(4)
    window = SortedWindow(50)
    values = [rng.random() for _ in range(137)]
    for x in values:
        window.update(x)
    assert list(window.sorted) == sorted(values[-50:])
    restored = pickle.loads(pickle.dumps(window))
    restored.update(2.0)
    window.update(2.0)
    assert list(restored.sorted) == list(window.sorted)


def test_tail_surprise_is_empirical_in_the_bulk_and_extrapolated_beyond() -> None:
    window = SortedWindow(1000)
    for i in range(1000):
        window.update(float(i))
    assert tail_surprise(window, 900.0) == pytest.approx(1.0)  # 100 of 1000 are >= 900
    assert tail_surprise(window, 99.0, lower=True) == pytest.approx(1.0)  # 100 are <= 99
    assert tail_surprise(window, -5.0) == 0.0
    beyond = [tail_surprise(window, x) for x in (990.0, 1000.0, 1100.0, 1200.0)]
    assert beyond == sorted(beyond) and beyond[-1] > 3.0
    # The extrapolated tail grows linearly: equal steps, equal surprise increments.
    assert beyond[3] - beyond[2] == pytest.approx(beyond[2] - beyond[1])
    assert tail_surprise(SortedWindow(3), 1.0) == 0.0


def test_ties_at_the_top_do_not_make_the_tail_infinitely_thin() -> None:
    window = SortedWindow(200)
    for i in range(200):
        window.update(float(i % 4))  # counts 0..3, many ties
    assert tail_surprise(window, 4.0, resolution=1.0) < 2.5
    assert tail_surprise(window, 4.0) > tail_surprise(window, 4.0, resolution=1.0)


def test_halflife_and_counts() -> None:
    assert (1 - alpha_for(10)) ** 10 == pytest.approx(0.5)
    with pytest.raises(ValueError):
        alpha_for(0)
    assert is_count(0.0) and is_count(12.0)
    assert not is_count(1.5) and not is_count(-1.0) and not is_count(math.inf)


# -- tails (references computed with scipy.stats) ------------------------------------------------
@pytest.mark.parametrize(
    ("z", "expected"),
    [
        (0.0, math.log10(2)),
        (3.0, 2.869699035929369),
        (5.0, 6.5426456723906545),
        (-2.0, 0.009994379534108703),
    ],
)
def test_normal_surprise(z: float, expected: float) -> None:
    assert normal_surprise(z) == pytest.approx(expected, rel=1e-6)


def test_normal_surprise_is_finite_far_in_the_tail() -> None:
    far = [normal_surprise(z) for z in (29.0, 31.0, 100.0, 1e4)]
    assert far == sorted(far) and all(math.isfinite(s) for s in far)


@pytest.mark.parametrize(
    ("k", "mean", "var", "upper", "expected"),
    [
        (4, 0.5, 0.5, True, 2.756559470873402),  # Poisson: 4 posts where 0.5 are expected
        (0, 10, 10, False, 4.3429448190325175),  # Poisson: silence where 10 are expected
        (30, 10, 20, True, 3.2736723812233883),  # negative binomial
        (2, 10, 20, False, 1.7147328566773328),
        (0, 3, 3, True, 0.0),
    ],
)
def test_count_surprise(k: int, mean: float, var: float, upper: bool, expected: float) -> None:
    assert count_surprise(k, mean, var, upper) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_counts_are_not_judged_as_a_z_score_would() -> None:
    # 4 posts where 0.5 are expected: a z-score of 4.9 claims 1 in 3 million; it is 1 in 570.
    assert normal_surprise((4 - 0.5) / math.sqrt(0.5)) > 6
    assert count_surprise(4, 0.5, 0.5) < 3
