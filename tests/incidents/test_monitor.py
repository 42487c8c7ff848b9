"""The monitor on a real SQLite store: seeded streams, exact incidents and alert keys, state that
survives a restart, the store's incident tables, and the explanation."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import mention
from tests.store.contract import matched
from tocsin.domain import Author, Channel, ChannelKind, Metrics, Sentiment, Watch
from tocsin.incidents import Monitor, MonitorConfig, explain
from tocsin.incidents.explain import log_odds, terms_of
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_incidents import SQLiteIncidents

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)
WATCHES = [Watch("acme", "acme"), Watch("other", "brewster")]
SURGE_HOUR = 60  # Wednesday 12:00


def stream(seed: int, hours: int = 72, surge: bool = True) -> list:  # type: ignore[type-arg]
    """~12 posts an hour about acme (more by day), 2 about brewster; from SURGE_HOUR, three
    hours of complaints about a broken grinder, one by a large account."""
    rnd = random.Random(seed)
    out = []
    n = 0
    for h in range(hours):
        day = 8 <= h % 24 < 20
        count = rnd.randint(10, 16) if day else rnd.randint(3, 6)
        posts = [("acme is fine, nice coffee today", "neutral") for _ in range(count)]
        posts += [("brewster opens a shop", "neutral") for _ in range(2)]
        if surge and SURGE_HOUR <= h < SURGE_HOUR + 3:
            posts += [("acme grinder broken again, refund refused", "negative")] * 90
        for text, label in posts:
            n += 1
            big = surge and h == SURGE_HOUR and label == "negative" and n % 90 == 0
            followers = 2_000_000 if big else 100
            out.append(
                mention(
                    n,
                    text=text,
                    native_id=str(n),
                    created_at=START + h * H + timedelta(seconds=rnd.randrange(3600)),
                    author=Author("x", f"u{n % 50}", f"user{n % 50}", "", followers),
                    metrics=Metrics(reposts=n % 7),
                    sentiment=Sentiment(label, 0.9),
                )
            )
    out.sort(key=lambda m: m.created_at)
    return out


def run_live(store: SQLiteStore, posts: list, until_hour: int, monitor: Monitor) -> list[str]:  # type: ignore[type-arg]
    """Write posts tick by tick (10 minutes) and run the monitor: the alert keys raised."""
    keys: list[str] = []
    tick = timedelta(minutes=10)
    now = START + tick
    i = 0
    while now <= START + until_hour * H:
        batch = []
        while i < len(posts) and posts[i].created_at < now:
            batch.append(posts[i])
            i += 1
        if batch:
            store.write(matched(*batch, watches=WATCHES))
        keys += [a.key for a in monitor.run(now).alerts]
        now += tick
    return keys


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    s = SQLiteStore(tmp_path / "t.db")
    s.migrate()
    for w in WATCHES:
        s.put_watch(w)
    s.outbox().put_channel(Channel("ops", ChannelKind.WEBHOOK, "http://127.0.0.1:9/"))
    return s


CONFIG = MonitorConfig(detectors=("volume_surge",), silence=False)
#: Opened early, 30 minutes into the surge's first hour (its count already rings), then two
#: severity steps as it grows (the 2M-follower post arrives): three alerts, one incident.
EXPECTED = [f"incident:acme-20261104T1200:s{s}" for s in (5, 7, 10)]


def test_a_surge_is_one_incident_with_one_alert_in_the_outbox(store: SQLiteStore) -> None:
    keys = run_live(store, stream(1), 72, Monitor(store, CONFIG))
    assert keys == EXPECTED
    deliveries = store.outbox().deliveries()[::-1]
    assert [d.alert.key for d in deliveries] == EXPECTED
    assert {d.channel for d in deliveries} == {"ops"}
    assert [d.alert.created_at - START - SURGE_HOUR * H for d in deliveries] == [
        timedelta(minutes=m) for m in (30, 40, 60)
    ]
    [inc] = SQLiteIncidents(store.db).find()
    assert inc.id == "acme-20261104T1200" and inc.onset == START + SURGE_HOUR * H
    assert inc.kinds == ("volume_surge",) and inc.peak_severity == 10
    assert inc.status == "resolved" and inc.resolved_at == START + (SURGE_HOUR + 7) * H
    sigs = SQLiteIncidents(store.db).signals(inc.id)
    # the surge's later hours no longer ring: its first hour entered the calibration (one
    # anomalous bucket per run does), and 3 hours are too short a history to call them rare
    assert [s.at for s in sigs] == [START + SURGE_HOUR * H]
    assert sigs[0].details["reach"] == 2_000_000


def test_no_surge_no_incident(store: SQLiteStore) -> None:
    assert run_live(store, stream(1, surge=False), 72, Monitor(store, CONFIG)) == []
    assert SQLiteIncidents(store.db).find() == []


def test_a_restarted_monitor_continues_from_the_store(tmp_path: Path, store: SQLiteStore) -> None:
    posts = stream(1)
    before = [p for p in posts if p.created_at < START + (SURGE_HOUR + 1) * H]
    keys = run_live(store, before, SURGE_HOUR + 1, Monitor(store, CONFIG))
    assert keys == EXPECTED  # all rung within the first bucket, before it closed
    store.close()
    reopened = SQLiteStore(tmp_path / "t.db")
    rest = [p for p in posts if p.created_at >= START + (SURGE_HOUR + 1) * H]
    monitor = Monitor(reopened, CONFIG)  # a new process: state from the store
    state = SQLiteIncidents(reopened.db).load_state("acme", "volume_surge")
    assert state is not None and state[0] * 3600 == (START + (SURGE_HOUR + 1) * H).timestamp()
    now = START + (SURGE_HOUR + 1) * H
    reopened.write(matched(*rest, watches=WATCHES))
    again = []
    while now <= START + 72 * H:
        now += timedelta(minutes=10)
        again += [a.key for a in monitor.run(now).alerts]
    assert again == []  # the same incident goes on: no alert raised twice
    [inc] = SQLiteIncidents(reopened.db).find()
    assert inc.buckets == 1 and inc.status == "resolved"
    assert len(reopened.outbox().deliveries()) == 3


def test_the_incident_explains_itself(store: SQLiteStore) -> None:
    run_live(store, stream(2), 72, Monitor(store, CONFIG))
    [inc] = SQLiteIncidents(store.db).find()
    ex = explain(store, inc, H)
    top = {t for t, _ in ex.terms[:5]}
    assert top == {"again", "broken", "grinder", "refund", "refused"}
    assert ex.top_posts[0].author.followers == 2_000_000
    assert ex.sentiment_before["negative"] == 0 and ex.sentiment_before["neutral"] > 400
    assert ex.sentiment_now["negative"] == 270
    assert ex.platforms == [("x", ex.posts_read)] and ex.languages[0][0] == "fr"
    onset_row = [row for row in ex.timeline if row[0] == inc.onset]
    assert onset_row and onset_row[0][2] == 90  # negative posts in the onset bucket
    assert ex.timeline[0][0] == inc.onset - 6 * H
    text = "\n".join(ex.lines())
    assert "broken" in text and "Timeline" in text
    assert "Terms: again, broken, grinder" in ex.headline()
    first = store.outbox().deliveries()[-1]
    assert first.alert.details["explanation"]["terms"][0][0] == "again"


def test_log_odds_ranks_what_sets_the_group_apart() -> None:
    g = {"acme": 10, "broken": 8, "grinder": 8, "coffee": 1}
    b = {"acme": 100, "coffee": 60, "nice": 50}
    ranked = log_odds(Counter(g), Counter(b))
    assert [t for t, _ in ranked] == ["broken", "grinder"]
    assert terms_of("L'ARNAQUE de #Acme, voir https://x.co/a @bob 2024") == {
        "arnaque",
        "#acme",
        "voir",
        "@bob",
    }
