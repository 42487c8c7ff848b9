"""Author profiles: pseudonyms only at rest, incremental == rebuild, erasure, what they count."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest

from tests.people.stored import LONG_QUESTION, T0, WATCH, conversation, store_with, write
from tocsin.domain import Author, Mention, Sentiment, Watch
from tocsin.people.profiles import (
    CONSTRUCTIVE,
    DETAILED,
    TOXIC_POST,
    author_profile,
    post_traits,
    rebuild_profiles,
    update_profiles,
    watch_profiles,
)
from tocsin.people.pseudonym import author_key
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_people import RECENT_POSTS, SQLitePeople

PROFILE_TABLES = ("author_profiles", "author_days", "author_posts")


def _dump(db: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall()) for t in PROFILE_TABLES}


def test_profile_tables_hold_pseudonyms_only() -> None:
    posts = conversation()
    store = store_with(posts)
    update_profiles(store)
    identities = {m.author.handle for m in posts} | {m.author.id for m in posts}
    identities |= {m.author.display_name for m in posts}
    cells = {
        str(cell)
        for table in PROFILE_TABLES
        for row in store.db.execute(f"SELECT * FROM {table}")
        for cell in row
    }
    assert len(cells) > 100
    assert cells & identities == set()
    # Every author is there, under their keyed pseudonym.
    secret = SQLitePeople(store.db).secret()
    keys = {r[0] for r in store.db.execute("SELECT author_key FROM author_profiles")}
    assert keys == {author_key(secret, "x", m.author.id) for m in posts}


def test_the_secret_is_created_once_and_kept() -> None:
    store = store_with([])
    people = SQLitePeople(store.db)
    first = people.secret()
    assert len(first) == 32 and people.secret() == first
    assert store.db.execute("SELECT count(*) FROM people_secret").fetchone()[0] == 1


def test_incremental_updates_equal_a_full_rebuild() -> None:
    posts = conversation()
    store = store_with([])
    for start in range(0, len(posts), 37):  # arrive in batches, profiled after each
        write(store, posts[start : start + 37])
        update_profiles(store, chunk=50)
    incremental = _dump(store.db)
    rebuild_profiles(store)
    assert _dump(store.db) == incremental
    assert sum(len(rows) for rows in incremental.values()) > 300


def test_running_again_counts_nothing_twice() -> None:
    posts = conversation()
    store = store_with(posts)
    first = update_profiles(store)
    before = _dump(store.db)
    again = update_profiles(store)
    assert first.posts == len(posts) == 337 and first.rebuilt == ("acme",)
    assert again.posts == 0 and again.mentions_read == 0
    assert _dump(store.db) == before


def test_a_changed_query_rebuilds_the_watch_and_a_removed_one_is_forgotten() -> None:
    store = store_with(conversation())
    update_profiles(store)
    store.put_watch(Watch(id="acme", query="acme OR acmé"))
    assert update_profiles(store).rebuilt == ("acme",)
    store.remove_watch("acme")
    assert update_profiles(store).forgotten == ("acme",)
    assert store.db.execute("SELECT count(*) FROM author_profiles").fetchone()[0] == 0


def test_erasing_an_author_removes_their_profile_rows() -> None:
    store = store_with(conversation())
    update_profiles(store)
    key = SQLitePeople(store.db).key("x", "a1")
    counts = [
        store.db.execute(f"SELECT count(*) FROM {t} WHERE author_key = ?", (key,)).fetchone()[0]
        for t in PROFILE_TABLES
    ]
    assert counts == [1, 5, 6]
    others = store.db.execute("SELECT count(*) FROM author_profiles").fetchone()[0]
    store.erase_author("x", "a1")
    for table in PROFILE_TABLES:
        sql = f"SELECT count(*) FROM {table} WHERE author_key = ?"
        assert store.db.execute(sql, (key,)).fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM author_profiles").fetchone()[0] == others - 1
    assert author_profile(store, "x", "a1") is None
    # A database without profiles (never profiled) still erases.
    fresh = store_with(conversation())
    assert fresh.erase_author("x", "a1") == 6


def test_a_profile_counts_reach_engagement_activity_and_sentiment_per_day() -> None:
    store = store_with(conversation())
    update_profiles(store)
    view = author_profile(store, "x", "a1")
    assert view is not None
    assert (view.handle, view.display_name) == ("amb", "Amb")
    (p,) = view.profiles
    assert (p.followers, p.posts, p.active_days) == (5_000, 6, 5)
    assert (p.likes, p.reposts, p.replies) == (720, 90, 24)
    assert (p.negative, p.neutral, p.positive) == (0, 0, 6)
    assert p.first_seen == T0 + timedelta(hours=2) and p.platforms == ("x",)
    assert [(d.day, d.positive) for d in view.days["acme"]][:2] == [
        (date(2026, 11, 2), 1),
        (date(2026, 11, 3), 1),
    ]
    assert len(view.recent["acme"]) == 6 and view.recent["acme"][0][0] == "x"
    assert view.as_dict()["watches"][0]["engagement"] == {
        "likes": 720,
        "reposts": 90,
        "replies": 24,
    }


def test_followers_keep_the_largest_seen_and_recent_posts_are_bounded() -> None:
    store = store_with([])
    posts = [
        Mention(
            "x",
            str(i),
            Author("x", "z1", "zed", "", followers=None if i % 5 else 100 + i),
            "acme",
            T0 + timedelta(hours=i),
            raw=b"{}",
        )
        for i in range(RECENT_POSTS + 12)
    ]
    write(store, posts)
    update_profiles(store, chunk=7)
    (p,) = watch_profiles(store, "acme")
    assert p.followers == 100 + 40 and p.posts == RECENT_POSTS + 12
    assert p.analysed == 0  # not analysed is not neutral
    kept = store.db.execute("SELECT native_id FROM author_posts").fetchall()
    assert sorted(int(n) for (n,) in kept) == list(range(12, RECENT_POSTS + 12))


@pytest.mark.parametrize(
    ("text", "sentiment", "toxicity", "traits"),
    [
        (LONG_QUESTION, "negative", 0.05, DETAILED | CONSTRUCTIVE),
        ("Pourquoi ne pas rouvrir la boutique de Lyon ?", "neutral", None, CONSTRUCTIVE),
        ("Il faudrait un mode hors ligne", "negative", 0.1, CONSTRUCTIVE),
        ("Why is this still broken, idiots?", "negative", 0.8, TOXIC_POST),
        ("Could you add dark mode?", "positive", 0.0, 0),  # praise with a wish: not criticism
        ("Could you add dark mode?", None, 0.0, 0),  # not analysed: not judged
        ("acme is useless", "negative", 0.1, 0),
        ("x" * 150 + " https://example.com/" + "y" * 80, "neutral", 0.0, 0),  # links do not count
    ],
)
def test_post_traits(text: str, sentiment: str | None, toxicity: float | None, traits: int) -> None:
    assert post_traits(text, sentiment, toxicity) == traits


def test_a_repost_counts_its_sentiment_but_not_its_words() -> None:
    store = store_with([])
    original = Mention(
        "x", "1", Author("x", "o"), LONG_QUESTION, T0, raw=b"{}", sentiment=Sentiment("negative", 1)
    )
    repost = original.with_(native_id="2", author=Author("x", "r"), repost_of="1")
    write(store, [original, repost])
    update_profiles(store)
    key = SQLitePeople(store.db).key("x", "r")
    (p,) = [p for p in watch_profiles(store, "acme") if p.key == key]
    assert (p.negative, p.reposts_made, p.detailed, p.constructive) == (1, 1, 0, 0)


def test_a_store_from_before_m008_erases_without_profiles(tmp_path: object) -> None:
    store = SQLiteStore(":memory:")
    store.migrate()
    store.db.execute("DROP TABLE people_secret")
    store.put_watch(WATCH)
    write(store, conversation()[:5])
    assert store.erase_author("x", conversation()[0].author.id) >= 1


def test_each_watch_has_its_own_checkpoint() -> None:
    posts = conversation()
    store = store_with([])
    write(store, posts[:200], ("acme", "other"))  # "other" is not a watch yet
    update_profiles(store)
    assert {r[0] for r in store.db.execute("SELECT DISTINCT watch_id FROM author_profiles")} == {
        "acme"
    }
    store.put_watch(Watch(id="other", query="acme"))
    write(store, posts[200:], ("acme", "other"))
    update = update_profiles(store)
    assert update.rebuilt == ("other",)
    assert update.posts == (len(posts) - 200) + len(posts)  # acme's new posts, all of other's
    incremental = _dump(store.db)
    rebuild_profiles(store)
    assert _dump(store.db) == incremental
    mine = [
        p for p in watch_profiles(store, "other") if p.key == SQLitePeople(store.db).key("x", "a1")
    ]
    assert mine[0].posts == 6


def test_account_history_comes_from_the_profiles() -> None:
    posts = conversation()
    store = store_with(posts)
    people = SQLitePeople(store.db)
    some = posts[0].author
    assert people.account_history([(some.platform, some.id)]) == {}  # profiles not counted yet
    update_profiles(store)
    mine = [m for m in posts if (m.author.platform, m.author.id) == (some.platform, some.id)]
    first = min(int(m.created_at.timestamp() * 1_000_000) for m in mine)
    history = people.account_history([(some.platform, some.id), ("x", "nobody")])
    assert history == {(some.platform, some.id): (first, len(mine))}
