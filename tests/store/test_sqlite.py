from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import mention
from tests.store.contract import StoreContract, matched
from tocsin.errors import StoreError
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_migrations import MIGRATIONS


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "t.db")
    s.migrate()
    yield s
    s.close()


class TestSQLiteStore(StoreContract):
    pass


def test_file_is_in_wal_mode_with_normal_sync(store: SQLiteStore) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_full_durability_is_a_setting(tmp_path: Path) -> None:
    s = SQLiteStore(tmp_path / "f.db", durability="full")
    assert s.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    s.close()


def test_migrations_are_named_and_recorded(store: SQLiteStore) -> None:
    assert store.applied_migrations() == [name for name, _ in MIGRATIONS]


def test_uninitialised_file_is_refused(tmp_path: Path) -> None:
    s = SQLiteStore(tmp_path / "empty.db")
    with pytest.raises(StoreError, match="tocsin init"):
        s.require_schema()
    s.close()


def test_reader_sees_committed_batches_while_another_connection_writes(
    store: SQLiteStore, tmp_path: Path
) -> None:
    reader = SQLiteStore(tmp_path / "t.db")
    store.write(matched(*(mention(i) for i in range(10))))
    store.db.execute("BEGIN IMMEDIATE")  # a writer holds the write lock...
    store.db.execute("DELETE FROM mentions")
    assert reader.count_mentions() == 10  # ...and the reader is not blocked, nor sees it
    store.db.execute("ROLLBACK")
    reader.close()


def test_erased_ids_are_never_reused(store: SQLiteStore) -> None:
    store.write(matched(mention(1), mention(2, author=mention(9).author)))
    newest = store.get_mention("x", "1002")
    assert newest is not None
    assert store.erase_author("x", newest.mention.author.id) == 1
    store.write(matched(mention(3)))
    ids = [r[0] for r in store.db.execute("SELECT id FROM mentions ORDER BY id")]
    assert ids == [1, 3]  # 2 belonged to the erased post: never given again


def test_get_mentions_is_get_mention_for_many(store: SQLiteStore) -> None:
    store.write(matched(*(mention(i) for i in range(1, 6)), mention(7, platform="reddit")))
    keys = [("x", "1002"), ("reddit", "1007"), ("x", "9999"), ("x", "1005")]
    got = store.get_mentions(keys)
    assert set(got) == {("x", "1002"), ("reddit", "1007"), ("x", "1005")}
    for key, item in got.items():
        assert item == store.get_mention(*key)


def _ambassador_posts(store: SQLiteStore) -> list[tuple[str, str, int]]:
    return list(store.db.execute("SELECT platform, author_id, mention_id FROM ambassador_posts"))


def test_ambassadors_posts_are_listed_as_they_are_written(store: SQLiteStore) -> None:
    from tocsin.ambassadors.enrolment import invite

    store.write(matched(mention(1)))  # u1's post before the invitation: not listed
    invite(store.db, "x", "u1", "cm", country="FR")
    store.write(matched(*(mention(i) for i in range(2, 16))))
    ids = dict(store.db.execute("SELECT native_id, id FROM mentions"))
    assert sorted(_ambassador_posts(store)) == [("x", "u1", ids["1008"]), ("x", "u1", ids["1015"])]
    store.erase_author("x", "u1")
    assert _ambassador_posts(store) == []


def test_migration_lists_the_ambassadors_stored_posts_and_drops_the_author_index(
    tmp_path: Path,
) -> None:
    s = SQLiteStore(tmp_path / "old.db")
    s.db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at INTEGER)")
    for name, step in MIGRATIONS[: [n for n, _ in MIGRATIONS].index("m012_ambassador_posts")]:
        step(s.db)
        s.db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, 0)", (name,))
    s.write(matched(*(mention(i) for i in range(1, 10))))
    s.db.execute(
        "INSERT INTO ambassadors (platform, author_id, country, status, invited_at, invited_by) "
        "VALUES ('x', 'u2', 'FR', 'enrolled', 0, 'cm')"
    )
    assert s.migrate() == ["m012_ambassador_posts"]
    ids = dict(s.db.execute("SELECT native_id, id FROM mentions"))
    assert sorted(_ambassador_posts(s)) == [("x", "u2", ids["1002"]), ("x", "u2", ids["1009"])]
    indexes = {r[0] for r in s.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "mentions_author_time" not in indexes
    s.close()
