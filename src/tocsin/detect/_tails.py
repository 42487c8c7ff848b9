"""Tail probabilities, as surprises: ``-log10 P(a value at least this extreme)``.

Working in surprise rather than probability keeps precision far in the tails (a post storm can
be a one-in-1e40 event under the baseline) and makes scores comparable across series: a surprise
of 5 is a one-in-100,000 event whatever the unit of the series.

- :func:`normal_surprise`: Gaussian tail of a robust z-score, for measurements.
- :func:`count_surprise`: Poisson tail, or negative binomial when the counts are overdispersed,
  for counts (posts per bucket): 4 posts where 0.5 are expected is a 1-in-570 event, not the
  1-in-3-million a z-score would claim.

Pure Python (``math`` only): the regularised incomplete gamma and beta functions follow the
series and continued fractions of Numerical Recipes (§6.2, §6.4).
"""

from __future__ import annotations

import math

MAX_SURPRISE = 1e6
_LN10 = math.log(10.0)
_EPS = 1e-15
_TINY = 1e-300


def _surprise_from_log(logp: float) -> float:
    return min(MAX_SURPRISE, max(0.0, -logp / _LN10))


def normal_surprise(z: float) -> float:
    """Surprise of ``Z >= z`` for a standard normal ``Z`` (upper tail)."""
    if z <= 0.0:
        return _surprise_from_log(math.log(0.5 * math.erfc(z / math.sqrt(2.0))))
    if z < 30.0:
        return _surprise_from_log(math.log(max(_TINY, 0.5 * math.erfc(z / math.sqrt(2.0)))))
    # Mills ratio: log Q(z) ~ -z²/2 - log(z·sqrt(2π)) far in the tail, where erfc underflows.
    return _surprise_from_log(-0.5 * z * z - math.log(z * math.sqrt(2.0 * math.pi)))


def _log_gammainc_lower(a: float, x: float) -> float:
    """log P(a, x), the regularised lower incomplete gamma function, by its series."""
    term = total = 1.0 / a
    ap = a
    for _ in range(10_000):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return math.log(total) - x + a * math.log(x) - math.lgamma(a)


def _log_gammainc_upper(a: float, x: float) -> float:
    """log Q(a, x), the regularised upper incomplete gamma function, by its continued fraction."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.log(h) - x + a * math.log(x) - math.lgamma(a)


def _log_gamma_p_q(a: float, x: float) -> tuple[float, float]:
    """(log P(a, x), log Q(a, x)), each computed where it is accurate."""
    if x < a + 1.0:
        lp = _log_gammainc_lower(a, x)
        return lp, math.log1p(-math.exp(lp)) if lp < -1e-12 else -math.inf
    lq = _log_gammainc_upper(a, x)
    return (math.log1p(-math.exp(lq)) if lq < -1e-12 else -math.inf), lq


def _log_betacf(a: float, b: float, x: float) -> float:
    """log of the continued fraction of the incomplete beta function (Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = _TINY if abs(d) < _TINY else d
    d = 1.0 / d
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.log(h)


def _log_betainc(a: float, b: float, x: float) -> float:
    """log I_x(a, b), the regularised incomplete beta function."""
    if x <= 0.0:
        return -math.inf
    if x >= 1.0:
        return 0.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return log_front + _log_betacf(a, b, x) - math.log(a)
    other = log_front + _log_betacf(b, a, 1.0 - x) - math.log(b)
    return math.log1p(-math.exp(other)) if other < -1e-12 else -math.inf


def count_surprise(k: float, mean: float, var: float, upper: bool = True) -> float:
    """Surprise of ``X >= k`` (``upper``) or ``X <= k`` for a count ``X`` of this mean and
    variance: Poisson when ``var <= mean``, negative binomial above."""
    mean = max(mean, 1e-3)
    if upper and k <= 0.0:
        return 0.0
    if var <= mean * (1.0 + 1e-9):
        # Poisson: P(X >= k) = P(k, mean), P(X <= k) = Q(k + 1, mean).
        if upper:
            return _surprise_from_log(_log_gamma_p_q(k, mean)[0])
        return _surprise_from_log(_log_gamma_p_q(k + 1.0, mean)[1])
    # Negative binomial with r = mean²/(var - mean) successes of probability p = mean/var:
    # P(X >= k) = I_{1-p}(k, r), P(X <= k) = I_p(r, k + 1).
    r = mean * mean / (var - mean)
    p = mean / var
    if upper:
        return _surprise_from_log(_log_betainc(k, r, 1.0 - p))
    return _surprise_from_log(_log_betainc(r, k + 1.0, p))


def beta_binomial_surprise(k: float, n: float, a: float, b: float) -> float:
    """Surprise of ``X >= k`` for ``X ~ BetaBinomial(n, a, b)``: ``n`` posts whose share of
    some kind (negative, mocking …) is itself uncertain, ``Beta(a, b)``. As ``a + b`` grows it
    becomes the binomial tail. Only the upper tail above the mean is computed (0 below it): the
    terms are summed from ``k`` up by their ratio until they no longer count."""
    n, k = round(n), math.ceil(k)
    if n <= 0 or k <= 0 or k <= n * a / (a + b):
        return 0.0
    if k > n:
        return MAX_SURPRISE
    log_term = (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        + math.lgamma(k + a) + math.lgamma(n - k + b) - math.lgamma(n + a + b)
        + math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    )  # fmt: skip
    first, total, ratio = log_term, 1.0, 1.0  # terms relative to the first one
    for x in range(k, n):
        ratio *= (n - x) / (x + 1) * (x + a) / (n - x - 1 + b)
        total += ratio
        if ratio < 1e-17 * total:
            break
    return _surprise_from_log(first + math.log(total))
