"""The demo stream: determinism, order, rhythm, languages, platforms, authors, structure."""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from tocsin.demo import DemoConfig, GroundTruth, LabeledMention, generate, generate_labeled
from tocsin.demo import stream as stream_module
from tocsin.demo.builder import b36, entities, new_mention, new_metrics, tid
from tocsin.demo.stream import _Generator
from tocsin.domain import Author, Mention, Metrics

PLATFORMS = {"x", "bluesky", "mastodon", "reddit", "web"}


def background(items: list[LabeledMention]) -> list[Mention]:
    return [m for m, label in items if label.incident is None]


def test_same_seed_same_stream_other_seed_other_stream() -> None:
    config = DemoConfig(seed=3, days=5, posts_per_hour=40)
    a, truth_a = generate(config)
    b, truth_b = generate(config)
    first = list(a)
    assert first == list(b)
    assert truth_a.to_json() == truth_b.to_json()
    other, _ = generate(DemoConfig(seed=4, days=5, posts_per_hour=40))
    assert [m.text for m in itertools.islice(other, 200)] != [m.text for m in first[:200]]


def test_plain_and_labeled_streams_are_the_same() -> None:
    config = DemoConfig(seed=5, days=2, posts_per_hour=30)
    plain, _ = generate(config)
    labeled, _ = generate_labeled(config)
    assert list(plain) == [m for m, _ in labeled]


def test_ground_truth_is_known_before_the_stream_is_read() -> None:
    stream, truth = generate(DemoConfig(seed=11, posts_per_hour=60))
    assert [i.kind for i in truth.incidents] == [
        "slow_burn_blog",
        "hashtag_hijack",
        "high_reach_cascade",
    ]
    counted = Counter()
    for _m in stream:
        counted["all"] += 1
    assert abs(counted["all"] - truth.estimated_posts) < 0.05 * truth.estimated_posts


def test_sorted_utc_unique_and_in_range(week: tuple[list[LabeledMention], GroundTruth]) -> None:
    items, truth = week
    times = [m.created_at for m, _ in items]
    assert times == sorted(times)
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)
    assert truth.start <= times[0] and times[-1] < truth.end
    assert truth.start == datetime(2025, 3, 3, tzinfo=UTC) and truth.start.weekday() == 0
    keys = [m.key for m, _ in items]
    assert len(keys) == len(set(keys))
    assert all(m.raw == b"" for m, _ in items)
    assert all(m.edited_at is None or m.edited_at > m.created_at for m, _ in items)


def test_default_week_size(week: tuple[list[LabeledMention], GroundTruth]) -> None:
    items, _ = week
    assert 20_000 <= len(items) <= 40_000


def test_daily_and_weekly_rhythm(week: tuple[list[LabeledMention], GroundTruth]) -> None:
    items, _ = week
    by_hour: Counter[tuple[bool, int]] = Counter()
    by_day: Counter[int] = Counter()
    for m in background(items):
        weekend = m.created_at.weekday() >= 5
        by_hour[weekend, m.created_at.hour] += 1
        by_day[m.created_at.weekday()] += 1
    night = sum(by_hour[False, h] for h in (2, 3, 4))
    lunch = sum(by_hour[False, h] for h in (11, 12, 13))
    evening = sum(by_hour[False, h] for h in (18, 19, 20))
    afternoon = sum(by_hour[False, h] for h in (14, 15, 16))
    assert night * 5 < lunch
    assert lunch > afternoon and evening > afternoon  # two peaks
    weekday_mean = sum(by_day[d] for d in range(5)) / 5
    weekend_mean = (by_day[5] + by_day[6]) / 2
    assert weekend_mean < 0.92 * weekday_mean
    # later mornings at the weekend
    assert (
        sum(by_hour[True, h] for h in (7, 8)) / 2 < 0.6 * sum(by_hour[False, h] for h in (7, 8)) / 5
    )


def test_language_mix(week: tuple[list[LabeledMention], GroundTruth]) -> None:
    items, _ = week
    langs = Counter(m.language for m, _ in items)
    assert set(langs) == {"fr", "en", None}
    assert 0.48 <= langs["fr"] / (langs["fr"] + langs["en"]) <= 0.62
    assert 0.06 <= langs[None] / len(items) <= 0.14
    # French typed without accents, sometimes
    texts = [m.text for m, label in items if label.category == "praise" and m.language == "fr"]
    assert any(" ca " in t or "cafe " in t or "Cafelia" in t for t in texts)


