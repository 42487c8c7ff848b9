""" "Source is silent": a watch or a platform that usually receives posts has received none for
longer than chance explains. A silent source is often a broken connector or an expired token,
and it blinds every other alert, so it is an alert of its own.

The expected count of posts over the silence, E, follows the daily rhythm: for a silence shorter
than a day it is the median number of posts the source received in the same clock window on
the previous days of the baseline (a brand is quiet at night: a silent night is not news; the
median, because bursts are not a rhythm: one busy evening last week does not make tonight's
calm a silence), and it needs ``MIN_DAYS`` such days (a younger source has no rhythm yet and
short silences do not ring); for a day or more, the usual rate times the duration (every hour of
the day is covered). The chance of no post is exp(-E) (Poisson); the alert rings once E passes
``min_expected`` (10 → chance below 0.005 %) and the silence has lasted ``MIN_SILENCE``. One
alert per silence episode: the key holds the last-seen time.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tocsin.domain import Alert

MIN_EXPECTED = 10.0
MIN_DAYS = 3
#: A silence is judged once it lasts this long: the rule runs every few minutes, and a busy
#: source's few quiet minutes, tested that often, would ring by chance (a demo week: 234 times).
MIN_SILENCE = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Activity:
    kind: str  # "watch" or "platform"
    source: str
    last_seen: datetime
    posts_in_baseline: int
    baseline: timedelta
    #: posts in the same clock window as the silence on each previous day the source already
    #: existed, within the baseline (``None``: unknown, the rate decides)
    same_window: tuple[int, ...] | None = None

    def expected(self, now: datetime) -> float:
        """Posts expected between ``last_seen`` and ``now`` (see the module docstring)."""
        silent_for = (now - self.last_seen).total_seconds()
        if self.same_window is not None and silent_for < 86_400:
            if len(self.same_window) < MIN_DAYS:
                return 0.0
            return float(statistics.median(self.same_window))
        return self.posts_in_baseline / self.baseline.total_seconds() * silent_for


def silence_alerts(
    activities: Iterable[Activity], now: datetime, min_expected: float = MIN_EXPECTED
) -> list[Alert]:
    alerts = []
    for a in activities:
        seconds = a.baseline.total_seconds()
        if a.posts_in_baseline <= 0 or seconds <= 0 or now <= a.last_seen:
            continue
        if now - a.last_seen < MIN_SILENCE:
            continue
        silent_for = (now - a.last_seen).total_seconds()
        expected = a.expected(now)
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
                    f"{expected:.0f} were expected at this time of day. Check the source."
                ),
                severity=min(10, 3 + int(math.log10(max(expected, 1.0)))),
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
