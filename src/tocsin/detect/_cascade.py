"""Forecast a repost cascade's final size from its first reposts: a Hawkes self-exciting process.

Model: the original post triggers reposts at the rate ``m · β · exp(-β s)`` (``s`` seconds after
it; ``m``, its direct reposts in all, grows with its author's audience) and every repost
triggers more at ``n · β · exp(-β s)`` (``n`` < 1, the branching ratio; ``1/β``, the memory's
timescale). For each ``β`` of a grid of timescales (5 minutes to 16 hours), ``m`` and ``n`` are
fitted by maximum likelihood on the repost times seen up to ``T`` (expectation-maximisation:
each repost is attributed to the original post or to an earlier repost in proportion to their
intensities); the best ``β`` by likelihood wins. The reposts still to come are then
``(m · exp(-β T) + n · Σ_j exp(-β (T - t_j))) / (1 - n)``: each pending direct repost brings
``1 / (1 - n)`` reposts with its descendants. ``n`` is capped at ``max_branching``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

TIMESCALES = (300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 57600.0)
MAX_FIT_EVENTS = 400  # the first reposts fitted; later ones still count in the forecast


@dataclass(frozen=True)
class Forecast:
    final: float  # expected reposts in all (seen + to come)
    seen: int  # reposts seen so far
    direct: float  # fitted m: direct reposts of the original post, in all
    branching: float  # fitted n (capped)
    timescale: float  # fitted 1/β, seconds


def _fit(
    times: Sequence[float], now: float, beta: float, iterations: int, prior: tuple[float, float]
) -> tuple[float, ...]:
    """(loglik, m, n, pending_root, pending_reposts) for one timescale."""
    r = [math.exp(-beta * t) for t in times]  # the original post's kernel at each repost
    a, acc, prev = [], 0.0, 0.0  # a_i: Σ_{j < i} exp(-β (t_i - t_j)) over reposts
    for t in times:
        acc *= math.exp(-beta * (t - prev))
        a.append(acc)
        acc += 1.0
        prev = t
    g0 = 1.0 - math.exp(-beta * now)  # the original post's kernel mass by now
    g1 = sum(1.0 - math.exp(-beta * (now - t)) for t in times)
    m, n = float(len(times)), 0.5
    for _ in range(iterations):
        own = sum(m * ri / (m * ri + n * ai) for ri, ai in zip(r, a, strict=True))
        m = own / max(g0, 1e-12)
        n = (len(times) - own + prior[0] * prior[1]) / (g1 + prior[1])
        n = max(n, 1e-6)
    loglik = sum(
        math.log(max(beta * (m * ri + n * ai), 1e-300)) for ri, ai in zip(r, a, strict=True)
    )
    loglik -= m * g0 + n * g1
    pending = sum(math.exp(-beta * (now - t)) for t in times)
    return loglik, m, n, math.exp(-beta * now), pending


def forecast_cascade(
    times: Sequence[float],
    now: float,
    max_branching: float = 0.95,
    iterations: int = 30,
    prior: tuple[float, float] = (0.5, 5.0),
    timescale: tuple[float, float] = (3600.0, 1.0),
) -> Forecast:
    """The final size of a cascade whose reposts came at ``times`` (seconds after the original
    post, sorted), as seen at ``now``. ``prior`` is ``(n, weight in reposts)`` for the branching
    ratio; ``timescale`` is ``(centre in seconds, spread in natural-log units)`` of a log-normal
    prior on the memory's timescale: early in a cascade the data cannot tell an hour-long
    memory from a day-long one, so the grid is ranked by likelihood plus that prior."""
    seen = len(times)
    if seen == 0:
        return Forecast(0.0, 0, 0.0, 0.0, TIMESCALES[0])
    now = max(now, times[-1], 1e-9)
    fitted = list(times[:MAX_FIT_EVENTS])
    horizon = fitted[-1] if seen > MAX_FIT_EVENTS else now
    best = max(
        ((_fit(fitted, horizon, 1.0 / s, iterations, prior), s) for s in TIMESCALES),
        key=lambda fs: fs[0][0] - 0.5 * (math.log(fs[1] / timescale[0]) / timescale[1]) ** 2,
    )
    (_, m, n, _, _), scale = best
    n = min(n, max_branching)
    beta = 1.0 / scale
    pending = m * math.exp(-beta * now) + n * sum(math.exp(-beta * (now - t)) for t in times)
    return Forecast(seen + pending / (1.0 - n), seen, m, n, scale)
