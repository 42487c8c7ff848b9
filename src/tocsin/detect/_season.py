"""Calendar rhythms: which seasons a step allows, and the phase of an instant in each.

A season is a period (a day, a week) cut into phases one step wide: hour-of-day for an hourly
series, 5-minute slot of the day for a 5-minute series, (day-of-week, hour) for the weekly one.
Phases are read on the wall clock of ``timezone``, so a French brand's evening peak stays at 21:00
across daylight-saving changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tocsin.detect._base import DetectError

DAY = 86_400.0
WEEK = 7 * DAY
_MONDAY = 3 * DAY  # 1970-01-01 was a Thursday: +3 days puts weekly phase 0 on Monday 00:00


@dataclass(frozen=True)
class Season:
    period: float  # seconds
    phases: int

    @property
    def width(self) -> float:
        return self.period / self.phases

    def phase(self, local_seconds: float) -> int:
        return int(((local_seconds + _MONDAY) % self.period) // self.width) % self.phases


def seasons_for(step: float, max_phases: int = 4032) -> tuple[Season, ...]:
    """The daily and weekly seasons a step allows: a season needs at least 2 phases per period
    (daily needs a step under 12 hours; weekly a step of at most a day)."""
    out = []
    for period in (DAY, WEEK):
        phases = math.ceil(period / step - 1e-9)
        if 2 <= phases <= max_phases and (period == DAY or step <= DAY):
            out.append(Season(period, phases))
    return tuple(out)


class Clock:
    """Turns epoch seconds into wall-clock seconds of a timezone (cheaply for UTC)."""

    __slots__ = ("_zone", "timezone")

    def __init__(self, timezone: str = "UTC") -> None:
        self.timezone = timezone
        try:
            self._zone = None if timezone in ("UTC", "utc", "Z") else ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise DetectError(
                f"unknown timezone {timezone!r} (an IANA name: Europe/Paris)"
            ) from None

    def local(self, seconds: float) -> float:
        if self._zone is None:
            return seconds
        offset = datetime.fromtimestamp(seconds, UTC).astimezone(self._zone).utcoffset()
        return seconds + (offset.total_seconds() if offset is not None else 0.0)


class DayMemory:
    """The values of the last ``days`` days, by phase of the day: does a value recur at this
    time of day (give or take ``tolerance`` phases) on earlier days?"""

    __slots__ = ("days", "season", "tolerance", "values")

    def __init__(self, season: Season, days: int, tolerance: int) -> None:
        self.season = season
        self.days = days
        self.tolerance = tolerance
        self.values: dict[int, list[float]] = {}  # day number -> value per phase (nan: none)

    def _day(self, local_seconds: float) -> int:
        return int(local_seconds // self.season.period)

    def remember(self, local_seconds: float, x: float) -> None:
        day = self._day(local_seconds)
        row = self.values.get(day)
        if row is None:
            row = self.values[day] = [math.nan] * self.season.phases
            for old in [d for d in self.values if d < day - self.days]:
                del self.values[old]
        row[self.season.phase(local_seconds)] = x

    def recurrences(
        self, local_seconds: float, x: float, upper: bool, tolerance: int | None = None
    ) -> int:
        """Earlier days (of the last ``days``) on which a value at least as extreme as ``x``
        was seen within ``tolerance`` phases (default: the memory's) of this time of day."""
        tol = self.tolerance if tolerance is None else tolerance
        phases = self.season.phases
        slot = self._day(local_seconds) * phases + self.season.phase(local_seconds)
        hits = 0
        for back in range(1, self.days + 1):
            centre = slot - back * phases
            for s in range(centre - tol, centre + tol + 1):
                row = self.values.get(s // phases)
                v = row[s % phases] if row is not None else math.nan
                if v == v and (v >= x if upper else v <= x):
                    hits += 1
                    break
        return hits
