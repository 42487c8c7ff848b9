"""Calendar rhythms: phases, seasons a step allows, local wall clock, recurrences."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tocsin.detect import DetectError
from tocsin.detect._season import DAY, WEEK, Clock, DayMemory, Season, seasons_for


def seconds(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


def test_phases_of_the_week_start_on_monday() -> None:
    week = Season(WEEK, 168)
    assert week.phase(seconds(2026, 1, 5, 0, 0)) == 0  # a Monday
    assert week.phase(seconds(2026, 1, 11, 23, 30)) == 167  # the Sunday after
    assert Season(DAY, 288).phase(seconds(2026, 1, 7, 12, 7)) == 145


def test_seasons_for_a_step() -> None:
    assert seasons_for(300) == (Season(DAY, 288), Season(WEEK, 2016))
    assert seasons_for(3600) == (Season(DAY, 24), Season(WEEK, 168))
    assert seasons_for(DAY) == (Season(WEEK, 7),)
    assert seasons_for(WEEK) == ()


def test_wall_clock_follows_daylight_saving() -> None:
    paris = Clock("Europe/Paris")
    hour = Season(DAY, 24)
    winter, summer = seconds(2026, 1, 15, 20, 0), seconds(2026, 7, 15, 19, 0)
    assert hour.phase(paris.local(winter)) == hour.phase(paris.local(summer)) == 21
    assert Clock().local(winter) == winter
    with pytest.raises(DetectError, match="unknown timezone"):
        Clock("Europe/Atlantis")


def test_day_memory_counts_earlier_days_near_this_time() -> None:
    memory = DayMemory(Season(DAY, 24), days=7, tolerance=1)
    for day in range(5, 8):  # 20:00 on three days; 23:00 the day before midnight
        memory.remember(seconds(2026, 1, day, 20, 0), 50.0)
    memory.remember(seconds(2026, 1, 7, 23, 0), 9.0)
    now = seconds(2026, 1, 8, 21, 0)
    assert memory.recurrences(now, 40.0, upper=True) == 3
    assert memory.recurrences(now, 60.0, upper=True) == 0
    assert memory.recurrences(seconds(2026, 1, 9, 0, 0), 8.0, upper=True) == 1  # across midnight
    assert memory.recurrences(seconds(2026, 1, 20, 21, 0), 40.0, upper=True) == 0  # forgotten
