"""The usual share of posts with a property (negative, mocking, carrying an alarm word), and
how surprising a bucket's share is against it, with small-count statistics.

A :class:`ShareBaseline` learns, with exponential forgetting (``halflife`` learned buckets),
the share ``p`` and how much it varies between buckets beyond chance: the intra-bucket
correlation ``rho`` of the beta-binomial, estimated by moments,
``E[(k - n p)²] = n p (1 - p) (1 + (n - 1) rho)``. A bucket of ``k`` such posts out of ``n`` is
then judged by the beta-binomial tail ``P(X >= k)``, whose Beta(``a``, ``b``) spreads ``p`` by
both that variation and the uncertainty of ``p`` itself (few posts learned): 3 negatives out of 4
against a 10 % baseline is a 1-in-270 event, 300 out of 400 a 1-in-10^200 one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tocsin.detect._base import DetectError
from tocsin.detect._tails import beta_binomial_surprise

MAX_RHO = 0.5


def pair(x: Any, what: str) -> tuple[Any, Any]:
    """The two parts of a bucket's input, or :class:`DetectError` (a readable line)."""
    try:
        a, b = x
    except (TypeError, ValueError):
        raise DetectError(f"{what}: expected a pair, not {x!r}"[:200]) from None
    return a, b


def check_counts(k: float, n: float, what: str = "count") -> tuple[int, int]:
    """``(k, n)`` as whole numbers with ``0 <= k <= n``, or :class:`DetectError`."""
    for v in (k, n):
        if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0 and v == int(v)):
            raise DetectError(f"{what} must be whole numbers >= 0, not {(k, n)!r}")
    if k > n:
        raise DetectError(f"{what}: {k} out of {n} is more than all of them")
    return int(k), int(n)


def score_of(surprise: float, half: float) -> float:
    """A surprise ``s`` (``-log10 P``) as a score in ``[0, 1)``: ``s / (s + half)``."""
    return surprise / (surprise + half) if surprise > 0.0 else 0.0


@dataclass
class ShareBaseline:
    halflife: float  # in learned buckets
    prior_share: float  # the share assumed before any post is learned
    prior_weight: float  # how many posts that assumption is worth
    min_rho: float = 0.002  # least between-bucket variation assumed (a concentration of 500)
    hits: float = 0.0  # decayed posts with the property
    posts: float = 0.0  # decayed posts
    excess: float = 0.0  # decayed sum of (k - n p)² - n p (1 - p)
    spread: float = 0.0  # decayed sum of n (n - 1) p (1 - p)
    learned: int = 0  # buckets learned

    @property
    def share(self) -> float:
        return (self.hits + self.prior_share * self.prior_weight) / (self.posts + self.prior_weight)

    @property
    def rho(self) -> float:
        r = self.excess / self.spread if self.spread > 0.0 else 0.0
        return min(MAX_RHO, max(self.min_rho, r))

    def beta(self) -> tuple[float, float]:
        """The Beta(a, b) of a bucket's share: between-bucket variation and the uncertainty of
        the learned share, their variances added (concentrations combine harmonically)."""
        p = min(max(self.share, 1e-6), 1.0 - 1e-6)
        between = 1.0 / self.rho - 1.0
        known = self.posts + self.prior_weight
        kappa = 1.0 / (1.0 / between + 1.0 / known)
        return p * kappa, (1.0 - p) * kappa

    def surprise(self, k: int, n: int) -> float:
        """``-log10 P(X >= k)`` for a bucket of ``n`` posts (0 at or below the usual share)."""
        a, b = self.beta()
        return beta_binomial_surprise(k, n, a, b)

    def learn(self, k: int, n: int) -> None:
        if n <= 0:
            return
        p = self.share
        d = 0.5 ** (1.0 / self.halflife)
        self.excess = d * self.excess + (k - n * p) ** 2 - n * p * (1.0 - p)
        self.spread = d * self.spread + n * (n - 1) * p * (1.0 - p)
        self.hits = d * self.hits + k
        self.posts = d * self.posts + n
        self.learned += 1


@dataclass
class GuardedShare:
    """A :class:`ShareBaseline` that does not learn from a crisis. A run starts at a bucket whose
    surprise passes ``protect`` and lasts while the evidence for it — a CUSUM of log-likelihood
    ratios of the run's share against the usual one, capped at ``hold`` nats — stays positive,
    so the small, unremarkable buckets of a crisis' night are part of it, not learned. After
    ``rebaseline_after`` buckets of a run (``None``: never), the new share is accepted."""

    baseline: ShareBaseline
    run: int = 0  # buckets in the current run
    run_k: int = 0
    run_n: int = 0
    cusum: float = 0.0

    def learn(
        self, k: int, n: int, surprise: float, protect: float, hold: float, rebaseline: int | None
    ) -> None:
        if n == 0:
            return
        if self.run_n == 0 and surprise <= protect:
            self.baseline.learn(k, n)
            return
        p0 = min(max(self.baseline.share, 1e-6), 1 - 1e-6)
        p1 = min(max((self.run_k + k) / (self.run_n + n), p0), 1 - 1e-6)
        llr = k * math.log(p1 / p0) + (n - k) * math.log((1 - p1) / (1 - p0))
        self.cusum = min(hold, self.cusum + llr)
        if surprise > protect or self.cusum > 0.0:
            self.run_k, self.run_n, self.run = self.run_k + k, self.run_n + n, self.run + 1
            if rebaseline is None or self.run <= rebaseline:
                return
        else:
            self.run = self.run_k = self.run_n = 0
            self.cusum = 0.0
        self.baseline.learn(k, n)
