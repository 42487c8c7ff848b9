"""Seeded replays of the demo through the real pipeline and the monitor: exact alerts, delays
and false incidents (the volume detector alone: the others depend on sentiment and are measured
in docs/detection.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tocsin.demo import DemoConfig, generate
from tocsin.incidents.backtest import BacktestConfig, TruthIncident, _ticks, replay, replay_demo
from tocsin.incidents.monitor import DEFAULT_DETECTORS

VOLUME = BacktestConfig(detectors=("volume_surge",))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "alerts", "delays"),
    [
        (
            7,
            [
                (at(6, 12, 10), "incident:cafelia-moments-20250306T1100:s5"),
                (at(8, 21, 30), "incident:cafelia-20250308T2000:s5"),
                (at(8, 22, 55), "incident:cafelia-20250308T2000:s7"),
            ],
            {"blog": None, "hijack": 1, "cascade": 1},
        ),
        (
            2,
            [
                (at(6, 11, 50), "incident:cafelia-moments-20250306T1100:s6"),
                (at(8, 21, 45), "incident:cafelia-20250308T2000:s5"),
            ],
            {"blog": None, "hijack": 0, "cascade": 1},
        ),
    ],
)
def test_demo_replay_rings_the_hijack_and_the_cascade_within_two_buckets(
    seed: int, alerts: list[tuple[datetime, str]], delays: dict[str, int | None]
) -> None:
    r = replay_demo(seed, config=VOLUME)
    assert [(a.created_at, a.key) for a in r.alerts] == alerts
    assert {d.truth.id: d.delay_buckets for d in r.detections} == delays
    assert r.false_incidents == [] and r.queued == len(alerts)  # one channel: one delivery each


def test_ticks_cover_empty_stretches() -> None:
    stream, _ = generate(DemoConfig(seed=1, days=1))
    posts = [m for _, m in zip(range(300), stream, strict=False)]
    ticks = list(_ticks(posts, timedelta(minutes=5)))
    ends = [t for t, _ in ticks]
    assert ends == [ends[0] + k * timedelta(minutes=5) for k in range(len(ends))]
    assert sum(len(b) for _, b in ticks) == 300
    assert all(all(m.created_at < t for m in b) for t, b in ticks)


def test_scoring_counts_a_missed_incident_and_a_false_one() -> None:
    stream, gt = generate(DemoConfig(seed=3, days=2, incidents=False))
    posts = list(stream)
    start = gt.start
    fake = TruthIncident("x", "hashtag_hijack", "brewster", start + timedelta(hours=30), gt.end)
    r = replay(
        posts,
        gt.watches,
        VOLUME,
        truth=[fake],
        quiet=[(start + timedelta(days=1), start + timedelta(days=2))],
    )
    [d] = r.detections
    assert d.alert is None and d.delay_buckets is None  # nothing happened: missed
    assert r.quiet_weeks == pytest.approx(1 / 7)
    assert len(r.false_incidents) == r.quiet_false == len(r.incidents)


@pytest.mark.slow
def test_the_detectors_with_oracle_sentiment_ring_every_demo_incident_within_two_buckets() -> None:
    """Seed 1 with the generator's own sentiment labels and every detector but the storyline
    one, which reads the encoder's vectors: no model, so the alerts are exact on any machine."""
    detectors = tuple(d for d in DEFAULT_DETECTORS if d != "storyline")
    r = replay_demo(1, config=BacktestConfig(detectors=detectors), sentiment="oracle")
    blog = "incident:cafelia-20250304T0800-shared-link-carnetdejulien-fr-2025-03-ca"
    assert [(a.created_at, a.key) for a in r.alerts] == [
        (at(4, 10, 40), f"{blog}:s3"),
        (at(4, 14, 35), f"{blog}:s5"),
        (at(4, 18, 50), f"{blog}:s7"),
        (at(5, 11, 50), "incident:cafelia-20250305T0800:s3"),
        (at(5, 12, 0), "incident:cafelia-20250305T0800:s6"),
        (at(6, 12, 10), "incident:cafelia-moments-20250306T1100:s5"),
        (at(6, 14, 0), "incident:cafelia-moments-20250306T1100:s7"),
        (at(8, 21, 45), "incident:cafelia-20250308T2000:s7"),
        (at(8, 22, 0), "incident:cafelia-20250308T2000:s10"),
    ]
    assert {d.truth.id: d.delay_buckets for d in r.detections} == {
        "blog": 2,
        "hijack": 1,
        "cascade": 1,
    }
    assert r.false_incidents == []


@pytest.mark.slow
def test_the_shipped_analysis_rings_every_demo_incident_within_two_buckets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Seed 7, every detector, through the pipeline's own analysis (full mode: the int8 encoder
    and every head). Delays, not exact alert times: a model's float arithmetic may differ by
    CPU."""
    monkeypatch.setenv("TOCSIN_ANALYSIS", "full")
    r = replay_demo(7, sentiment="pipeline")
    delays = {d.truth.id: d.delay_buckets for d in r.detections}
    assert set(delays) == {"blog", "hijack", "cascade"}
    assert all(d is not None and 0 <= d <= 2 for d in delays.values()), delays
    assert r.false_incidents == []
