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
    [alert] = silence_alerts([busy], NOW)
    assert alert.kind == "silence" and alert.title == "platform bluesky is silent"
    assert alert.details["expected_posts"] == 30.0
    again = silence_alerts([busy], NOW + timedelta(hours=1))
    assert [a.key for a in again] == [alert.key]  # same episode, same key: delivered once


def _rings_after(hours: float) -> bool:
    rare = Activity("watch", "brewster", NOW - timedelta(hours=hours), 70, WEEK)  # 10 a day
    return bool(silence_alerts([rare], NOW))


def test_a_rare_source_needs_a_longer_silence() -> None:
    assert not _rings_after(16)  # 6.7 posts expected: a quiet spell, not a broken source
    assert _rings_after(20)  # 8.3 expected: the chance of such a silence is below 0.1 %
    assert silence_alerts([Activity("watch", "new", NOW, 0, WEEK)], NOW) == []


def test_store_reports_activity_per_watch_and_platform(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "t.db")
    store.migrate()
    batch = [mention(i, text="Cafélia") for i in range(1, 61)]  # one a minute for an hour
    batch.append(mention(99, text="Brewster", platform="reddit"))
    store.write(matched(*batch, watches=WATCHES))
    now = T0 + timedelta(hours=3)
    got = {(k, s): (last, n) for k, s, last, n in store.activity(now, timedelta(days=1))}
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
