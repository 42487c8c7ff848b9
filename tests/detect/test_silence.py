from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.factories import T0, mention
from tests.store.contract import WATCHES, matched
from tocsin.detect.silence import Activity, silence_alerts
from tocsin.store.sqlite import SQLiteStore

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
WEEK = timedelta(days=7)


def test_busy_source_that_stops_rings_once_per_episode() -> None:
    busy = Activity("platform", "bluesky", NOW - timedelta(minutes=30), 10_080, WEEK)  # 1/min
    assert silence_alerts([busy], NOW - timedelta(minutes=1)) == []  # 29 minutes: not yet judged
    [alert] = silence_alerts([busy], NOW)
    assert alert.kind == "silence" and alert.title == "platform bluesky is silent"
    assert alert.details["expected_posts"] == 30.0
    again = silence_alerts([busy], NOW + timedelta(hours=1))
    assert [a.key for a in again] == [alert.key]  # same episode, same key: delivered once


def _rings_after(hours: float) -> bool:
    rare = Activity("watch", "brewster", NOW - timedelta(hours=hours), 70, WEEK)  # 10 a day
    return bool(silence_alerts([rare], NOW))


def test_a_rare_source_needs_a_longer_silence() -> None:
    assert not _rings_after(20)  # 8.3 posts expected: a quiet spell, not a broken source
    assert _rings_after(25)  # 10.4 expected: the chance of such a silence is below 0.005 %
    assert silence_alerts([Activity("watch", "new", NOW, 0, WEEK)], NOW) == []


def test_store_reports_activity_per_watch_and_platform(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "t.db")
    store.migrate()
    batch = [mention(i, text="Cafélia") for i in range(1, 61)]  # one a minute for an hour
    batch.append(mention(99, text="Brewster", platform="reddit"))
    store.write(matched(*batch, watches=WATCHES))
    now = T0 + timedelta(hours=3)
    got = {(k, s): (last, n) for k, s, last, n, _ in store.activity(now, timedelta(days=1))}
    assert got[("watch", "cafelia")] == (T0 + timedelta(minutes=60), 60)
    assert got[("platform", "x")] == (T0 + timedelta(minutes=60), 60)
    assert got[("platform", "reddit")] == (T0 + timedelta(minutes=99), 1)
    day = timedelta(days=1)
    activities = [Activity(k, s, last, n, day) for (k, s), (last, n) in got.items()]
    # 60 posts a day: two hours of silence is 5 posts expected, not yet an alert
    assert silence_alerts(activities, now) == []
    rung = {a.title for a in silence_alerts(activities, now + timedelta(hours=2))}
    assert rung == {"watch cafelia is silent", "platform x is silent"}
    store.close()


def test_a_quiet_night_is_not_a_silence(tmp_path: Path) -> None:
    """A brand that gets posts from 8:00 to 22:00 only: its night is quiet every day, so the
    night is not news; the same silence in the afternoon is."""
    store = SQLiteStore(tmp_path / "t.db")
    store.migrate()
    day0 = datetime(2026, 11, 2, tzinfo=UTC)
    posts = [
        mention(
            d * 1000 + m, text="Cafélia", created_at=day0 + timedelta(days=d, hours=8, minutes=m)
        )
        for d in range(8)
        for m in range(0, 14 * 60, 6)  # every 6 minutes from 8:00 to 22:00: 140 a day
    ]
    store.write(matched(*posts, watches=WATCHES))
    week = timedelta(days=7)

    def rings(now: datetime) -> set[str]:
        acts = [Activity(k, s, t, n, week, c) for k, s, t, n, c in store.activity(now, week)]
        return {a.title for a in silence_alerts(acts, now)}

    last_day = day0 + timedelta(days=7)
    assert rings(last_day + timedelta(hours=26)) == set()  # 22:00 → 2:00: nothing due at night
    # Cut the last day at 13:00: by 15:00 about 20 posts were due, as on every previous day.
    cut = [m for m in posts if m.created_at < last_day + timedelta(hours=13)]
    other = SQLiteStore(tmp_path / "cut.db")
    other.migrate()
    other.write(matched(*cut, watches=WATCHES))
    acts = [
        Activity(k, s, t, n, week, c)
        for k, s, t, n, c in other.activity(last_day + timedelta(hours=15), week)
    ]
    rung = silence_alerts(acts, last_day + timedelta(hours=15))
    assert {a.title for a in rung} == {"watch cafelia is silent", "platform x is silent"}
    assert all(15 <= a.details["expected_posts"] <= 25 for a in rung)
    # Without the clock window, the daily rate would have rung at night.
    night = last_day + timedelta(hours=26)
    flat = [Activity(k, s, t, n, week) for k, s, t, n, _ in store.activity(night, week)]
    assert silence_alerts(flat, night)
    store.close()
    other.close()