def test_platforms_and_their_ids(week: tuple[list[LabeledMention], GroundTruth]) -> None:
    items, _ = week
    counts = Counter(m.platform for m, _ in items)
    assert set(counts) == PLATFORMS
    assert counts["x"] == max(counts.values())
    for m, _ in items[:3000]:
        a = m.author
        assert a.platform == m.platform
        if m.platform == "x":
            assert m.native_id.isdigit() and len(m.native_id) == 19
            assert m.url == f"https://x.com/{a.handle}/status/{m.native_id}"
            assert re.fullmatch(r"\w{1,15}", a.handle)
        elif m.platform == "bluesky":
            assert re.fullmatch(
                r"at://did:plc:[a-z2-7]{24}/app\.bsky\.feed\.post/[a-z2-7]{13}", m.native_id
            )
            assert m.url is not None and m.url.startswith(
                f"https://bsky.app/profile/{a.handle}/post/"
            )
        elif m.platform == "mastodon":
            user, _, instance = a.handle.partition("@")
            assert m.url == f"https://{instance}/@{user}/{m.native_id}"
        elif m.platform == "reddit":
            assert re.fullmatch(r"t[13]_[0-9a-z]+", m.native_id)
            assert m.url is not None and m.url.startswith("https://www.reddit.com/r/")
            assert (m.title is not None) == m.native_id.startswith("t3_")
            assert a.followers is None
        else:
            assert m.native_id == m.url and m.title and m.text.startswith(m.title + "\n\n")
            assert a.followers is None and a.handle and m.url.startswith(f"https://{a.handle}/")


def test_entities_are_those_of_the_text(week: tuple[list[LabeledMention], GroundTruth]) -> None:
    items, _ = week
    with_tags = with_mentions = with_links = 0
    for m, _ in items:
        for tag in m.hashtags:
            assert "#" + tag in m.text
        for handle in m.mentions:
            assert "@" + handle in m.text
        for link in m.links:
            assert link in m.text
        if m.repost_of is None:
            assert (m.hashtags, m.mentions, m.links) == entities(m.text)
        with_tags += bool(m.hashtags)
        with_mentions += bool(m.mentions)
        with_links += bool(m.links)
    assert min(with_tags, with_mentions, with_links) > 0.02 * len(items)


def test_replies_reposts_and_quotes_point_to_earlier_posts(
    week: tuple[list[LabeledMention], GroundTruth],
) -> None:
    items, _ = week
    seen: dict[tuple[str, str], Mention] = {}
    forms: Counter[str] = Counter()
    for m, _ in items:
        for form, ref in (("reply", m.reply_to), ("repost", m.repost_of), ("quote", m.quote_of)):
            if ref is not None:
                forms[form] += 1
                target = seen[m.platform, ref]
                assert target.created_at <= m.created_at
                if form == "repost":
                    assert target.text in m.text
        seen[m.key] = m
    assert forms["reply"] > 0.1 * len(items)
    assert forms["repost"] > 0.05 * len(items)
    assert forms["quote"] > 0.01 * len(items)


