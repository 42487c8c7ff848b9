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

#: Mean of the hourly profile over a week, relative to ``posts_per_hour`` (5 weekdays at 1.0,
#: 2 weekend days at ``WEEKEND_FACTOR``); used to size a stream from a total.
WEEKEND_FACTOR = 0.8


@dataclass(frozen=True, slots=True)
class DemoConfig:
    """Parameters of one generated stream; the same config always gives the same stream.

    ``posts_per_hour`` is the mean weekday background rate (the daily rhythm moves around it;
    weekends run at 80 %). ``incident_scale`` multiplies the size of the incidents; ``None``
    scales them with ``posts_per_hour`` so that they stand out from the background the same way
    at any volume.
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
        if self.incident_scale is not None and not 0 < self.incident_scale <= 10_000:
            raise ValueError(f"incident_scale must be > 0, not {self.incident_scale}")
        if not 0 <= self.french_share <= 1:
            raise ValueError(f"french_share must be in [0, 1], not {self.french_share}")

    @property
    def scale(self) -> float:
        """How much bigger than the reference the incidents are."""
        if self.incident_scale is not None:
            return self.incident_scale
        return self.posts_per_hour / REFERENCE_POSTS_PER_HOUR

    @classmethod
    def sized(cls, total_posts: int, days: int = 7, **kwargs: Any) -> DemoConfig:
        """A config whose stream holds about ``total_posts`` posts (within a few per cent).

        The background takes the rate that gives the total once the incidents and the
        replies the brand's customer service adds are counted.
        """
        if total_posts < 1:
            raise ValueError("total_posts must be >= 1")
        # Incidents and brand replies add about 16 % to the background at any scale.
        mean_factor = (5 + 2 * WEEKEND_FACTOR) / 7
        rate = total_posts / (24 * days * mean_factor * 1.16)
        return cls(days=days, posts_per_hour=max(rate, 0.01), **kwargs)
