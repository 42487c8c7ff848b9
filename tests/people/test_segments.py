"""Segments on the stored conversation: the planted people are found, with their evidence."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.people.stored import T0, conversation, store_with, write
from tocsin.domain import Author, Mention, Sentiment, Watch
from tocsin.people.profiles import update_profiles, watch_profiles
from tocsin.people.segments import (
    SEGMENTS,
    SegmentRules,
    brand_managers,
    own_accounts,
    watch_segments,
)
from tocsin.people.service import identities
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_people import SQLitePeople


@pytest.fixture(scope="module")
def store() -> SQLiteStore:
    store = store_with(conversation())
    # A negative celebrity nobody in the conversation answers: reach alone.
    celebrity = Author("x", "star", "star", "Star", 10_000_000, True)
    write(
        store,
        [
            Mention(
                "x",
                f"star{i}",
                celebrity,
                "acme is overrated",
                T0 + timedelta(days=i, hours=3),
                raw=b"{}",
                sentiment=Sentiment("negative", 0.8),
            )
            for i in range(2)
        ],
    )
    update_profiles(store)
    return store


@pytest.fixture(scope="module")
def segments(store: SQLiteStore) -> dict[str, list[tuple[str, object]]]:
    found = watch_segments(store, "acme", window=timedelta(days=2), limit=50).segments
    names = identities(store, [m.key for members in found.values() for m in members])
    return {s: [(names[m.key].handle, m) for m in members] for s, members in found.items()}


def _handles(segments: dict[str, list[tuple[str, object]]], name: str) -> list[str]:
    return [handle for handle, _ in segments[name]]


def test_the_planted_influential_critic_is_found_and_reach_alone_is_not_enough(
    segments: dict[str, list[tuple[str, object]]],
) -> None:
    critics = _handles(segments, "critics")
    assert critics[0] == "critic"
    assert "star" not in critics  # 10M followers, negative, but nobody turns to them
    assert "grumpy" not in critics and "amb" not in critics
    _, member = segments["critics"][0]
    evidence = member.evidence  # type: ignore[attr-defined]
    assert evidence["interacted_by"] == 30 and evidence["negative"] == 3
    assert evidence["percentile"] >= 0.9 and evidence["influence_vs_median"] > 3


def test_the_planted_ambassador_leads_and_the_lone_enthusiast_is_not_one(
    segments: dict[str, list[tuple[str, object]]],
) -> None:
    ambassadors = _handles(segments, "ambassadors")
    assert ambassadors[0] == "amb"
    assert "enthusiast" not in ambassadors  # eight posts, all in two minutes: not recurring
    _, member = segments["ambassadors"][0]
    assert member.evidence["positive"] == 6 and member.evidence["active_days"] == 5  # type: ignore[attr-defined]
    assert len(member.examples) == 3  # type: ignore[attr-defined]


def test_detractors_brand_managers_and_rising_voices(
    segments: dict[str, list[tuple[str, object]]],
) -> None:
    assert "grumpy" in _handles(segments, "detractors")
    assert "amb" not in _handles(segments, "detractors")
    assert _handles(segments, "brand-managers") == ["helper"]
    assert _handles(segments, "rising")[0] == "riser"
    _, riser = segments["rising"][0]
    assert riser.evidence["growth"] >= 2  # type: ignore[attr-defined]


def test_examples_show_the_segment(store: SQLiteStore) -> None:
    found = watch_segments(store, "acme", names=("ambassadors", "brand-managers")).segments
    for name, label in (("ambassadors", "positive"), ("brand-managers", None)):
        member = found[name][0]
        assert member.examples
        for platform, native_id in member.examples:
            stored = store.get_mention(platform, native_id)
            assert stored is not None
            assert stored.mention.sentiment is not None
            if label:
                assert stored.mention.sentiment.label == label
            else:
                assert len(stored.mention.text) >= 200 and "?" in stored.mention.text


def test_thresholds_decide(store: SQLiteStore) -> None:
    profiles = watch_profiles(store, "acme")
    assert len(brand_managers(profiles, SegmentRules())) == 1
    assert brand_managers(profiles, SegmentRules(min_constructive=5)) == []


def test_unknown_segment_and_empty_watch() -> None:
    store = store_with([])
    update_profiles(store)
    with pytest.raises(ValueError, match="unknown segment"):
        watch_segments(store, "acme", names=("fans",))
    assert all(v == [] for v in watch_segments(store, "acme").segments.values())
    assert set(watch_segments(store, "acme").segments) == set(SEGMENTS)


def test_the_watchs_own_accounts_are_never_members() -> None:
    store = store_with(conversation())
    store.put_watch(Watch(id="acme", query="acme OR @AMB OR someone@example.com"))
    update_profiles(store)
    found = watch_segments(store, "acme", names=("ambassadors",)).segments["ambassadors"]
    names = identities(store, [m.key for m in found])
    assert found and "amb" not in {names[m.key].handle for m in found}
    kept = watch_segments(store, "acme", names=("ambassadors",), exclude=()).segments
    assert identities(store, [kept["ambassadors"][0].key]).popitem()[1].handle == "amb"


def test_own_accounts_are_the_query_handles_on_every_platform() -> None:
    store = store_with([])
    store.put_watch(Watch(id="acme", query="acme OR @acme OR @a_b"))
    accounts = [
        Author("x", "1", "ACME"),
        Author("bluesky", "2", "acme.social"),
        Author("mastodon", "3", "acme@shop.example"),
        Author("x", "4", "acme_fan"),  # someone else
        Author("bluesky", "5", "axb.social"),  # "_" is not a wildcard
        Author("x", "6", "a_b"),
    ]
    write(
        store,
        [Mention(a.platform, a.id, a, "acme", T0, raw=b"{}") for a in accounts],
    )
    people = SQLitePeople(store.db)
    expected = {people.key(a.platform, a.id) for a in accounts if a.id in {"1", "2", "3", "6"}}
    assert own_accounts(store, "acme") == expected