def test_followers_heavy_tailed_and_recurring_authors(
    week: tuple[list[LabeledMention], GroundTruth],
) -> None:
    items, _ = week
    followers = {
        m.author.id: m.author.followers for m, _ in items if m.author.followers is not None
    }
    ranked = sorted(followers.values(), reverse=True)
    top = ranked[: len(ranked) // 100]
    assert sum(top) > 0.3 * sum(ranked)
    assert sum(ranked[1 : 1 + len(ranked) // 100]) > 0.3 * sum(ranked[1:])  # without the star
    assert ranked[len(ranked) // 2] < 500 < 1_000_000 < ranked[0]
    posts = Counter((m.platform, m.author.id) for m, label in items if label.incident is None)
    counts = sorted(posts.values(), reverse=True)
    assert counts[10] >= 40  # a few very engaged accounts
    assert sum(1 for c in counts if c == 1) > 0.3 * len(counts)  # many occasional ones
    assert any(platform != "web" and n >= 30 for (platform, _), n in posts.most_common(40))


def test_noise_and_competitor_posts(week: tuple[list[LabeledMention], GroundTruth]) -> None:
    items, _ = week
    cats = Counter(label.category for _, label in items)
    assert 0.05 * len(items) < cats["noise"] < 0.2 * len(items)
    for m, label in items:
        folded = m.text.lower().replace("é", "e")
        if label.category == "noise":
            assert "cafelia" not in folded and "brewster" not in folded
        elif label.category == "competitor_only":
            assert "brewster" in folded and "cafelia" not in folded
        elif label.category in ("competitor_pro_brand", "competitor_pro_competitor"):
            assert "brewster" in folded and "cafelia" in folded


def test_sized_stream_holds_the_total() -> None:
    config = DemoConfig.sized(6_000, days=7, seed=2)
    stream, truth = generate(config)
    n = sum(1 for _ in stream)
    assert 6_000 <= n <= 6_000 * 1.08
    assert abs(truth.estimated_posts - n) < 0.05 * n


def test_short_and_long_streams() -> None:
    one, truth = generate(DemoConfig(days=1, posts_per_hour=20))
    assert truth.incidents == [] and sum(1 for _ in one) > 100
    assert truth.quiet_periods == [(truth.start, truth.end)]
    three, truth = generate(DemoConfig(days=3, posts_per_hour=20))
    assert len(truth.incidents) == 2
    assert sum(1 for _ in three) > 0
    _, truth = generate(DemoConfig(days=14, posts_per_hour=5, incidents=False))
    assert truth.incidents == [] and truth.end - truth.start == timedelta(days=14)


def test_high_rates_stream_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_module, "BUCKET_MAX", 300)
    config = DemoConfig(days=1, posts_per_hour=1_000)
    chunks = list(_Generator(config)._hours())
    assert len(chunks) > 24
    assert max(len(c) for c in chunks) <= 300 + 50
    merged = [m for chunk in chunks for m, _ in chunk]
    assert [m.created_at for m in merged] == sorted(m.created_at for m in merged)


def test_config_is_checked() -> None:
    with pytest.raises(ValueError, match="days"):
        DemoConfig(days=0)
    with pytest.raises(ValueError, match="posts_per_hour"):
        DemoConfig(posts_per_hour=0)
    with pytest.raises(ValueError, match="incident_scale"):
        DemoConfig(incident_scale=1e6)
    assert DemoConfig(start=datetime(2025, 3, 3)).start.tzinfo is not None


def test_fast_constructors_make_the_same_objects() -> None:
    author = Author("x", "1", "h", "H", 10, False)
    when = datetime(2025, 3, 3, 12, tzinfo=UTC)
    args = ("x", "1", author, "t #a", when, "u", None, "fr", None, "2", None, ("a",), (), ())
    metrics = new_metrics(1, 2, 3, None)
    assert metrics == Metrics(1, 2, 3, None)
    assert new_mention(*args, metrics, None, b"") == Mention(*args, metrics)
    assert hash(new_metrics(1, 2, 3, 4)) == hash(Metrics(1, 2, 3, 4))


def test_id_encodings() -> None:
    assert b36(0) == "0" and b36(35) == "z" and b36(36) == "10" and b36(1296) == "100"
    assert all(int(b36(n), 36) == n for n in range(0, 10**7, 9_973))
    a, b = tid(1_741_000_000_000_000, 1), tid(1_741_000_000_000_001, 1)
    assert len(a) == 13 and a < b


def test_round_trip_through_the_jsonl_importer() -> None:
    """What the benchmark and ``tocsin demo`` do: write Tocsin JSONL, import it back."""
    import io

    import orjson

    from tocsin.domain import DeadLetter
    from tocsin.importers._common import extract_hashtags, extract_links, extract_mentions
    from tocsin.importers.generic import JsonlImporter, to_record

    stream, _ = generate(DemoConfig(seed=9, days=7, posts_per_hour=25))
    mentions = list(stream)
    data = b"".join(orjson.dumps(to_record(m)) + b"\n" for m in mentions)
    back = list(JsonlImporter().read(io.BytesIO(data), "demo.jsonl"))
    assert not [r for r in back if isinstance(r, DeadLetter)]
    assert [r.with_(raw=b"") for r in back if isinstance(r, Mention)] == mentions
    for m in mentions:  # the importers would extract the same entities from the text
        if m.repost_of is None:
            assert m.hashtags == extract_hashtags(m.text)
            assert m.mentions == extract_mentions(m.text, reddit=m.platform == "reddit")
            assert m.links == extract_links(m.text)


def test_the_stream_is_lazy() -> None:
    """A year at a million posts an hour (some 8 billion posts): the first ones come at once."""
    stream, truth = generate(DemoConfig(days=366, posts_per_hour=1_000_000, incidents=False))
    first = list(itertools.islice(stream, 5))
    assert len(first) == 5 and truth.estimated_posts > 5_000_000_000


def test_same_stream_whatever_the_hash_seed() -> None:
    import subprocess
    import sys

    code = (
        "import hashlib, orjson\n"
        "from tocsin.demo import generate, DemoConfig\n"
        "from tocsin.importers.generic import to_record\n"
        "s, t = generate(DemoConfig(seed=5, days=2, posts_per_hour=40))\n"
        "h = hashlib.sha256(t.to_json().encode())\n"
        "for m in s: h.update(orjson.dumps(to_record(m)))\n"
        "print(h.hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1
