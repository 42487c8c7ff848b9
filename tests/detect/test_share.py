"""The beta-binomial tail and the share baseline shared by the share-based detectors."""

from __future__ import annotations

import math

import pytest

from tocsin.detect import DetectError
from tocsin.detect._share import ShareBaseline, check_counts
from tocsin.detect._tails import beta_binomial_surprise
from tocsin.detect._text import PhraseIndex, phrase, tokens


def exact(k: int, n: int, a: float, b: float) -> float:
    """The tail summed term by term from the pmf, the slow obvious way."""
    lb = lambda x, y: math.lgamma(x) + math.lgamma(y) - math.lgamma(x + y)  # noqa: E731
    p = sum(math.comb(n, x) * math.exp(lb(x + a, n - x + b) - lb(a, b)) for x in range(k, n + 1))
    return -math.log10(p)


@pytest.mark.parametrize(
    ("k", "n", "a", "b"), [(3, 4, 5.0, 45.0), (9, 20, 2.0, 18.0), (30, 40, 50.0, 450.0)]
)
def test_beta_binomial_tail_is_the_sum_of_its_terms(k: int, n: int, a: float, b: float) -> None:
    assert beta_binomial_surprise(k, n, a, b) == pytest.approx(exact(k, n, a, b), rel=1e-9)


def test_a_large_concentration_is_the_binomial() -> None:
    binomial = -math.log10(4 * 0.1**3 * 0.9 + 0.1**4)
    assert beta_binomial_surprise(3, 4, 1e7, 9e7) == pytest.approx(binomial, rel=1e-4)


def test_below_the_mean_and_impossible_counts() -> None:
    assert beta_binomial_surprise(1, 20, 1.0, 9.0) == 0.0
    assert beta_binomial_surprise(0, 0, 1.0, 9.0) == 0.0
    assert beta_binomial_surprise(300, 400, 10.0, 90.0) > 20


def test_the_baseline_learns_share_and_overdispersion() -> None:
    steady, wobbly = ShareBaseline(100, 0.5, 10), ShareBaseline(100, 0.5, 10)
    for i in range(300):
        steady.learn(10, 100)
        wobbly.learn(2 if i % 2 else 18, 100)  # 2 % then 18 %: same mean, far more spread
    assert steady.share == pytest.approx(0.1, abs=1e-3)
    assert wobbly.share == pytest.approx(0.1, abs=0.01)
    assert steady.rho == steady.min_rho < wobbly.rho
    assert wobbly.surprise(25, 100) < steady.surprise(25, 100)


def test_counts_are_checked() -> None:
    assert check_counts(3.0, 4) == (3, 4)
    for bad in [(5, 4), (-1, 4), (0.5, 4), (math.nan, 4)]:
        with pytest.raises(DetectError):
            check_counts(*bad)


def test_phrases_match_whole_normalised_words() -> None:
    phrases = {"rappel produit": phrase("Rappel produit"), "scam": phrase("SCAM")}
    phrases["honte"] = ("honte",)
    words = tokens("RAPPEL  PRODUITS chez Cafélia : c'est une HONTE, pas un scammer")
    assert PhraseIndex(phrases).find(words) == ["rappel produit", "honte"]
    assert PhraseIndex({"arnaque": ("arnaque",)}).find(tokens("arnaques en série")) == ["arnaque"]
    assert PhraseIndex({"sue": ("sue",)}).find(tokens("suex sues sue")) == ["sue"]
