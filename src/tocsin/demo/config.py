"""What the demo generator is asked for: seed, period, volume, incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tocsin.domain import utc

#: A Monday, 00:00 UTC.
DEFAULT_START = datetime(2025, 3, 3, tzinfo=UTC)
#: The weekday rate the incident sizes were tuned for: 7 days come to about 33,000 posts.
REFERENCE_POSTS_PER_HOUR = 180.0
MAX_DAYS = 366
MAX_POSTS_PER_HOUR = 1_000_000.0
#: Incidents stop growing there (about 3 million posts a week): their schedules are drawn, and
#: kept, when the stream is set up.
MAX_INCIDENT_SCALE = 100.0

#: Weekend volume relative to weekdays.
WEEKEND_FACTOR = 0.8


@dataclass(frozen=True, slots=True)
class DemoConfig:
    """Parameters of one generated stream; the same config always gives the same stream.

    ``posts_per_hour`` is the mean weekday background rate (the daily rhythm moves around it;
    weekends run at 80 %). ``incident_scale`` multiplies the size of the incidents; ``None``
    scales them with ``posts_per_hour`` so that they stand out from the background the same way
    at any volume (up to ``MAX_INCIDENT_SCALE``). ``french_share`` is the share of authors who
    post in French.
    """

    seed: int = 7
    start: datetime = DEFAULT_START
    days: int = 7
    posts_per_hour: float = REFERENCE_POSTS_PER_HOUR
    incidents: bool = True
    incident_scale: float | None = None
    french_share: float = 0.55

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", utc(self.start))
        if not 1 <= self.days <= MAX_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_DAYS}, not {self.days}")
        if not 0 < self.posts_per_hour <= MAX_POSTS_PER_HOUR:
            raise ValueError(
                f"posts_per_hour must be > 0 and <= {MAX_POSTS_PER_HOUR:g}, "
                f"not {self.posts_per_hour}"
            )
        if self.incident_scale is not None and not 0 < self.incident_scale <= MAX_INCIDENT_SCALE:
            raise ValueError(
                f"incident_scale must be > 0 and <= {MAX_INCIDENT_SCALE:g}, "
                f"not {self.incident_scale}"
            )
        if not 0 <= self.french_share <= 1:
            raise ValueError(f"french_share must be in [0, 1], not {self.french_share}")

    @property
    def scale(self) -> float:
        """How much bigger than the reference the incidents are."""
        if self.incident_scale is not None:
            return self.incident_scale
        return min(self.posts_per_hour / REFERENCE_POSTS_PER_HOUR, MAX_INCIDENT_SCALE)

    @classmethod
    def sized(cls, total_posts: int, days: int = 7, **kwargs: Any) -> DemoConfig:
        """A config whose stream holds a little more than ``total_posts`` posts (about 2 %
        more, so that ``itertools.islice(stream, total_posts)`` is full)."""
        from tocsin.demo.stream import expected_posts  # the stream module imports this one

        if total_posts < 1:
            raise ValueError("total_posts must be >= 1")
        target = total_posts * 1.02 + 50
        probe = cls(days=days, posts_per_hour=REFERENCE_POSTS_PER_HOUR, **kwargs)
        at_reference = expected_posts(probe)
        if probe.incident_scale is None:  # everything grows with the rate
            rate = REFERENCE_POSTS_PER_HOUR * target / at_reference
        else:  # the incidents keep their size
            fixed = expected_posts(cls(days=days, posts_per_hour=1e-9, **kwargs))
            rate = REFERENCE_POSTS_PER_HOUR * (target - fixed) / (at_reference - fixed)
        return cls(days=days, posts_per_hour=min(max(rate, 0.01), MAX_POSTS_PER_HOUR), **kwargs)
