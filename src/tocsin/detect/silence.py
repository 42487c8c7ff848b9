""" "Source is silent": a watch or a platform that usually receives posts has received none for
longer than chance explains. A silent source is often a broken connector or an expired token,
and it blinds every other alert, so it is an alert of its own.

At the usual rate r (posts per second over the baseline), the chance of no post for t seconds is
exp(-r·t) (Poisson). The alert rings once the expected count r·t passes ``min_expected``
(7 → chance below 0.1 %). One alert per silence episode: the key holds the last-seen time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tocsin.domain import Alert

MIN_EXPECTED = 7.0


@dataclass(frozen=True, slots=True)
class Activity:
    kind: str  # "watch" or "platform"
    source: str
    last_seen: datetime
    posts_in_baseline: int
    baseline: timedelta


def silence_alerts(
    activities: Iterable[Activity], now: datetime, min_expected: float = MIN_EXPECTED
) -> list[Alert]:
    alerts = []
    for a in activities:
        seconds = a.baseline.total_seconds()
        if a.posts_in_baseline <= 0 or seconds <= 0 or now <= a.last_seen:
            continue
        rate = a.posts_in_baseline / seconds
        silent_for = (now - a.last_seen).total_seconds()
        expected = rate * silent_for
        if expected < min_expected:
            continue
        hours = silent_for / 3600
        alerts.append(
            Alert(
                key=f"silence:{a.kind}:{a.source}:{a.last_seen.isoformat()}",
                kind="silence",
                title=f"{a.kind} {a.source} is silent",
                summary=(
                    f"No post since {a.last_seen:%Y-%m-%d %H:%M} UTC ({hours:.1f} h); about "
                    f"{expected:.0f} were expected at the usual rate. Check the source."
                ),
                severity=min(10, 3 + int(math.log10(expected))),
                created_at=now,
                watch_id=a.source if a.kind == "watch" else None,
                details={
                    "last_seen": a.last_seen.isoformat(),
                    "expected_posts": round(expected, 1),
                    "chance_of_silence": math.exp(-expected),
                    "baseline_posts": a.posts_in_baseline,
                    "baseline_hours": seconds / 3600,
                },
            )
        )
    return alerts
