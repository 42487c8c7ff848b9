"""Which detectors the monitor runs on which watch, and a detector's error as a report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.incidents.test_monitor import START, WATCHES, H, run_live, stream
from tocsin.detect import DetectError
from tocsin.domain import Mention, Signal, Watch, WatchKind
from tocsin.incidents import Monitor, MonitorConfig
from tocsin.incidents import monitor as monitor_module
from tocsin.incidents.sources import BucketCounts, MentionSource, available_sources
from tocsin.store.sqlite import SQLiteStore


def test_the_hijack_detector_runs_on_campaign_watches_only() -> None:
    sources = available_sources()
    assert {"volume_surge", "negative_share", "high_reach", "hashtag_hijack"} <= set(sources)
    hijack = sources["hashtag_hijack"]
    brand = Watch("acme", "acme OR #acme", WatchKind.BRAND)
    campaign = Watch("moments", "#AcmeMoments OR #AcmeMoments2", WatchKind.CAMPAIGN)
    assert hijack(H, "UTC", brand) is None
    assert hijack(H, "UTC", Watch("plain", "acme", WatchKind.CAMPAIGN)) is None
    made = hijack(H, "UTC", campaign)
    assert isinstance(made, MentionSource) and made.kind == "hashtag_hijack"
    assert made.detector.tags == ["acmemoments", "acmemoments2"]  # type: ignore[attr-defined]


class _Broken:
    def observe(self, watch_id: str, t: datetime, mentions: Sequence[Mention]) -> list[Signal]:
        raise DetectError("cannot read this bucket")


def test_a_detector_error_is_reported_and_the_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sources() -> dict:  # type: ignore[type-arg]
        out = dict(available_sources())
        out["alarm_words"] = lambda bucket, tz, watch: MentionSource("alarm_words", _Broken())
        return out

    monkeypatch.setattr(monitor_module, "available_sources", sources)
    store = SQLiteStore(tmp_path / "t.db")
    store.migrate()
    for w in WATCHES:
        store.put_watch(w)
    monitor = Monitor(store, MonitorConfig(detectors=("volume_surge", "alarm_words")))
    assert monitor.detectors == ["volume_surge", "alarm_words"]
    keys = run_live(store, stream(1), 62, monitor)
    assert keys[0] == "incident:acme-20261104T1200:s5"  # the volume detector still rings
    report = monitor.run(START + 62 * H + timedelta(minutes=5))
    assert report.errors == []  # no bucket closed in this tick
    report = monitor.run(START + 63 * H + timedelta(minutes=5))
    assert report.errors == [
        f"{w} alarm_words 2026-11-04 14:00: cannot read this bucket" for w in ("acme", "other")
    ]


def test_a_mention_source_only_sees_closed_buckets() -> None:
    class Seen:
        def __init__(self) -> None:
            self.calls: list[int] = []

        def observe(self, watch_id: str, t: datetime, mentions: Sequence[Mention]) -> list[Signal]:
            self.calls.append(len(mentions))
            return []

    seen = Seen()
    source = MentionSource("alarm_words", seen)
    posts = stream(1, hours=1)[:3]
    assert source.observe("acme", START, BucketCounts(3), posts, final=False) == []
    assert source.observe("acme", START, BucketCounts(3), posts, final=True) == []
    assert seen.calls == [3]


def test_the_shared_link_source_scores_the_open_bucket_without_learning() -> None:
    import pickle

    from tocsin.detect import SharedLinkConfig, SharedLinkDetector
    from tocsin.domain import Author, Sentiment

    made = available_sources()["shared_link"](H, "UTC", Watch("acme", "acme"))
    assert isinstance(made, MentionSource) and made.early
    made.detector = SharedLinkDetector(SharedLinkConfig(settle=0))

    def linking(i: int, minute: int) -> Mention:
        return Mention(
            platform="x", native_id=f"p{i}", author=Author("x", f"a{i}", f"a{i}"),
            text="https://blog.example/panne", created_at=START + timedelta(minutes=minute),
            links=("https://blog.example/panne",), sentiment=Sentiment("negative", 0.9),
        )  # fmt: skip

    made.observe("acme", START, BucketCounts(1), [linking(0, 5)], final=True)
    before = pickle.dumps(made.detector)
    later = START + H
    posts = [linking(1, 65), linking(2, 70)]
    [early] = made.observe("acme", later, BucketCounts(2), posts, final=False)
    assert pickle.dumps(made.detector) == before  # scored, not learned
    assert (early.kind, early.subject, early.details["buckets"]) == (
        "shared_link", "blog.example/panne", 2,
    )  # fmt: skip
    [final] = made.observe("acme", later, BucketCounts(2), posts, final=True)
    assert final == early
