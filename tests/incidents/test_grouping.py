"""Signals into incidents: persistence, growth, severity steps, resolution, cooldown, stories."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest

from tocsin.domain import Incident, Signal
from tocsin.incidents.grouping import (
    GroupingConfig,
    IncidentTracker,
    severity_of,
    surprise_of,
)

H = timedelta(hours=1)
T0 = datetime(2026, 11, 2, 0, tzinfo=UTC)
COLD = GroupingConfig(warmup=0, chronic_share=1.0)  # no warm-up, nothing chronic


def sig(hour: int, score: float = 0.45, kind: str = "volume_surge", **kw: object) -> Signal:
    return Signal("acme", kind, T0 + hour * H, score, **kw)  # type: ignore[arg-type]


def tick(tr: IncidentTracker, hour: float, *signals: Signal) -> list[tuple[str, str, str]]:
    """(change, incident id, alert key or '') of one tick at T0 + hour."""
    return [
        (u.change, u.incident.id, u.alert.key if u.alert else "")
        for u in tr.observe(signals, T0 + hour * H)
    ]


def test_one_weak_signal_is_not_an_incident_two_buckets_are() -> None:
    tr = IncidentTracker("acme", COLD)
    assert tick(tr, 5.5, sig(5)) == []
    assert tick(tr, 6.5, sig(6)) == [
        ("opened", "acme-20261102T0500", "incident:acme-20261102T0500:s2")
    ]


def test_a_lone_weak_signal_is_dropped_after_the_gap() -> None:
    tr = IncidentTracker("acme", GroupingConfig(pending_gap=2, warmup=0, chronic_share=1.0))
    tick(tr, 5.5, sig(5))
    assert tick(tr, 8.5) == [] and len(tr.stories) == 1  # 6, 7 quiet: within the gap
    assert tick(tr, 9.5) == [] and tr.stories == {}  # 6, 7, 8 quiet: dropped
    assert tick(tr, 10.5, sig(10)) == []  # starts again, not an incident


def test_one_strong_signal_opens_at_once() -> None:
    tr = IncidentTracker("acme", COLD)
    [(change, inc_id, key)] = tick(tr, 5.2, sig(5, 0.7))
    assert (change, inc_id) == ("opened", "acme-20261102T0500")
    assert key == f"incident:{inc_id}:s{severity_of([sig(5, 0.7)])}"


def test_the_same_bucket_seen_again_keeps_its_strongest_signal_and_no_second_alert() -> None:
    tr = IncidentTracker("acme", COLD)
    tick(tr, 5.9, sig(5))
    [opened] = tr.observe([sig(6, 0.45)], T0 + 6.1 * H)
    again = tr.observe([sig(6, 0.41)], T0 + 6.2 * H)  # the open bucket, re-scored lower
    assert opened.alert is not None and again == []
    grown = tr.observe([sig(6, 0.5)], T0 + 6.3 * H)
    assert [u.change for u in grown] == ["grew"] and grown[0].alert is None
    assert grown[0].incident.signal_count == 2 and grown[0].incident.max_score == 0.5


def test_severity_steps_raise_one_alert_each_then_resolution_and_cooldown() -> None:
    cfg = GroupingConfig(resolve_after=3, cooldown=5, step=2, warmup=0, chronic_share=1.0)
    tr = IncidentTracker("acme", cfg)
    tick(tr, 0.5, sig(0, 0.42))
    [(c, inc_id, k1)] = tick(tr, 1.5, sig(1, 0.42))
    assert c == "opened" and k1.endswith(":s2")
    assert tick(tr, 2.5, sig(2, 0.5)) == [("grew", inc_id, "")]  # severity 3: not a step
    [(c, _, k2)] = tick(tr, 3.5, sig(3, 0.62))  # severity 4 = 2 + step
    assert c == "escalated" and k2 == f"incident:{inc_id}:s4"
    assert tick(tr, 6.5) == []  # 4, 5 quiet
    [(c, _, k)] = tick(tr, 7.5)  # 4, 5, 6 quiet: resolved
    assert (c, k) == ("resolved", "")
    [inc] = tr.active()
    assert inc.status == "resolved" and inc.resolved_at == T0 + 7 * H
    assert inc.peak_severity == 4 and inc.severity == 1
    # within the cooldown the story re-opens the same incident, without an alert
    assert tick(tr, 9.5, sig(9, 0.45)) == [("reopened", inc_id, "")]
    assert tr.active()[0].status == "open" and tr.active()[0].resolved_at is None
    # after resolution and the cooldown, a new incident
    tick(tr, 13.5)
    tick(tr, 20.5)
    assert tr.stories == {}
    tick(tr, 21.5, sig(21, 0.45))
    assert tick(tr, 22.5, sig(22, 0.45))[0][:2] == ("opened", "acme-20261102T2100")


def test_a_hijacked_hashtag_is_its_own_story_unless_the_watch_already_has_one() -> None:
    tr = IncidentTracker("acme", COLD)
    hijack = dict(kind="hashtag_hijack", subject="#acmemoments")
    [(c, inc_id, _)] = tick(tr, 3.5, sig(3, 0.7, **hijack))
    assert inc_id == "acme-20261102T0300-hashtag-hijack-acmemoments"
    # a watch-level signal joins the active story rather than opening a second incident
    assert tick(tr, 4.5, sig(4, 0.7)) == [("grew", inc_id, "")]
    other = IncidentTracker("acme", COLD)
    tick(other, 3.5, sig(3, 0.7))
    [(c, inc_id2, _)] = tick(other, 4.5, sig(4, 0.7, **hijack))
    assert (c, inc_id2) == ("grew", "acme-20261102T0300")


def test_severity_grows_with_distance_reach_velocity_and_breadth() -> None:
    assert surprise_of(0.4) == pytest.approx(3.333, abs=1e-3)
    base = severity_of([sig(0, 0.4)])
    assert base == 2
    assert severity_of([sig(0, 0.8)]) > severity_of([sig(0, 0.6)]) > base
    assert severity_of([sig(0, 0.4, details={"reach": 2_000_000})]) == base + 2
    assert severity_of([sig(0, 0.4, expected=10.0, observed=250.0)]) == base + 2
    kinds = [sig(0, 0.4, kind=k) for k in ("volume_surge", "negative_share", "alarm_words")]
    assert severity_of(kinds) == base + 1
    assert severity_of([sig(0, 1.0, details={"reach": 10**8}, expected=1.0, observed=1e6)]) == 10
    assert severity_of([]) == 1


def test_the_tracker_pickles_mid_incident_and_continues_identically() -> None:
    a = IncidentTracker("acme", COLD)
    tick(a, 0.5, sig(0))
    tick(a, 1.5, sig(1))
    b = pickle.loads(pickle.dumps(a))
    assert tick(a, 2.5, sig(2, 0.7)) == tick(b, 2.5, sig(2, 0.7))


def test_nothing_opens_during_the_warm_up() -> None:
    tr = IncidentTracker("acme", GroupingConfig(warmup=24, chronic_share=1.0))
    tr.begin(T0)
    assert tick(tr, 5.5, sig(5, 0.9)) == []
    assert tick(tr, 24.5, sig(24, 0.9))[0][0] == "opened"


def test_a_detector_that_rings_all_the_time_is_not_news() -> None:
    cfg = GroupingConfig(warmup=0, chronic_window=48, chronic_recent=6, chronic_min=24)
    tr = IncidentTracker("acme", cfg)
    tr.begin(T0)
    opened = []
    for h in range(0, 90, 3):  # alarm words ring a third of the hours
        s = sig(h, 0.7, kind="alarm_words")
        opened += [u.incident.id for u in tr.observe([s], s.at + 0.5 * H) if u.alert]
    assert opened == ["acme-20261102T0000"]  # news at first, then chronic: one incident
    b90 = tr.bucket_of(T0 + 90 * H)
    assert tr.chronic("alarm_words", b90) and not tr.chronic("volume_surge", b90)
    assert tr.stories == {}  # resolved, cooled down and forgotten
    assert tick(tr, 90.5, sig(90, 0.7))[0][:2] == ("opened", "acme-20261105T1800")


def test_signals_of_another_watch_are_refused() -> None:
    with pytest.raises(ValueError, match="given to"):
        IncidentTracker("other", COLD).observe([sig(0)], T0)


def test_incident_validates_itself() -> None:
    ok = dict(
        id="a", watch_id="acme", story="", status="open", onset=T0, opened_at=T0,
        last_signal_at=T0, severity=3, peak_severity=3,
    )  # fmt: skip
    Incident(**ok)  # type: ignore[arg-type]
    for bad in (
        {"status": "closed"},
        {"severity": 11, "peak_severity": 11},
        {"peak_severity": 2},
        {"status": "resolved"},
        {"onset": T0.replace(tzinfo=None)},
    ):
        with pytest.raises(ValueError):
            Incident(**{**ok, **bad})  # type: ignore[arg-type]


def test_a_kind_noisy_through_the_warm_up_is_chronic_when_it_ends() -> None:
    tr = IncidentTracker("acme")  # defaults: 24 buckets of warm-up
    tr.begin(T0)
    for h in (0, 3, 5, 8, 9, 12, 15, 18, 20):  # 9 of the first 24 hours
        assert tr.observe([sig(h, 0.7, kind="high_reach")], T0 + (h + 0.5) * H) == []
    assert tick(tr, 25.5, sig(25, 0.7, kind="high_reach")) == []
    assert tick(tr, 25.6, sig(25, 0.7))[0][:2] == ("opened", "acme-20261103T0100")


def test_one_post_alone_does_not_open_an_incident_at_once() -> None:
    tr = IncidentTracker("acme", COLD)
    big_post = sig(5, 0.9, kind="high_reach", subject="x:1")
    assert tick(tr, 5.5, big_post) == []  # one alert per post is what incidents avoid
    assert tick(tr, 6.5, sig(6, 0.9, kind="high_reach", subject="x:2")) == []  # another post
    assert tick(tr, 7.5, sig(7, 0.9, kind="high_reach", subject="x:1"))[0][0] == "opened"
    other = IncidentTracker("acme", COLD)
    opened = tick(other, 5.5, big_post, sig(5, 0.45))  # with a second kind: at once
    assert opened[0][:2] == ("opened", "acme-20261102T0500")


def test_a_shared_link_whose_voices_span_two_buckets_opens_alone_as_its_own_story() -> None:
    url = "blog.example/2026/11/panne"
    tr = IncidentTracker("acme", COLD)
    assert tick(tr, 5.5, sig(5, kind="shared_link", subject=url, details={"buckets": 1})) == []
    tr = IncidentTracker("acme", COLD)
    [(change, inc_id, _)] = tick(
        tr, 5.5, sig(5, kind="shared_link", subject=url, details={"buckets": 2})
    )
    assert (change, inc_id) == (
        "opened",
        "acme-20261102T0500-shared-link-blog-example-2026-11-panne",
    )
    assert tr.active()[0].story == f"shared_link:{url}"
    # the span counts only for the kinds that gather several buckets' posts
    tr = IncidentTracker("acme", COLD)
    assert tick(tr, 5.5, sig(5, details={"buckets": 3})) == []
