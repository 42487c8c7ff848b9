"""The three incidents and the ground truth: where they are, what they look like."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from tocsin.demo import (
    INCIDENT_KINDS,
    DemoConfig,
    GroundTruth,
    Incident,
    LabeledMention,
    generate,
)
from tocsin.domain import Mention
from tocsin.query import Document, WatchIndex, normalise, parse

Week = tuple[list[LabeledMention], GroundTruth]


def posts_of(items: list[LabeledMention], incident: Incident) -> list[LabeledMention]:
    return [(m, label) for m, label in items if label.incident == incident.id]


def hourly(posts: list[Mention], onset: datetime, minutes: int = 60) -> list[int]:
    bins = Counter(int((m.created_at - onset).total_seconds() // (60 * minutes)) for m in posts)
    return [bins[i] for i in range(max(bins) + 1)]


def test_incidents_on_different_days_away_from_midnight(week: Week) -> None:
    _, truth = week
    assert sorted(i.kind for i in truth.incidents) == sorted(INCIDENT_KINDS)
    days = [i.onset.date() for i in truth.incidents]
    assert len(set(days)) == 3
    for i in truth.incidents:
        assert 2 <= i.onset.hour <= 21
        assert i.onset < i.end
        assert i.watch_id in {w.id for w in truth.watches}
        assert i.description and i.key_post_id and i.key_platform
    assert truth.incidents[0].onset - truth.start >= timedelta(days=1)


def test_quiet_days_have_no_incident_posts(week: Week) -> None:
    items, truth = week
    assert truth.quiet_periods
    assert any(b - a >= timedelta(days=1) for a, b in truth.quiet_periods)
    for a, b in truth.quiet_periods:
        assert b - a >= timedelta(days=1)
        assert not any(label.incident for m, label in items if a < m.created_at < b)


def test_counts_and_windows_match_the_ground_truth(week: Week) -> None:
    items, truth = week
    for incident in truth.incidents:
        posts = [m for m, _ in posts_of(items, incident)]
        assert len(posts) == incident.post_count
        assert posts[0].created_at == incident.onset
        assert posts[-1].created_at == incident.end
        key = [m for m in posts if m.native_id == incident.key_post_id]
        assert len(key) == 1 and key[0].platform == incident.key_platform
        assert key[0].url == incident.key_url


def test_hashtag_hijack(week: Week) -> None:
    items, truth = week
    hijack = truth.incident("hashtag_hijack")
    tag = truth.brand.campaign_hashtags[0]
    campaign = normalise("#" + tag)
    posts = posts_of(items, hijack)
    assert 600 < len(posts) < 3000
    # nobody used the hashtag before the brand launched it
    before = [m for m, _ in items if m.created_at < hijack.onset]
    assert not any(normalise("#" + t) == campaign for m in before for t in m.hashtags)
    # the brand's cheerful launch comes first, then the public takes over the hashtag
    launch = [m for m, label in posts if label.category == "hijack_launch"]
    assert launch and all(m.author.handle.startswith("cafelia") for m in launch)
    assert launch[0].native_id == hijack.key_post_id
    public = [(m, label) for m, label in posts if label.category.startswith("hijack_")]
    public = [(m, label) for m, label in public if label.category != "hijack_launch"]
    assert all(campaign in {normalise("#" + t) for t in m.hashtags} for m, _ in public)
    negative = sum(label.sentiment < 0 for _, label in public)
    assert negative > 0.75 * len(public)
    assert {m.language for m, _ in public} >= {"fr", "en"}
    # the volume ramps up over hours, then decays
    volume = hourly([m for m, _ in public], hijack.onset)
    peak = volume.index(max(volume))
    assert 1 <= peak <= 5
    assert volume[0] < 0.6 * max(volume)
    assert sum(volume[12:]) < 0.1 * sum(volume)


def test_high_reach_cascade(week: Week) -> None:
    items, truth = week
    cascade = truth.incident("high_reach_cascade")
    posts = posts_of(items, cascade)
    key = next(m for m, _ in posts if m.native_id == cascade.key_post_id)
    assert key.platform == "x" and (key.author.followers or 0) >= 1_000_000
    assert "@cafelia" in key.text and key.author.verified
    reposts = [m for m, label in posts if label.category == "cascade_repost"]
    quotes = [m for m, label in posts if label.category == "cascade_quote"]
    replies = [m for m, label in posts if label.category == "cascade_reply"]
    assert len(reposts) > 300 and len(quotes) > 50 and len(replies) > 100
    assert all(m.repost_of == key.native_id and key.text in m.text for m in reposts)
    assert all(m.quote_of == key.native_id for m in quotes)
    ids = {m.native_id for m, _ in posts}
    assert all(m.reply_to in ids for m in replies)
    assert key.metrics.reposts == len(reposts)
    # reposts grow, then decay (15-minute bins)
    volume = hourly(reposts, cascade.onset, minutes=15)
    peak = volume.index(max(volume))
    assert peak >= 1 and volume[0] < 0.7 * max(volume)
    assert sum(volume[48:]) < 0.15 * sum(volume)  # after 12 hours
    assert max(volume[40:48]) < 0.3 * max(volume)


def test_slow_burn_blog(week: Week) -> None:
    items, truth = week
    blog = truth.incident("slow_burn_blog")
    posts = posts_of(items, blog)
    key = next(m for m, _ in posts if m.native_id == blog.key_post_id)
    assert key.platform == "web" and key.title and key.url == blog.key_url
    assert len(key.text) > 1000 and "Cafélia" in key.text
    echoes = [m for m, label in posts if label.category == "blog_echo"]
    assert len(echoes) > 200
    linking = [m for m in echoes if key.url in m.links]
    assert len(linking) > 0.7 * len(echoes)
    assert {m.language for m in echoes} >= {"fr", "en"}
    assert {m.platform for m in echoes} >= {"x", "bluesky", "mastodon", "reddit", "web"}
    # a slowly rising trickle over a day and a half
    volume = hourly(echoes, blog.onset)
    assert sum(volume[:6]) < 30
    assert sum(volume[:12]) < sum(volume[12:24]) < sum(volume[24:36])
    assert blog.end - blog.onset > timedelta(hours=30)


def test_watches_catch_what_they_should(week: Week) -> None:
    items, truth = week
    index = WatchIndex(truth.watches)
    for w in truth.watches:
        parse(w.query)
    misses: Counter[str] = Counter()
    for m, label in items:
        matched = set(index.match(Document.from_mention(m, normalise(m.text))))
        if label.incident is not None and label.category != "press":
            watch = truth.incident(
                {
                    "hijack": "hashtag_hijack",
                    "cascade": "high_reach_cascade",
                    "blog": "slow_burn_blog",
                }[label.incident]
            ).watch_id
            if watch not in matched:
                misses[label.category] += 1
        elif label.category == "noise":
            assert not matched, m.text
        elif label.category == "competitor_only":
            assert matched == {"brewster"}, m.text
        elif label.category in ("praise", "complaint", "question", "neutral"):
            assert "cafelia" in matched, m.text
    assert not misses


def test_ground_truth_json_round_trip(week: Week) -> None:
    _, truth = week
    text = truth.to_json()
    again = GroundTruth.from_json(text)
    assert again == truth
    assert GroundTruth.from_json(text.encode()).to_json() == text
    assert truth.watch("cafelia-moments").query == "#CaféliaMoments"
    with pytest.raises(KeyError):
        truth.watch("nope")
    with pytest.raises(ValueError):
        GroundTruth.from_json("[]")


def test_brand_description(week: Week) -> None:
    _, truth = week
    brand = truth.brand
    assert brand.name == "Cafélia" and brand.competitor == "Brewster"
    assert "cafelia" in brand.handles["x"]
    assert brand.campaign_hashtags == ("CaféliaMoments",)
    kinds = {w.id: str(w.kind) for w in truth.watches}
    assert kinds == {"cafelia": "brand", "cafelia-moments": "campaign", "brewster": "competitor"}


def test_incidents_scale_with_the_rate() -> None:
    _, small = generate(DemoConfig(posts_per_hour=90))
    _, large = generate(DemoConfig(posts_per_hour=360))
    for a, b in zip(small.incidents, large.incidents, strict=True):
        assert 2.5 < b.post_count / a.post_count < 6
    _, fixed = generate(DemoConfig(posts_per_hour=360, incident_scale=0.5))
    assert (
        fixed.incident("hashtag_hijack").post_count
        < small.incident("hashtag_hijack").post_count * 1.5
    )
    _, none = generate(DemoConfig(incidents=False))
    assert none.incidents == [] and none.quiet_periods == [(none.start, none.end)]
